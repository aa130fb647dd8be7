#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "coordinator/api/api.hpp"
#include "coordinator/app/core.hpp"
#include "coordinator/db/database.hpp"
#include "coordinator/http/server.hpp"
#include "tests/support/fakes/fake_agent_channel.hpp"
#include "tests/support/http_client/http_client.hpp"
#include "tests/support/release/test_publisher.hpp"

// A coordinator's REST API on 127.0.0.1 port 0 over a fresh, migrated PostgreSQL database, with a
// bootstrap admin token and an audit key; the client starts out authenticated as that admin.
namespace waka::coordinator::api::testing {

inline constexpr const char* kAdminSecret = "admin-secret-for-tests-0123456789";
inline constexpr std::uint64_t kMaxBodyBytes = 64 * 1024;
// The audit key the core seals entries with (ADR 0028), as a key file would hold it.
inline constexpr const char* kAuditSecret = "audit-key-for-tests-0123456789abcdef";

class ApiTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;
    // Called by SetUp before the server starts: fixtures of upload limits tighten them here.
    virtual void AdjustServerOptions(http::ServerOptions& /*options*/) {}
    // Called by SetUp before the API's pool opens (on database_url_): fixtures of the pools
    // shrink it here.
    virtual void AdjustDatabaseOptions(db::DatabaseOptions& /*options*/) {}
    // Called by SetUp once the database is migrated, before the core is built: fixtures of the
    // agents' pool and the resolver set them here.
    virtual void AdjustCoreOptions(app::CoreOptions& /*options*/) {}

    // A new token of that role, made through the API; answers its secret.
    std::string MakeToken(const std::string& name, const std::string& role);
    // A client with that bearer token ("" for none).
    [[nodiscard]] test::HttpClient ClientWith(const std::string& token) const;

    // One value of a SQL query ("<null>" for NULL).
    std::string SqlValue(const std::string& query);
    // Polls a SQL value until it equals `expected` (work the coordinator does on its own in the
    // background, such as patch enforcement); false, with a failure naming both, after 20 s.
    bool WaitForSql(const std::string& query, const std::string& expected);
    // Runs a statement in its own transaction, behind the API's back (a tampered database).
    void Exec(const std::string& statement);
    long long Count(const std::string& table);

    // Registers a version through the API and expects 201.
    void CreateVersion(const std::string& type, const std::string& name,
                       const std::string& version);
    // Writes `bytes` to a file and uploads it as the artifact of that version, signed by the
    // test publisher (whose key the coordinator trusts) unless `headers` already carries an
    // X-Waka-Release-Signature; answers the result. `as`: the client that uploads (the admin's
    // when null).
    test::HttpResult Upload(const std::string& type, const std::string& name,
                            const std::string& version, const std::string& bytes,
                            test::HttpHeaders headers = {}, test::HttpClient* as = nullptr);
    // The same without any statement (an unsigned upload).
    test::HttpResult UploadUnsigned(const std::string& type, const std::string& name,
                                    const std::string& version, const std::string& bytes,
                                    test::HttpHeaders headers = {}, test::HttpClient* as = nullptr);
    // The file an upload of `bytes` would send (for signing it in a test).
    std::filesystem::path WriteUploadFile(const std::string& bytes);

    static boost::json::value Json(const test::HttpResult& result);
    static boost::json::object Object(const test::HttpResult& result);
    static std::string Str(const boost::json::object& object, std::string_view key);

    std::filesystem::path dir_;
    test::TestPublisher publisher_;  // its public key is in dir_/release-keys, trusted
    OffsetClock clock_;              // the system clock; tests that need another "now" move it
    boost::asio::io_context io_;
    std::string database_url_;  // this test's fresh database
    std::unique_ptr<db::Database> database_;
    fakes::FakeAgentChannel agents_;  // no agent is connected
    std::unique_ptr<app::CoordinatorCore> core_;
    deploy::DeploymentService* deployments_ = nullptr;
    std::unique_ptr<ApiContext> context_;
    std::unique_ptr<http::Server> server_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    std::unique_ptr<test::HttpClient> client_;
};

}  // namespace waka::coordinator::api::testing
