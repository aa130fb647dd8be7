#include "coordinator/pg/audit_key.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "shared/core/crypto.hpp"
#include "tests/support/pg/migrated_database.hpp"

// The keyed audit chain of ADR 0028: HMAC seals, entries of before it, key checks and the export.
namespace waka::coordinator::pg {
namespace {

using std::chrono::seconds;

const TimePoint kStart = *ParseRfc3339("2026-11-26T10:00:00.000Z");

AuditKey Key(char fill) { return *AuditKey::FromSecret(std::string(40, fill)); }

domain::AuditDraft Draft(std::string action) {
    domain::AuditDraft draft;
    draft.actor = "token:alice";
    draft.action = std::move(action);
    draft.target_type = "deployment";
    draft.target_id = "deploy-1";
    return draft;
}

// RFC 4231, test case 2.
TEST(HmacSha256Test, MatchesTheRfcVector) {
    EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(AuditKeyTest, ShortSecretsAreRefusedWithoutShowingThem) {
    auto key = AuditKey::FromSecret("short-secret-xyz");
    ASSERT_FALSE(key);
    EXPECT_TRUE(key.error().Is(Errc::kInvalidArgument));
    EXPECT_EQ(key.error().message.find("short-secret-xyz"), std::string::npos);
    EXPECT_FALSE(AuditKey().HasKey());
    EXPECT_EQ(AuditKey().Id(), "");
}

TEST(AuditKeyTest, TheIdNamesTheSecretWithoutRevealingIt) {
    const std::string secret(40, 'a');
    const AuditKey key = *AuditKey::FromSecret(secret);
    EXPECT_TRUE(key.HasKey());
    EXPECT_EQ(key.Id().size(), 16u);
    EXPECT_EQ(key.Id(), Key('a').Id());
    EXPECT_NE(key.Id(), Key('b').Id());
    EXPECT_EQ(Sha256Hex(secret).find(key.Id()), std::string::npos);
    EXPECT_EQ(key.Seal("m"), HmacSha256Hex(secret, "m"));
}

class AuditKeyChainTest : public ::testing::Test {
protected:
    void SetUp() override { database_ = test::OpenMigratedDatabase(2); }

    domain::AuditEntry Append(const AuditKey& key, const std::string& action) {
        domain::AuditEntry appended;
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            auto entry = AppendAudit(tx, key, Draft(action), kStart + seconds(++appends_));
            if (!entry) {
                return entry.error();
            }
            tx.commit();
            appended = *entry;
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return appended;
    }

    ports::AuditVerification Verify(const AuditKey& key, const std::string& tamper = "") {
        ports::AuditVerification verification;
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);  // rolled back: the tampering is undone after each check
            if (!tamper.empty()) {
                tx.exec("SET LOCAL session_replication_role = replica");
                tx.exec(tamper);
            }
            auto verified = VerifyAudit(tx, key);
            if (!verified) {
                return verified.error();
            }
            verification = *verified;
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return verification;
    }

    Expected<void> Check(const AuditKey& key) {
        Expected<void> result = MakeError(Errc::kInternal, "not run");
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::read_transaction tx(c);
            result = CheckAuditKey(tx, key);
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return result;
    }

    ports::AuditExportPage Export(std::int64_t after_seq, std::size_t limit) {
        ports::AuditExportPage page;
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::read_transaction tx(c);
            auto exported = ExportAudit(tx, after_seq, limit);
            if (!exported) {
                return exported.error();
            }
            page = std::move(*exported);
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return page;
    }

    std::unique_ptr<db::Database> database_;
    int appends_ = 0;
};

// Entries written before a key was configured keep their unkeyed hashes and still verify; the
// first keyed entry links to the last of them, so they cannot be rewritten unseen either.
TEST_F(AuditKeyChainTest, AChainKeyedFromSomeEntryOnVerifies) {
    const auto old1 = Append(AuditKey(), "old.one");
    const auto old2 = Append(AuditKey(), "old.two");
    const auto new1 = Append(Key('a'), "new.one");
    const auto new2 = Append(Key('a'), "new.two");
    EXPECT_EQ(old1.key_id, "");
    EXPECT_EQ(old2.hash, AuditHash(old2.prev_hash, old2));
    EXPECT_EQ(new1.key_id, Key('a').Id());
    EXPECT_EQ(new1.prev_hash, old2.hash);

    const auto verification = Verify(Key('a'));
    EXPECT_TRUE(verification.ok) << verification.problem;
    EXPECT_EQ(verification.entries, 4);
    EXPECT_EQ(verification.keyed_from_seq, new1.seq);
    EXPECT_EQ(verification.last_keyed_seq, new2.seq);
    EXPECT_EQ(verification.head_seq, new2.seq);
    EXPECT_EQ(verification.head_hash, new2.hash);

    // Rewriting an unkeyed entry and recomputing its hash breaks the first keyed entry's link.
    domain::AuditEntry forged = old2;
    forged.draft.actor = "token:mallory";
    const auto rewritten =
        Verify(Key('a'), "UPDATE audit_log SET actor = 'token:mallory', hash = '" +
                             AuditHash(forged.prev_hash, forged) +
                             "' WHERE seq = " + std::to_string(old2.seq));
    EXPECT_FALSE(rewritten.ok);
    EXPECT_EQ(rewritten.first_bad_seq, new1.seq);
}

// Without the key nobody can make a seal: an altered keyed entry given a recomputed unkeyed hash
// (what an attacker with write access to the database can do) is a downgrade.
TEST_F(AuditKeyChainTest, AnAlteredEntryWithARecomputedUnkeyedHashIsCaught) {
    Append(Key('a'), "a.one");
    const auto middle = Append(Key('a'), "a.two");
    Append(Key('a'), "a.three");
    domain::AuditEntry forged = middle;
    forged.draft.actor = "token:mallory";
    const std::string forged_hash = AuditHash(forged.prev_hash, forged);
    const auto verification =
        Verify(Key('a'), "UPDATE audit_log SET actor = 'token:mallory', key_id = '', hash = '" +
                             forged_hash + "' WHERE seq = " + std::to_string(middle.seq));
    EXPECT_FALSE(verification.ok);
    EXPECT_EQ(verification.first_bad_seq, middle.seq);
    EXPECT_NE(verification.problem.find("downgraded"), std::string::npos) << verification.problem;

    const auto altered =
        Verify(Key('a'), "UPDATE audit_log SET actor = 'token:mallory' WHERE seq = " +
                             std::to_string(middle.seq));
    EXPECT_FALSE(altered.ok);
    EXPECT_EQ(altered.first_bad_seq, middle.seq);
    EXPECT_NE(altered.problem.find("seal"), std::string::npos) << altered.problem;
}

TEST_F(AuditKeyChainTest, AnUnkeyedEntryAfterAKeyedOneFailsVerification) {
    Append(Key('a'), "a.one");
    const auto unkeyed = Append(AuditKey(), "a.two");
    const auto verification = Verify(Key('a'));
    EXPECT_FALSE(verification.ok);
    EXPECT_EQ(verification.first_bad_seq, unkeyed.seq);
    EXPECT_EQ(verification.entries, 1);
}

TEST_F(AuditKeyChainTest, VerifyingWithAnotherKeyOrNoneNamesTheKeyNeeded) {
    Append(AuditKey(), "old.one");
    const auto keyed = Append(Key('a'), "a.one");
    const auto other = Verify(Key('b'));
    EXPECT_FALSE(other.ok);
    EXPECT_EQ(other.first_bad_seq, keyed.seq);
    EXPECT_NE(other.problem.find(Key('a').Id()), std::string::npos) << other.problem;
    const auto none = Verify(AuditKey());
    EXPECT_FALSE(none.ok);
    EXPECT_EQ(none.first_bad_seq, keyed.seq);
    EXPECT_NE(none.problem.find("no audit key"), std::string::npos) << none.problem;
}

TEST_F(AuditKeyChainTest, StartUpCheckRefusesAKeyThatWouldBreakTheChain) {
    EXPECT_TRUE(Check(AuditKey()));
    EXPECT_TRUE(Check(Key('a')));
    Append(AuditKey(), "old.one");
    EXPECT_TRUE(Check(AuditKey()));
    EXPECT_TRUE(Check(Key('a')));  // keying an unkeyed log from here on is how it starts
    Append(Key('a'), "a.one");
    EXPECT_TRUE(Check(Key('a')));
    auto none = Check(AuditKey());
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("audit.key_file"), std::string::npos);
    auto other = Check(Key('b'));
    ASSERT_FALSE(other);
    EXPECT_NE(other.error().message.find(Key('a').Id()), std::string::npos);
    EXPECT_NE(other.error().message.find(Key('b').Id()), std::string::npos);
}

TEST_F(AuditKeyChainTest, ExportPagesCarryTheChainHead) {
    std::vector<domain::AuditEntry> appended;
    for (int i = 0; i < 5; ++i) {
        appended.push_back(Append(Key('a'), "page." + std::to_string(i)));
    }
    const auto empty_tail = Export(appended.back().seq, 10);
    EXPECT_TRUE(empty_tail.entries.empty());
    EXPECT_EQ(empty_tail.head_seq, appended.back().seq);
    EXPECT_EQ(empty_tail.head_hash, appended.back().hash);

    const auto page = Export(appended[0].seq, 2);  // exclusive: starts after that seq
    ASSERT_EQ(page.entries.size(), 2u);
    EXPECT_EQ(page.entries[0].seq, appended[1].seq);
    EXPECT_EQ(page.entries[1].hash, appended[2].hash);
    EXPECT_EQ(page.entries[1].prev_hash, appended[1].hash);
    EXPECT_EQ(page.entries[1].key_id, Key('a').Id());
    EXPECT_EQ(page.head_seq, appended.back().seq);
    EXPECT_EQ(Export(0, 100).entries.size(), 5u);
}

TEST_F(AuditKeyChainTest, AnEmptyLogExportsOnlyAnEmptyHead) {
    const auto page = Export(0, 10);
    EXPECT_TRUE(page.entries.empty());
    EXPECT_EQ(page.head_seq, 0);
    EXPECT_EQ(page.head_hash, "");
}

}  // namespace
}  // namespace waka::coordinator::pg
