#include "coordinator/pg/token_repository.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "shared/core/crypto.hpp"
#include "tests/support/pg/migrated_database.hpp"

namespace waka::coordinator::pg {
namespace {

using test::RunSync;

const TimePoint kStart = *ParseRfc3339("2026-11-26T10:00:00.000Z");
const domain::Principal kAdmin{
    .actor = "token:root", .role = domain::Role::kAdmin, .token_id = "token-root"};
const std::string kBootstrapSecret = "bootstrap-secret-0123456789";

class TokenStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        database_ = test::OpenMigratedDatabase(2);
        store_ = std::make_unique<PgTokenRepository>(*database_, clock_, audit_key_);
    }

    std::optional<domain::Principal> Authenticate(const std::string& secret) {
        auto principal = RunSync(store_->Authenticate(secret));
        EXPECT_TRUE(principal) << principal.error().message;
        return principal ? *principal : std::nullopt;
    }

    std::vector<domain::AuditEntry> Audit(const std::string& action) {
        std::vector<domain::AuditEntry> entries;
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::read_transaction tx(c);
            auto listed = ListAudit(tx, {.action = action});
            if (!listed) {
                return listed.error();
            }
            entries = std::move(*listed);
            auto verified = VerifyAudit(tx, audit_key_);
            EXPECT_TRUE(verified && verified->ok);
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return entries;
    }

    // Every column of every row of `table` as text, to search for what must never be stored.
    std::string Dump(const std::string& table) {
        std::string text;
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::read_transaction tx(c);
            for (const auto& row : tx.exec("SELECT * FROM " + table)) {
                for (const auto& field : row) {
                    text += field.is_null() ? "NULL" : field.c_str();
                    text += '|';
                }
                text += '\n';
            }
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return text;
    }

    FakeClock clock_{kStart};
    const AuditKey audit_key_ = *AuditKey::FromSecret(std::string(32, 'k'));
    std::unique_ptr<db::Database> database_;
    std::unique_ptr<PgTokenRepository> store_;
};

TEST_F(TokenStoreTest, CreatedTokenAuthenticatesWithItsRole) {
    auto created = RunSync(store_->Create(kAdmin, "ci-bot", domain::Role::kOperator));
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->secret.rfind("waka_", 0), 0u);
    EXPECT_EQ(created->secret.size(), 5u + 64u);
    EXPECT_EQ(created->token.id.rfind("token-", 0), 0u);
    EXPECT_EQ(created->token.name, "ci-bot");
    EXPECT_EQ(created->token.role, domain::Role::kOperator);
    EXPECT_EQ(created->token.created_by, "token:root");
    EXPECT_EQ(created->token.created_at, kStart);
    EXPECT_FALSE(created->token.revoked_at);

    const auto principal = Authenticate(created->secret);
    ASSERT_TRUE(principal);
    EXPECT_EQ(principal->actor, "token:ci-bot");
    EXPECT_EQ(principal->role, domain::Role::kOperator);
    EXPECT_EQ(principal->token_id, created->token.id);

    EXPECT_FALSE(Authenticate("waka_" + std::string(64, '0')));
    EXPECT_FALSE(Authenticate(""));

    const auto audit = Audit("token.create");
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].draft.actor, "token:root");
    EXPECT_EQ(audit[0].draft.target_id, created->token.id);
    EXPECT_EQ(audit[0].draft.details_json, R"({"name": "ci-bot", "role": "operator"})");
}

TEST_F(TokenStoreTest, SecretsAreUniqueAndNeverStoredInPlainText) {
    auto a = RunSync(store_->Create(kAdmin, "a", domain::Role::kViewer));
    auto b = RunSync(store_->Create(kAdmin, "b", domain::Role::kViewer));
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->secret, b->secret);
    ASSERT_TRUE(
        RunSync(store_->EnsureBootstrapToken("admin", kBootstrapSecret, domain::Role::kAdmin)));

    const std::string stored = Dump("api_tokens") + Dump("audit_log");
    for (const auto& secret : {a->secret, b->secret, kBootstrapSecret}) {
        EXPECT_EQ(stored.find(secret), std::string::npos) << "secret found in the database";
        EXPECT_EQ(stored.find(secret.substr(5)), std::string::npos);
    }
    EXPECT_NE(stored.find(Sha256Hex(a->secret)), std::string::npos) << "hash expected";
}

TEST_F(TokenStoreTest, InvalidNamesAreRefused) {
    for (const std::string& name :
         std::vector<std::string>{"", "has space", "-leading", std::string(129, 'x')}) {
        auto created = RunSync(store_->Create(kAdmin, name, domain::Role::kViewer));
        ASSERT_FALSE(created) << name;
        EXPECT_TRUE(created.error().Is(Errc::kInvalidArgument));
    }
}

TEST_F(TokenStoreTest, ListShowsTokensOldestFirstWithRevocation) {
    auto first = RunSync(store_->Create(kAdmin, "first", domain::Role::kViewer));
    clock_.Advance(std::chrono::seconds(5));
    auto second = RunSync(store_->Create(kAdmin, "second", domain::Role::kAdmin));
    ASSERT_TRUE(first && second);
    ASSERT_TRUE(RunSync(store_->Revoke(kAdmin, first->token.id)));
    auto listed = RunSync(store_->List());
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].name, "first");
    EXPECT_EQ((*listed)[0].revoked_at, kStart + std::chrono::seconds(5));
    EXPECT_EQ((*listed)[1].name, "second");
    EXPECT_EQ((*listed)[1].role, domain::Role::kAdmin);
    EXPECT_FALSE((*listed)[1].revoked_at);
}

TEST_F(TokenStoreTest, RevokedTokenNoLongerAuthenticates) {
    auto created = RunSync(store_->Create(kAdmin, "temp", domain::Role::kApprover));
    ASSERT_TRUE(created);
    ASSERT_TRUE(Authenticate(created->secret));
    clock_.Advance(std::chrono::minutes(1));

    auto revoked = RunSync(store_->Revoke(kAdmin, created->token.id));
    ASSERT_TRUE(revoked) << revoked.error().message;
    EXPECT_EQ(revoked->revoked_at, kStart + std::chrono::minutes(1));
    EXPECT_FALSE(Authenticate(created->secret));

    clock_.Advance(std::chrono::minutes(1));
    auto again = RunSync(store_->Revoke(kAdmin, created->token.id));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->revoked_at, kStart + std::chrono::minutes(1));  // the first revocation stands
    EXPECT_EQ(Audit("token.revoke").size(), 1u);

    auto unknown = RunSync(store_->Revoke(kAdmin, "token-nope"));
    ASSERT_FALSE(unknown);
    EXPECT_TRUE(unknown.error().Is(Errc::kNotFound));
}

TEST_F(TokenStoreTest, BootstrapIsIdempotentAndFollowsARotatedSecret) {
    auto first =
        RunSync(store_->EnsureBootstrapToken("admin", kBootstrapSecret, domain::Role::kAdmin));
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->created_by, "system");
    auto principal = Authenticate(kBootstrapSecret);
    ASSERT_TRUE(principal);
    EXPECT_EQ(principal->actor, "token:admin");
    EXPECT_EQ(principal->role, domain::Role::kAdmin);
    EXPECT_EQ(Audit("token.bootstrap").size(), 1u);

    auto second =
        RunSync(store_->EnsureBootstrapToken("admin", kBootstrapSecret, domain::Role::kAdmin));
    ASSERT_TRUE(second);
    EXPECT_EQ(second->id, first->id);
    EXPECT_EQ(Audit("token.bootstrap").size(), 1u);  // nothing changed, nothing audited

    const std::string rotated = "rotated-secret-9876543210";
    auto third = RunSync(store_->EnsureBootstrapToken("admin", rotated, domain::Role::kAdmin));
    ASSERT_TRUE(third);
    EXPECT_EQ(third->id, first->id);
    EXPECT_FALSE(Authenticate(kBootstrapSecret));
    EXPECT_TRUE(Authenticate(rotated));
    EXPECT_EQ(Audit("token.bootstrap").size(), 2u);

    auto demoted = RunSync(store_->EnsureBootstrapToken("admin", rotated, domain::Role::kViewer));
    ASSERT_TRUE(demoted);
    EXPECT_EQ(demoted->role, domain::Role::kViewer);
    EXPECT_EQ(Authenticate(rotated)->role, domain::Role::kViewer);
    EXPECT_EQ(Audit("token.bootstrap").size(), 3u);

    auto listed = RunSync(store_->List());
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->size(), 1u);
}

// A name is one identity (ADR 0023): the bootstrap neither takes over an API token of its name
// nor becomes a second holder of it.
TEST_F(TokenStoreTest, BootstrapRefusesTheNameOfAnActiveApiToken) {
    auto created = RunSync(store_->Create(kAdmin, "admin", domain::Role::kViewer));
    ASSERT_TRUE(created);
    auto bootstrap =
        RunSync(store_->EnsureBootstrapToken("admin", kBootstrapSecret, domain::Role::kAdmin));
    ASSERT_FALSE(bootstrap);
    EXPECT_TRUE(bootstrap.error().Is(Errc::kConflict)) << bootstrap.error().message;
    EXPECT_NE(bootstrap.error().message.find("already has this name"), std::string::npos);
    EXPECT_EQ(Authenticate(created->secret)->role, domain::Role::kViewer);
    EXPECT_FALSE(Authenticate(kBootstrapSecret));
    EXPECT_EQ(Audit("token.bootstrap").size(), 0u);
}

TEST_F(TokenStoreTest, ActiveNamesAreUniqueAndARevokedNameCanBeReused) {
    auto first = RunSync(store_->Create(kAdmin, "ci", domain::Role::kOperator));
    ASSERT_TRUE(first);
    auto second = RunSync(store_->Create(kAdmin, "ci", domain::Role::kAdmin));
    ASSERT_FALSE(second);
    EXPECT_TRUE(second.error().Is(Errc::kConflict)) << second.error().message;
    EXPECT_NE(second.error().message.find("already named ci"), std::string::npos);
    EXPECT_EQ(Audit("token.create").size(), 1u);
    auto listed = RunSync(store_->List());
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->size(), 1u);

    ASSERT_TRUE(RunSync(store_->Revoke(kAdmin, first->token.id)));
    auto reused = RunSync(store_->Create(kAdmin, "ci", domain::Role::kPublisher));
    ASSERT_TRUE(reused) << reused.error().message;
    EXPECT_EQ(Authenticate(reused->secret)->role, domain::Role::kPublisher);
}

TEST_F(TokenStoreTest, RevokedBootstrapStaysRevokedUntilTheSecretIsRotated) {
    auto first =
        RunSync(store_->EnsureBootstrapToken("admin", kBootstrapSecret, domain::Role::kAdmin));
    ASSERT_TRUE(first);
    ASSERT_TRUE(RunSync(store_->Revoke(kAdmin, first->id)));
    auto restart =
        RunSync(store_->EnsureBootstrapToken("admin", kBootstrapSecret, domain::Role::kAdmin));
    ASSERT_TRUE(restart);
    EXPECT_TRUE(restart->revoked_at);
    EXPECT_FALSE(Authenticate(kBootstrapSecret));

    const std::string rotated = "rotated-secret-9876543210";
    auto rotated_token =
        RunSync(store_->EnsureBootstrapToken("admin", rotated, domain::Role::kAdmin));
    ASSERT_TRUE(rotated_token);
    EXPECT_FALSE(rotated_token->revoked_at);
    EXPECT_TRUE(Authenticate(rotated));
}

TEST_F(TokenStoreTest, BootstrapRefusesShortSecretsAndBadNames) {
    auto short_secret =
        RunSync(store_->EnsureBootstrapToken("admin", "short", domain::Role::kAdmin));
    ASSERT_FALSE(short_secret);
    EXPECT_TRUE(short_secret.error().Is(Errc::kInvalidArgument));
    auto bad_name =
        RunSync(store_->EnsureBootstrapToken("bad name", kBootstrapSecret, domain::Role::kAdmin));
    ASSERT_FALSE(bad_name);
    EXPECT_TRUE(bad_name.error().Is(Errc::kInvalidArgument));
}

TEST_F(TokenStoreTest, BootstrapWithAnotherTokensSecretIsAConflict) {
    auto created = RunSync(store_->Create(kAdmin, "ci", domain::Role::kViewer));
    ASSERT_TRUE(created);
    auto clash =
        RunSync(store_->EnsureBootstrapToken("admin", created->secret, domain::Role::kAdmin));
    ASSERT_FALSE(clash);
    EXPECT_TRUE(clash.error().Is(Errc::kConflict)) << clash.error().message;
    EXPECT_EQ(clash.error().message.find(created->secret), std::string::npos);
    EXPECT_EQ(Audit("token.bootstrap").size(), 0u);
}

}  // namespace
}  // namespace waka::coordinator::pg
