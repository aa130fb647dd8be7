// Uploads are checked before their body is read (ADR 0025), with the real PostgreSQL and the real
// HTTP server: route, bearer token and role from the header alone; the declared size; the cap on
// uploads at once; and the minimum rate that cuts off a trickle.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/coordinator/api/api_fixture.hpp"
#include "tests/support/process/wait_for.inl"

namespace waka::coordinator::api::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTarget = "/api/v1/artifacts/suite/commerce/1.5.0";
constexpr std::uint64_t kDeclaredBytes = 100'000'000;
// Long enough for the server to answer; far too short for it to read a 100 MB body first.
constexpr auto kClientTimeout = 10s;

// The header of an upload declaring `length` bytes, then the first bytes of its body.
std::string UploadStart(const std::string& token, std::uint64_t length = kDeclaredBytes) {
    std::string request = std::string("PUT ") + kTarget + " HTTP/1.1\r\nHost: x\r\n";
    if (!token.empty()) {
        request += "Authorization: Bearer " + token + "\r\n";
    }
    request += "Content-Type: application/gzip\r\nContent-Length: " + std::to_string(length) +
               "\r\n\r\n" + std::string(1000, 'x');
    return request;
}

class UploadLimitsTest : public ApiTest {
protected:
    std::size_t SpoolFiles() const {
        std::error_code ec;
        std::size_t count = 0;
        for (std::filesystem::directory_iterator it(dir_ / "spool", ec), end; !ec && it != end;
             it.increment(ec)) {
            ++count;
        }
        return count;
    }

    // Sends the start of an upload on a connection of its own and leaves it open.
    std::unique_ptr<test::HttpConnection> StartUpload(const std::string& token) {
        auto connection =
            std::make_unique<test::HttpConnection>("127.0.0.1", port_, kClientTimeout);
        EXPECT_EQ(connection->WriteRaw(UploadStart(token)), "");
        return connection;
    }

    // The answer to an upload that sends 1000 of its declared bytes, which must come without the
    // rest being read; the connection is closed afterwards.
    test::HttpResult RefusedUpload(const std::string& token,
                                   std::uint64_t length = kDeclaredBytes) {
        test::HttpConnection connection("127.0.0.1", port_, kClientTimeout);
        EXPECT_EQ(connection.WriteRaw(UploadStart(token, length)), "");
        test::HttpResult result = connection.ReadResponse();
        EXPECT_EQ(result.Header("Connection"), "close");
        EXPECT_TRUE(connection.WaitForClose());
        return result;
    }
};

TEST_F(UploadLimitsTest, AnUploadWithoutATokenIs401BeforeItsBodyIsRead) {
    CreateVersion("suite", "commerce", "1.5.0");
    const test::HttpResult refused = RefusedUpload("");
    ASSERT_EQ(refused.status, 401u) << refused.error << refused.body;
    EXPECT_EQ(Str(Object(refused), "code"), "unauthenticated");
    EXPECT_EQ(refused.Header("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(SpoolFiles(), 0u);

    const test::HttpResult unknown = RefusedUpload("not-a-token-of-this-coordinator");
    ASSERT_EQ(unknown.status, 401u) << unknown.error << unknown.body;
    EXPECT_EQ(unknown.Header("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
    EXPECT_EQ(SpoolFiles(), 0u);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action LIKE 'artifact%'"), "0");
}

TEST_F(UploadLimitsTest, ViewerAndOperatorTokensAre403BeforeTheBodyIsRead) {
    CreateVersion("suite", "commerce", "1.5.0");
    for (const std::string role : {"viewer", "operator"}) {
        const test::HttpResult refused = RefusedUpload(MakeToken("t-" + role, role));
        ASSERT_EQ(refused.status, 403u) << role << refused.error << refused.body;
        EXPECT_EQ(Str(Object(refused), "code"), "forbidden");
        EXPECT_NE(refused.body.find("needs the publisher role (or admin)"), std::string::npos)
            << refused.body;
        EXPECT_EQ(SpoolFiles(), 0u);
    }
}

TEST_F(UploadLimitsTest, AnUploadToNoRouteIs404BeforeTheBodyIsRead) {
    test::HttpConnection connection("127.0.0.1", port_, kClientTimeout);
    ASSERT_EQ(connection.WriteRaw(
                  "PUT /api/v1/artifacts/suite/commerce/1.5.0/extra HTTP/1.1\r\nHost: x\r\n"
                  "Content-Length: 100000000\r\n\r\nxxxx"),
              "");
    const test::HttpResult refused = connection.ReadResponse();
    EXPECT_EQ(refused.status, 404u) << refused.error << refused.body;
    EXPECT_EQ(SpoolFiles(), 0u);
}

class SmallUploadLimitTest : public UploadLimitsTest {
protected:
    void AdjustServerOptions(http::ServerOptions& options) override {
        options.max_upload_bytes = 1'000'000;
    }
};

TEST_F(SmallUploadLimitTest, ADeclaredBodyOverTheLimitIs413BeforeItIsRead) {
    CreateVersion("suite", "commerce", "1.5.0");
    const test::HttpResult refused = RefusedUpload(kAdminSecret, 1'000'001);
    ASSERT_EQ(refused.status, 413u) << refused.error << refused.body;
    EXPECT_EQ(Str(Object(refused), "code"), "body_too_large");
    EXPECT_EQ(SpoolFiles(), 0u);
    EXPECT_EQ(Upload("suite", "commerce", "1.5.0", "bundle bytes").status, 201u);
}

class UploadCapTest : public UploadLimitsTest {
protected:
    void AdjustServerOptions(http::ServerOptions& options) override {
        options.max_concurrent_uploads = 2;
        options.upload_min_bytes_per_second = 0;  // the held uploads are not cut off
    }
};

TEST_F(UploadCapTest, TheUploadOverTheCapIs503WithRetryAfterUntilOneEnds) {
    CreateVersion("suite", "commerce", "1.5.0");
    std::vector<std::unique_ptr<test::HttpConnection>> held;
    held.push_back(StartUpload(kAdminSecret));
    held.push_back(StartUpload(kAdminSecret));
    // Each upload being read has its spool file.
    ASSERT_TRUE(test::WaitFor([&] { return SpoolFiles() == 2; }, 10s)) << SpoolFiles();

    const test::HttpResult busy = RefusedUpload(kAdminSecret);
    ASSERT_EQ(busy.status, 503u) << busy.error << busy.body;
    EXPECT_EQ(Str(Object(busy), "code"), "unavailable");
    EXPECT_EQ(busy.Header("Retry-After"), "30");
    EXPECT_EQ(SpoolFiles(), 2u);

    held.pop_back();  // the client gives up: its place and its spool file go
    ASSERT_TRUE(test::WaitFor([&] { return SpoolFiles() == 1; }, 10s)) << SpoolFiles();
    const test::HttpResult accepted = Upload("suite", "commerce", "1.5.0", "bundle bytes");
    EXPECT_EQ(accepted.status, 201u) << accepted.error << accepted.body;
}

class UploadPaceTest : public UploadLimitsTest {
protected:
    void AdjustServerOptions(http::ServerOptions& options) override {
        options.upload_min_bytes_per_second = 1'000'000;
        options.upload_rate_grace_seconds = 1;
    }
};

TEST_F(UploadPaceTest, ATrickleBelowTheMinimumRateIsCutOffAndItsSpoolFileRemoved) {
    CreateVersion("suite", "commerce", "1.5.0");
    auto trickle = StartUpload(kAdminSecret);
    ASSERT_TRUE(test::WaitFor([&] { return SpoolFiles() == 1; }, 10s)) << SpoolFiles();
    // The progress timeout (60 s) would outlast the client; the rate cuts it off after ~1 s.
    EXPECT_TRUE(trickle->WaitForClose());
    EXPECT_TRUE(test::WaitFor([&] { return SpoolFiles() == 0; }, 10s)) << SpoolFiles();
    // An upload at full speed is well above the minimum.
    const test::HttpResult accepted =
        Upload("suite", "commerce", "1.5.0", std::string(3'000'000, 'b'));
    EXPECT_EQ(accepted.status, 201u) << accepted.error << accepted.body;
}

}  // namespace
}  // namespace waka::coordinator::api::testing
