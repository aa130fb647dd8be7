#include "tests/integration/coordinator/api/api_fixture.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

#include "shared/core/crypto.hpp"
#include "tests/support/certs/test_pki.hpp"
#include "tests/support/pg/fresh_database.hpp"
#include "tests/support/pg/migrated_database.hpp"

namespace waka::coordinator::api::testing {

void ApiTest::SetUp() {
    dir_ = test::MakeTempDir("waka-api-test");
    std::filesystem::create_directories(dir_ / "spool");
    std::filesystem::create_directories(dir_ / "artifacts");
    database_url_ = test::FreshDatabaseUrl();
    db::DatabaseOptions database_options{.url = database_url_, .pool_size = 4};
    AdjustDatabaseOptions(database_options);
    auto database = db::Database::Open(database_options);
    ASSERT_TRUE(database) << database.error().message;
    database_ = std::move(*database);
    auto migrated = database_->Migrate();
    ASSERT_TRUE(migrated) << migrated.error().message;
    publisher_.InstallPublicKey(dir_ / "release-keys");
    app::CoreOptions core_options;
    AdjustCoreOptions(core_options);
    core_ = std::make_unique<app::CoordinatorCore>(
        *database_, clock_, dir_ / "artifacts", agents_, io_.get_executor(),
        release::TrustSettings{dir_ / "release-keys"}, *pg::AuditKey::FromSecret(kAuditSecret),
        core_options);
    deployments_ = &core_->deployments;
    auto admin = test::RunSync(core_->Repositories().tokens.EnsureBootstrapToken(
        "admin", kAdminSecret, domain::Role::kAdmin));
    ASSERT_TRUE(admin) << admin.error().message;
    context_ = std::make_unique<ApiContext>(core_->ApiContext("9.9.9-test"));
    context_->is_connected = nullptr;  // the stored connection state answers
    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.max_body_bytes = kMaxBodyBytes;
    options.spool_dir = dir_ / "spool";
    options.spool_body = ShouldSpoolBody;
    AdjustServerOptions(options);
    ApiHandlers api = MakeApiHandlers(*context_);
    options.before_body = std::move(api.before_body);
    server_ = std::make_unique<http::Server>(io_, options, std::move(api.handler));
    auto port = server_->Start();
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    thread_ = std::thread([this] { io_.run(); });
    client_ = std::make_unique<test::HttpClient>("127.0.0.1", port_);
    client_->SetBearer(kAdminSecret);
}

void ApiTest::TearDown() {
    if (server_) {
        server_->Stop();
    }
    io_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string ApiTest::MakeToken(const std::string& name, const std::string& role) {
    auto result =
        client_->Post("/api/v1/tokens", R"({"name":")" + name + R"(","role":")" + role + R"("})");
    EXPECT_EQ(result.status, 201u) << result.body;
    return Str(Object(result), "token");
}

test::HttpClient ApiTest::ClientWith(const std::string& token) const {
    test::HttpClient client("127.0.0.1", port_);
    client.SetBearer(token);
    return client;
}

bool ApiTest::WaitForSql(const std::string& query, const std::string& expected) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
        last = SqlValue(query);
        if (last == expected) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll interval
    }
    ADD_FAILURE() << query << " stayed " << last << ", expected " << expected;
    return false;
}

std::string ApiTest::SqlValue(const std::string& query) {
    std::string value;
    auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::read_transaction tx(c);
        auto row = tx.exec1(query);
        value = row[0].is_null() ? "<null>" : row[0].as<std::string>();
        return {};
    });
    EXPECT_TRUE(done) << done.error().message;
    return value;
}

void ApiTest::Exec(const std::string& statement) {
    auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec(statement);
        tx.commit();
        return {};
    });
    ASSERT_TRUE(done) << done.error().message;
}

long long ApiTest::Count(const std::string& table) {
    return std::stoll(SqlValue("SELECT count(*) FROM " + table));
}

void ApiTest::CreateVersion(const std::string& type, const std::string& name,
                            const std::string& version) {
    auto result = client_->Post("/api/v1/versions", R"({"component_type":")" + type +
                                                        R"(","component_name":")" + name +
                                                        R"(","version":")" + version + R"("})");
    ASSERT_EQ(result.status, 201u) << result.body;
}

std::filesystem::path ApiTest::WriteUploadFile(const std::string& bytes) {
    auto file = dir_ / ("upload-" + RandomHex(4));
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
}

test::HttpResult ApiTest::Upload(const std::string& type, const std::string& name,
                                 const std::string& version, const std::string& bytes,
                                 test::HttpHeaders headers, test::HttpClient* as) {
    const bool carries_statement = std::any_of(headers.begin(), headers.end(), [](const auto& h) {
        return h.first == "X-Waka-Release-Signature";
    });
    if (!carries_statement) {
        try {
            headers.emplace_back(
                "X-Waka-Release-Signature",
                publisher_.SignatureHeader(type, name, version, WriteUploadFile(bytes)));
        } catch (const std::runtime_error&) {
            // Nothing to sign (an invalid type, a test of the path's own refusals): sent unsigned.
        }
    }
    return UploadUnsigned(type, name, version, bytes, std::move(headers), as);
}

test::HttpResult ApiTest::UploadUnsigned(const std::string& type, const std::string& name,
                                         const std::string& version, const std::string& bytes,
                                         test::HttpHeaders headers, test::HttpClient* as) {
    auto file = WriteUploadFile(bytes);
    headers.emplace_back("Content-Type", "application/gzip");
    return (as != nullptr ? *as : *client_)
        .UploadFile("PUT", "/api/v1/artifacts/" + type + "/" + name + "/" + version, file,
                    std::move(headers));
}

boost::json::value ApiTest::Json(const test::HttpResult& result) {
    boost::system::error_code ec;
    auto value = boost::json::parse(result.body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << result.body.substr(0, 300);
    return value;
}

boost::json::object ApiTest::Object(const test::HttpResult& result) {
    auto value = Json(result);
    if (!value.is_object()) {
        ADD_FAILURE() << "not a JSON object: " << result.body.substr(0, 300);
        return {};
    }
    return value.as_object();
}

std::string ApiTest::Str(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr) {
        return "<missing>";
    }
    if (value->is_null()) {
        return "<null>";
    }
    return value->is_string() ? std::string(value->as_string()) : boost::json::serialize(*value);
}

}  // namespace waka::coordinator::api::testing
