// Migration 010 (ADR 0023) over data written under migration 009: what it keeps, what it cleans,
// and what stops it.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/db/migrations.hpp"
#include "tests/support/pg/fresh_database.hpp"

namespace waka::coordinator::db {
namespace {

constexpr int kVersion = 10;

class Migration010Test : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = Database::Open({.url = test::FreshDatabaseUrl(), .pool_size = 1});
        ASSERT_TRUE(opened) << opened.error().message;
        database_ = std::move(*opened);
        // The schema as migration 009 left it, recorded as the runner records it.
        Exec(
            "CREATE TABLE schema_migrations (version INT PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
        for (const Migration& migration : CompiledMigrations()) {
            if (migration.version < kVersion) {
                Exec(std::string(migration.sql));
                Exec("INSERT INTO schema_migrations (version, name) VALUES (" +
                     std::to_string(migration.version) + ", '" + std::string(migration.name) +
                     "')");
            }
        }
        Exec(
            "INSERT INTO instances (id, created_at) VALUES ('i-1', now()), ('i-2', now());"
            "INSERT INTO manifests (id, platform_version, content_hash, created_by, created_at)"
            " VALUES ('m-1', '2.0.0', 'h', 'token:ops', now())");
    }

    void Exec(const std::string& sql) {
        auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            tx.exec(sql);
            tx.commit();
            return {};
        });
        ASSERT_TRUE(done) << done.error().message;
    }

    std::string Value(const std::string& sql) {
        std::string value;
        auto done = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::read_transaction tx(c);
            auto row = tx.exec1(sql);
            value = row[0].is_null() ? "<null>" : row[0].as<std::string>();
            return {};
        });
        EXPECT_TRUE(done) << done.error().message;
        return value;
    }

    void Policy(const std::string& id, const std::string& instance, const std::string& approval) {
        Exec(
            "INSERT INTO policies (id, instance_id, policy_type, approval, created_by, "
            "created_at, updated_at) VALUES ('" +
            id + "', '" + instance + "', 'manual_approval', '" + approval +
            "'::jsonb, 'token:ops', now(), now())");
    }

    void Deployment(const std::string& id, const std::string& instance, const std::string& status) {
        Exec(
            "INSERT INTO deployments (id, kind, status, instance_id, manifest_id, requested_by, "
            "created_at, updated_at) VALUES ('" +
            id + "', 'deploy', '" + status + "', '" + instance +
            "', 'm-1', 'token:ops', now(), now())");
    }

    std::unique_ptr<Database> database_;
};

TEST_F(Migration010Test, CopiesTheRuleInForceAndKeepsOnlyApproverRoles) {
    Policy("p-1", "i-1",
           R"({"required_approvals": 2, "approver_roles": ["operator", "approver"],)"
           R"( "timeout_hours": 24})");
    Policy("p-2", "i-2",
           R"({"required_approvals": 1, "approver_roles": ["viewer"],)"
           R"( "timeout_hours": 72})");
    Deployment("d-1", "i-1", "awaiting_approval");
    Deployment("d-2", "i-1", "deployed");
    auto migrated = database_->Migrate();
    ASSERT_TRUE(migrated) << migrated.error().message;

    EXPECT_EQ(Value("SELECT approval->>'approver_roles' FROM policies WHERE id = 'p-1'"),
              R"(["approver"])");
    EXPECT_EQ(Value("SELECT approval->>'approver_roles' FROM policies WHERE id = 'p-2'"),
              R"(["approver", "admin"])");
    EXPECT_EQ(Value("SELECT approval->>'required_approvals' FROM policies WHERE id = 'p-1'"), "2");
    EXPECT_EQ(Value("SELECT approval_rule::text FROM deployments WHERE id = 'd-1'"),
              R"({"timeout_hours": 24, "approver_roles": ["approver"], "required_approvals": 2})");
    EXPECT_EQ(Value("SELECT approval_rule::text FROM deployments WHERE id = 'd-2'"), "<null>");
    // The role constraint now takes the publisher.
    Exec(
        "INSERT INTO api_tokens (id, name, role, token_hash, created_by, created_at)"
        " VALUES ('t-1', 'release-bot', 'publisher', 'h1', 'token:admin', now())");
}

TEST_F(Migration010Test, StopsOnActiveTokensThatShareANameAndNamesThem) {
    Exec(
        "INSERT INTO api_tokens (id, name, role, token_hash, created_by, created_at) VALUES"
        " ('t-1', 'ci', 'operator', 'h1', 'token:admin', now()),"
        " ('t-2', 'ci', 'admin', 'h2', 'token:admin', now()),"
        " ('t-3', 'old', 'viewer', 'h3', 'token:admin', now()),"
        " ('t-4', 'old', 'viewer', 'h4', 'token:admin', now())");
    Exec("UPDATE api_tokens SET revoked_at = now() WHERE id = 't-3'");
    auto migrated = database_->Migrate();
    ASSERT_FALSE(migrated);
    EXPECT_NE(migrated.error().message.find("several active API tokens share a name (ci)"),
              std::string::npos)
        << migrated.error().message;
    EXPECT_EQ(Value("SELECT count(*) FROM schema_migrations WHERE version = 10"), "0");

    Exec("UPDATE api_tokens SET revoked_at = now() WHERE id = 't-1'");
    auto retried = database_->Migrate();
    ASSERT_TRUE(retried) << retried.error().message;
}

}  // namespace
}  // namespace waka::coordinator::db
