#include <gtest/gtest.h>

#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "shared/core/crypto.hpp"
#include "tests/integration/coordinator/http/server_fixture.hpp"

namespace waka::coordinator::http {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using test::HttpClient;
using test::HttpConnection;
using test::HttpResult;

struct SpoolSeen {
    std::mutex mutex;
    bool file_existed = false;
    std::uint64_t file_size = 0;
    std::uint64_t body_size = 0;
    std::string body_sha256;
    std::string file_sha256;
    std::string body;
    std::filesystem::path path;
};

Handler RecordSpool(SpoolSeen& seen, std::filesystem::path move_to = {}) {
    return [&seen, move_to](Request& request) -> asio::awaitable<Response> {
        std::lock_guard lock(seen.mutex);
        seen.body = request.body;
        if (request.body_file) {
            seen.path = *request.body_file;
            std::error_code ec;
            seen.file_existed = std::filesystem::exists(seen.path, ec);
            seen.file_size = std::filesystem::file_size(seen.path, ec);
            auto sha = Sha256File(seen.path);
            seen.file_sha256 = sha ? *sha : "";
            if (!move_to.empty()) {
                std::filesystem::rename(seen.path, move_to, ec);
            }
        }
        seen.body_size = request.body_size;
        seen.body_sha256 = request.body_sha256;
        co_return Response{201, "application/json", R"({"stored":true})", {}, {}};
    };
}

ServerOptions SpoolOptions(const std::filesystem::path& dir) {
    ServerOptions options;
    options.spool_dir = dir / "spool";
    options.max_upload_bytes = 8 << 20;
    options.spool_body = [](std::string_view method, std::string_view path) {
        return method == "PUT" && path.rfind("/upload/", 0) == 0;
    };
    return options;
}

TEST_F(HttpServerTest, SpooledUploadIsOnDiskDuringTheHandlerAndRemovedAfter) {
    SpoolSeen seen;
    StartServer(RecordSpool(seen), SpoolOptions(temp_dir_));
    const std::string bytes = RandomBytes(3 << 20, 7);
    WriteFile(temp_dir_ / "bundle.tar.gz", bytes);
    for (bool expect_continue : {false, true}) {
        test::HttpHeaders headers;
        if (expect_continue) {
            headers.emplace_back("Expect", "100-continue");
        }
        HttpResult result =
            Client().UploadFile("PUT", "/upload/app/1.0.0", temp_dir_ / "bundle.tar.gz", headers);
        ASSERT_EQ(result.status, 201u) << result.error << result.body;
        std::lock_guard lock(seen.mutex);
        EXPECT_TRUE(seen.file_existed);
        EXPECT_EQ(seen.path.parent_path(), temp_dir_ / "spool");
        EXPECT_EQ(seen.file_size, bytes.size());
        EXPECT_EQ(seen.body_size, bytes.size());
        EXPECT_EQ(seen.body_sha256, Sha256Hex(bytes));
        EXPECT_EQ(seen.file_sha256, Sha256Hex(bytes));
        EXPECT_TRUE(seen.body.empty());
        EXPECT_FALSE(std::filesystem::exists(seen.path)) << "spool file left behind";
    }
}

TEST_F(HttpServerTest, SpooledFileMovedByTheHandlerStaysWhereItWasMoved) {
    SpoolSeen seen;
    const std::filesystem::path destination = temp_dir_ / "stored.bin";
    StartServer(RecordSpool(seen, destination), SpoolOptions(temp_dir_));
    const std::string bytes = RandomBytes(100000, 3);
    HttpResult result = Client().Put("/upload/x", bytes, {{"Content-Type", "application/gzip"}});
    ASSERT_EQ(result.status, 201u) << result.error << result.body;
    ASSERT_TRUE(std::filesystem::exists(destination));
    EXPECT_EQ(std::filesystem::file_size(destination), bytes.size());
    EXPECT_EQ(Sha256File(destination).value(), Sha256Hex(bytes));
}

TEST_F(HttpServerTest, EmptySpooledBodyStillGetsAFile) {
    SpoolSeen seen;
    StartServer(RecordSpool(seen), SpoolOptions(temp_dir_));
    HttpResult result = Client().Put("/upload/empty", "");
    ASSERT_EQ(result.status, 201u) << result.error << result.body;
    std::lock_guard lock(seen.mutex);
    EXPECT_TRUE(seen.file_existed);
    EXPECT_EQ(seen.body_size, 0u);
    EXPECT_EQ(seen.body_sha256, Sha256Hex(""));
}

TEST_F(HttpServerTest, UploadOverTheLimitGets413BeforeTheBodyIsSent) {
    SpoolSeen seen;
    ServerOptions options = SpoolOptions(temp_dir_);
    options.max_upload_bytes = 1000;
    StartServer(RecordSpool(seen), options);
    WriteFile(temp_dir_ / "big.bin", RandomBytes(5000, 1));
    HttpResult result = Client().UploadFile("PUT", "/upload/big", temp_dir_ / "big.bin",
                                            {{"Expect", "100-continue"}});
    EXPECT_EQ(result.status, 413u) << result.error;
    EXPECT_EQ(Str(ParseObject(result.body), "detail"), "request body exceeds the 1000-byte limit");
    EXPECT_TRUE(std::filesystem::is_empty(temp_dir_ / "spool"));
}

TEST_F(HttpServerTest, BeforeBodyRefusesAnUploadBeforeItsBytesAreSent) {
    SpoolSeen seen;
    ServerOptions options = SpoolOptions(temp_dir_);
    options.before_body = [](const Request& request) -> asio::awaitable<std::optional<Response>> {
        if (request.Header("authorization") == nullptr) {
            co_return JsonError(401, "missing bearer token", "unauthenticated");
        }
        co_return std::nullopt;
    };
    StartServer(RecordSpool(seen), options);
    WriteFile(temp_dir_ / "bundle.bin", RandomBytes(200000, 9));
    HttpResult refused = Client().UploadFile("PUT", "/upload/a", temp_dir_ / "bundle.bin",
                                             {{"Expect", "100-continue"}});
    EXPECT_EQ(refused.status, 401u) << refused.error;
    EXPECT_EQ(Str(ParseObject(refused.body), "code"), "unauthenticated");
    EXPECT_TRUE(std::filesystem::is_empty(temp_dir_ / "spool"));

    HttpClient client = Client();
    client.SetBearer("secret");
    HttpResult accepted = client.UploadFile("PUT", "/upload/a", temp_dir_ / "bundle.bin",
                                            {{"Expect", "100-continue"}});
    EXPECT_EQ(accepted.status, 201u) << accepted.error;
    std::lock_guard lock(seen.mutex);
    EXPECT_EQ(seen.body_size, 200000u);
}

TEST_F(HttpServerTest, FileRangeResponseSendsExactlyThoseBytes) {
    const std::string bytes = RandomBytes(300000, 11);
    const std::filesystem::path file = temp_dir_ / "artifact.bin";
    WriteFile(file, bytes);
    StartServer([file](Request&) -> asio::awaitable<Response> {
        Response response;
        response.status = 206;
        response.content_type = "application/octet-stream";
        response.headers.emplace_back("Content-Range", "bytes 1000-100999/300000");
        response.file = FileBody{file, 1000, 100000};
        co_return response;
    });
    HttpResult result = Client().Get("/artifacts/x", {{"Range", "bytes=1000-100999"}});
    ASSERT_EQ(result.status, 206u) << result.error;
    EXPECT_EQ(result.Header("Content-Length"), "100000");
    EXPECT_EQ(result.Header("Content-Range"), "bytes 1000-100999/300000");
    EXPECT_EQ(result.body, bytes.substr(1000, 100000));

    HttpResult head = Client().Head("/artifacts/x");
    ASSERT_EQ(head.status, 206u) << head.error;
    EXPECT_EQ(head.Header("Content-Length"), "100000");
    EXPECT_TRUE(head.body.empty());
}

TEST_F(HttpServerTest, WholeFileAndMissingFile) {
    const std::string bytes = RandomBytes(5000, 5);
    const std::filesystem::path file = temp_dir_ / "whole.bin";
    WriteFile(file, bytes);
    StartServer([file](Request& request) -> asio::awaitable<Response> {
        Response response;
        const std::filesystem::path path =
            request.path == "/whole" ? file : std::filesystem::path(file.string() + ".gone");
        response.file = FileBody{path, 0, 5000};
        co_return response;
    });
    HttpResult whole = Client().Get("/whole");
    ASSERT_EQ(whole.status, 200u) << whole.error;
    EXPECT_EQ(whole.body, bytes);
    HttpResult missing = Client().Get("/missing");
    EXPECT_EQ(missing.status, 500u) << missing.error;
    EXPECT_EQ(Str(ParseObject(missing.body), "code"), "internal");
}

}  // namespace
}  // namespace waka::coordinator::http
