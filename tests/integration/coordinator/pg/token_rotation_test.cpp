#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/token_repository.hpp"
#include "tests/support/pg/migrated_database.hpp"

// Rotation of API tokens (ADR 0029): a new secret for the same token, the old one stopping at
// once or at the end of an overlap, on the injected clock.
namespace waka::coordinator::pg {
namespace {

using std::chrono::seconds;
using test::RunSync;

const TimePoint kStart = *ParseRfc3339("2026-11-26T10:00:00.000Z");
const domain::Principal kAdmin{
    .actor = "token:root", .role = domain::Role::kAdmin, .token_id = "token-root"};

class TokenRotationTest : public ::testing::Test {
protected:
    void SetUp() override {
        database_ = test::OpenMigratedDatabase(2);
        store_ = std::make_unique<PgTokenRepository>(*database_, clock_, audit_key_);
    }

    ports::CreatedToken Create(const std::string& name,
                               std::optional<TimePoint> expires_at = std::nullopt) {
        auto created = RunSync(store_->Create(kAdmin, name, domain::Role::kOperator, expires_at));
        EXPECT_TRUE(created) << created.error().message;
        return created ? *created : ports::CreatedToken{};
    }

    Expected<ports::RotatedToken> Rotate(const std::string& id, seconds overlap = seconds(0),
                                         std::optional<TimePoint> expires_at = std::nullopt) {
        return RunSync(store_->Rotate(kAdmin, id, expires_at, overlap));
    }

    bool Authenticates(const std::string& secret) {
        auto principal = RunSync(store_->Authenticate(secret));
        EXPECT_TRUE(principal) << principal.error().message;
        return principal && principal->has_value();
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
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return entries;
    }

    std::string Dump() {
        std::string text;
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::read_transaction tx(c);
            for (const char* table : {"api_tokens", "audit_log"}) {
                for (const auto& row : tx.exec(std::string("SELECT * FROM ") + table)) {
                    for (const auto& field : row) {
                        text += field.is_null() ? "NULL|" : std::string(field.c_str()) + "|";
                    }
                }
            }
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return text;
    }

    FakeClock clock_{kStart};
    std::unique_ptr<db::Database> database_;
    const AuditKey audit_key_ = *AuditKey::FromSecret(std::string(32, 'k'));
    std::unique_ptr<PgTokenRepository> store_;
};

TEST_F(TokenRotationTest, ANewSecretForTheSameTokenAndTheOldStopsAtOnce) {
    const auto created = Create("ci-bot");
    clock_.Advance(seconds(60));
    auto rotated = Rotate(created.token.id);
    ASSERT_TRUE(rotated) << rotated.error().message;
    EXPECT_NE(rotated->secret, created.secret);
    EXPECT_EQ(rotated->secret.rfind("waka_", 0), 0u);
    EXPECT_EQ(rotated->token.id, created.token.id);
    EXPECT_EQ(rotated->token.name, "ci-bot");
    EXPECT_EQ(rotated->token.role, domain::Role::kOperator);
    EXPECT_EQ(rotated->token.created_at, created.token.created_at);
    EXPECT_EQ(rotated->token.rotated_at, clock_.Now());
    EXPECT_FALSE(rotated->previous_valid_until);

    EXPECT_FALSE(Authenticates(created.secret)) << "the old secret must stop at once";
    auto principal = RunSync(store_->Authenticate(rotated->secret));
    ASSERT_TRUE(principal && principal->has_value());
    EXPECT_EQ((*principal)->actor, "token:ci-bot");
    EXPECT_EQ((*principal)->token_id, created.token.id);

    const auto audit = Audit("token.rotate");
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].draft.actor, "token:root");
    EXPECT_EQ(audit[0].draft.target_id, created.token.id);
    const auto details = boost::json::parse(audit[0].draft.details_json).as_object();
    EXPECT_EQ(details.at("overlap_seconds").as_int64(), 0);
    EXPECT_TRUE(details.at("previous_valid_until").is_null());
    const std::string stored = Dump();
    EXPECT_EQ(stored.find(created.secret), std::string::npos) << "a secret was stored";
    EXPECT_EQ(stored.find(rotated->secret), std::string::npos) << "a secret was stored";
}

TEST_F(TokenRotationTest, TheOldSecretWorksUntilTheOverlapEndsAndASecondRotationEndsItAtOnce) {
    const auto created = Create("deploy-script");
    auto first = Rotate(created.token.id, seconds(300));
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(first->previous_valid_until);
    EXPECT_EQ(*first->previous_valid_until, kStart + seconds(300));
    EXPECT_TRUE(Authenticates(created.secret));
    EXPECT_TRUE(Authenticates(first->secret));
    clock_.Advance(seconds(299));
    EXPECT_TRUE(Authenticates(created.secret));
    clock_.Advance(seconds(1));
    EXPECT_FALSE(Authenticates(created.secret)) << "past the overlap the old secret is refused";
    EXPECT_TRUE(Authenticates(first->secret));

    auto second = Rotate(created.token.id, seconds(60));
    ASSERT_TRUE(second) << second.error().message;
    auto third = Rotate(created.token.id, seconds(60));
    ASSERT_TRUE(third) << third.error().message;
    EXPECT_FALSE(Authenticates(first->secret));
    EXPECT_FALSE(Authenticates(created.secret));
    EXPECT_TRUE(Authenticates(second->secret)) << "the secret rotated away last is in its overlap";
    EXPECT_TRUE(Authenticates(third->secret));

    ASSERT_TRUE(RunSync(store_->Revoke(kAdmin, created.token.id)));
    EXPECT_FALSE(Authenticates(second->secret)) << "revocation ends the overlap too";
    EXPECT_FALSE(Authenticates(third->secret));
}

TEST_F(TokenRotationTest, ExpiryStaysBoundsTheOverlapOrIsReplaced) {
    const auto created = Create("contractor", kStart + seconds(100));
    auto kept = Rotate(created.token.id, seconds(600));
    ASSERT_TRUE(kept) << kept.error().message;
    EXPECT_EQ(kept->token.expires_at, kStart + seconds(100));
    EXPECT_EQ(kept->previous_valid_until, kStart + seconds(100)) << "never past the expiry";

    auto extended = Rotate(created.token.id, seconds(0), kStart + std::chrono::hours(24));
    ASSERT_TRUE(extended) << extended.error().message;
    EXPECT_EQ(extended->token.expires_at, kStart + std::chrono::hours(24));
    clock_.Advance(std::chrono::hours(1));
    EXPECT_TRUE(Authenticates(extended->secret));
}

TEST_F(TokenRotationTest, RefusesUnknownRevokedBootstrapAndExpiredTokens) {
    auto unknown = Rotate("token-nope");
    ASSERT_FALSE(unknown);
    EXPECT_TRUE(unknown.error().Is(Errc::kNotFound)) << unknown.error().message;
    EXPECT_NE(unknown.error().message.find("token-nope"), std::string::npos);

    const auto revoked = Create("gone");
    ASSERT_TRUE(RunSync(store_->Revoke(kAdmin, revoked.token.id)));
    auto refused = Rotate(revoked.token.id);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().Is(Errc::kConflict)) << refused.error().message;
    EXPECT_NE(refused.error().message.find("revoked"), std::string::npos);

    auto bootstrap = RunSync(store_->EnsureBootstrapToken(
        "bootstrap-admin", "bootstrap-secret-0123456789", domain::Role::kAdmin));
    ASSERT_TRUE(bootstrap) << bootstrap.error().message;
    auto not_bootstrap = Rotate(bootstrap->id);
    ASSERT_FALSE(not_bootstrap);
    EXPECT_TRUE(not_bootstrap.error().Is(Errc::kConflict)) << not_bootstrap.error().message;
    EXPECT_NE(not_bootstrap.error().message.find("auth.bootstrap_token"), std::string::npos);

    const auto expiring = Create("short-lived", kStart + seconds(10));
    clock_.Advance(seconds(20));
    auto expired = Rotate(expiring.token.id);
    ASSERT_FALSE(expired);
    EXPECT_TRUE(expired.error().Is(Errc::kConflict)) << expired.error().message;
    EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
    EXPECT_TRUE(Rotate(expiring.token.id, seconds(0), clock_.Now() + seconds(3600)));
    EXPECT_EQ(Audit("token.rotate").size(), 1u) << "only the successful rotation is audited";
}

}  // namespace
}  // namespace waka::coordinator::pg
