#include "coordinator/pg/audit_chain.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>

#include "coordinator/db/database.hpp"
#include "shared/core/crypto.hpp"
#include "tests/support/pg/migrated_database.hpp"

namespace waka::coordinator::pg {
namespace {

using std::chrono::seconds;

const TimePoint kStart = *ParseRfc3339("2026-11-26T10:00:00.000Z");

domain::AuditDraft Draft(std::string actor, std::string action, std::string instance_id = "") {
    domain::AuditDraft draft;
    draft.actor = std::move(actor);
    draft.action = std::move(action);
    draft.target_type = "deployment";
    draft.target_id = "deploy-1";
    draft.instance_id = std::move(instance_id);
    draft.reason = "because";
    return draft;
}

class AuditStoreTest : public ::testing::Test {
protected:
    void SetUp() override { database_ = test::OpenMigratedDatabase(4); }

    Expected<domain::AuditEntry> Append(const domain::AuditDraft& draft, TimePoint at) {
        Expected<domain::AuditEntry> entry = MakeError(Errc::kInternal, "not run");
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            entry = AppendAudit(tx, key_, draft, at);
            if (entry) {
                tx.commit();
            }
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return entry;
    }

    std::vector<domain::AuditEntry> List(const ports::AuditFilter& filter) {
        std::vector<domain::AuditEntry> entries;
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::read_transaction tx(c);
            auto listed = ListAudit(tx, filter);
            if (!listed) {
                return listed.error();
            }
            entries = std::move(*listed);
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return entries;
    }

    // Runs `sql` (a tampering statement, or nothing), verifies inside the same transaction and
    // rolls back, so that one chain serves many cases.
    ports::AuditVerification VerifyAfter(const std::string& sql) {
        ports::AuditVerification verification;
        auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            if (!sql.empty()) {
                // A superuser bypassing the append-only trigger on purpose (migration 011).
                tx.exec("SET LOCAL session_replication_role = replica");
                tx.exec(sql);
            }
            auto verified = VerifyAudit(tx, key_);
            if (!verified) {
                return verified.error();
            }
            verification = *verified;
            return {};
        });
        EXPECT_TRUE(status) << status.error().message;
        return verification;
    }

    void AppendThree() {
        ASSERT_TRUE(Append(Draft("token:alice", "deployment.create", "inst-1"), kStart));
        ASSERT_TRUE(
            Append(Draft("token:bob", "deployment.approve", "inst-2"), kStart + seconds(10)));
        ASSERT_TRUE(Append(Draft("system", "deployment.dispatch", "inst-1"), kStart + seconds(20)));
    }

    std::unique_ptr<db::Database> database_;
    // What appends seal with and what verifies; tests of unkeyed (pre-ADR 0028) entries reset it.
    AuditKey key_ = *AuditKey::FromSecret(std::string(32, 'k'));
};

TEST_F(AuditStoreTest, AppendChainsEntriesAndVerifies) {
    auto first = Append(Draft("token:alice", "deployment.create", "inst-1"), kStart);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_GT(first->seq, 0);
    EXPECT_EQ(first->prev_hash, "");
    EXPECT_TRUE(IsSha256Hex(first->hash));
    EXPECT_EQ(first->key_id, key_.Id());
    EXPECT_EQ(AuditSeal(key_, first->prev_hash, *first), first->hash);
    EXPECT_NE(AuditHash(first->prev_hash, *first), first->hash);

    auto second = Append(Draft("system", "deployment.dispatch"), kStart + seconds(1));
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_GT(second->seq, first->seq);
    EXPECT_EQ(second->prev_hash, first->hash);

    const auto listed = List({});
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].hash, first->hash);
    EXPECT_EQ(listed[0].at, kStart);
    EXPECT_EQ(listed[0].draft.instance_id, "inst-1");
    EXPECT_EQ(listed[0].draft.reason, "because");
    EXPECT_EQ(listed[1].draft.instance_id, "");
    EXPECT_EQ(listed[1].hash, second->hash);

    const auto verification = VerifyAfter("");
    EXPECT_TRUE(verification.ok) << verification.problem;
    EXPECT_EQ(verification.entries, 2);
    EXPECT_FALSE(verification.first_bad_seq);
}

TEST_F(AuditStoreTest, EmptyLogVerifies) {
    const auto verification = VerifyAfter("");
    EXPECT_TRUE(verification.ok);
    EXPECT_EQ(verification.entries, 0);
}

TEST_F(AuditStoreTest, TimeIsKeptToTheMillisecond) {
    const TimePoint at = kStart + std::chrono::microseconds(1234567);
    auto entry = Append(Draft("system", "x.y"), at);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->at, kStart + std::chrono::milliseconds(1234));
    EXPECT_EQ(List({})[0].at, entry->at);
    EXPECT_TRUE(VerifyAfter("").ok);
}

TEST_F(AuditStoreTest, DetailsAreHashedAsJsonbPrintsThem) {
    domain::AuditDraft draft = Draft("system", "x.y");
    draft.details_json = R"({"b": 1,   "a": [1,2], "s": "é\n"})";
    auto entry = Append(draft, kStart);
    ASSERT_TRUE(entry) << entry.error().message;
    EXPECT_EQ(entry->draft.details_json, R"({"a": [1, 2], "b": 1, "s": "é\n"})");
    EXPECT_EQ(List({})[0].draft.details_json, entry->draft.details_json);
    EXPECT_TRUE(VerifyAfter("").ok);
}

TEST_F(AuditStoreTest, InvalidDraftsAreRefusedWithoutAbortingTheTransaction) {
    domain::AuditDraft bad_json = Draft("system", "x.y");
    bad_json.details_json = "{not json";
    domain::AuditDraft bad_decision = Draft("system", "x.y");
    bad_decision.decision = "maybe";
    domain::AuditDraft no_actor = Draft("", "x.y");
    auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        for (const auto& draft : {bad_json, bad_decision, no_actor}) {
            auto entry = AppendAudit(tx, key_, draft, kStart);
            EXPECT_FALSE(entry);
            if (!entry) {
                EXPECT_TRUE(entry.error().Is(Errc::kInvalidArgument)) << entry.error().message;
            }
        }
        auto good = AppendAudit(tx, key_, Draft("system", "x.y"), kStart);
        EXPECT_TRUE(good) << good.error().message;
        tx.commit();
        return {};
    });
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(List({}).size(), 1u);
}

TEST_F(AuditStoreTest, RolledBackAppendLeavesNoTraceAndTheChainStaysIntact) {
    ASSERT_TRUE(Append(Draft("system", "a.one"), kStart));
    auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        EXPECT_TRUE(AppendAudit(tx, key_, Draft("system", "a.rolled_back"), kStart));
        return {};  // no commit: the change and its audit entry vanish together
    });
    ASSERT_TRUE(status);
    ASSERT_TRUE(Append(Draft("system", "a.two"), kStart));
    const auto listed = List({});
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[1].draft.action, "a.two");
    EXPECT_EQ(listed[1].prev_hash, listed[0].hash);
    EXPECT_TRUE(VerifyAfter("").ok);
}

TEST_F(AuditStoreTest, FiltersByInstanceActorActionAndTime) {
    AppendThree();
    auto by_instance = List({.instance_id = "inst-1"});
    ASSERT_EQ(by_instance.size(), 2u);
    EXPECT_EQ(by_instance[0].draft.action, "deployment.create");
    EXPECT_EQ(by_instance[1].draft.action, "deployment.dispatch");

    auto by_actor = List({.actor = "token:bob"});
    ASSERT_EQ(by_actor.size(), 1u);
    EXPECT_EQ(by_actor[0].draft.instance_id, "inst-2");

    auto by_action = List({.action = "deployment.dispatch"});
    ASSERT_EQ(by_action.size(), 1u);
    EXPECT_EQ(by_action[0].draft.actor, "system");

    auto window = List({.since = kStart + seconds(10), .until = kStart + seconds(20)});
    ASSERT_EQ(window.size(), 2u);  // both ends inclusive
    EXPECT_EQ(window[0].draft.actor, "token:bob");

    EXPECT_EQ(List({.instance_id = "inst-1", .actor = "token:bob"}).size(), 0u);
    EXPECT_EQ(List({.until = kStart - seconds(1)}).size(), 0u);
}

TEST_F(AuditStoreTest, PagesWithLimitAndCursor) {
    for (int i = 0; i < 7; ++i) {
        ASSERT_TRUE(Append(Draft("system", "page." + std::to_string(i)), kStart + seconds(i)));
    }
    std::vector<std::string> actions;
    std::optional<std::int64_t> cursor;
    for (int page = 0; page < 10; ++page) {
        auto entries = List({.limit = 3, .after_seq = cursor});
        if (entries.empty()) {
            break;
        }
        EXPECT_LE(entries.size(), 3u);
        for (const auto& entry : entries) {
            actions.push_back(entry.draft.action);
        }
        cursor = entries.back().seq;
    }
    ASSERT_EQ(actions.size(), 7u);
    for (int i = 0; i < 7; ++i) {
        EXPECT_EQ(actions[static_cast<std::size_t>(i)], "page." + std::to_string(i));
    }
    EXPECT_TRUE(List({.limit = 0}).empty());
}

TEST_F(AuditStoreTest, TamperingWithAnyColumnOfAnEntryIsDetected) {
    AppendThree();
    const auto listed = List({});
    ASSERT_EQ(listed.size(), 3u);
    const std::string middle = std::to_string(listed[1].seq);
    const std::vector<std::string> changes = {
        "at = at + interval '1 millisecond'",
        "actor = 'token:mallory'",
        "action = 'deployment.cancel'",
        "target_type = 'instance'",
        "target_id = 'deploy-2'",
        "instance_id = NULL",
        "decision = 'refused'",
        "reason = ''",
        "details = '{\"x\": 1}'::jsonb",
        "prev_hash = ''",
        "hash = repeat('0', 64)",
        "key_id = ''",
        "key_id = 'ffffffffffffffff'",
    };
    EXPECT_TRUE(VerifyAfter("").ok);
    for (const auto& change : changes) {
        const auto verification =
            VerifyAfter("UPDATE audit_log SET " + change + " WHERE seq = " + middle);
        EXPECT_FALSE(verification.ok) << change;
        EXPECT_EQ(verification.first_bad_seq, listed[1].seq) << change;
        EXPECT_EQ(verification.entries, 1) << change;
        EXPECT_FALSE(verification.problem.empty());
    }
}

TEST_F(AuditStoreTest, DeletingAnEntryInTheMiddleIsDetected) {
    AppendThree();
    const auto listed = List({});
    ASSERT_EQ(listed.size(), 3u);
    const auto verification =
        VerifyAfter("DELETE FROM audit_log WHERE seq = " + std::to_string(listed[1].seq));
    EXPECT_FALSE(verification.ok);
    EXPECT_EQ(verification.first_bad_seq, listed[2].seq);
    EXPECT_NE(verification.problem.find("link"), std::string::npos) << verification.problem;

    const auto first_removed =
        VerifyAfter("DELETE FROM audit_log WHERE seq = " + std::to_string(listed[0].seq));
    EXPECT_FALSE(first_removed.ok);
    EXPECT_EQ(first_removed.first_bad_seq, listed[1].seq);
}

// Migration 011: whoever the role, a change to an entry fails and the entry stays as it was.
TEST_F(AuditStoreTest, UpdateDeleteAndTruncateAreRefused) {
    AppendThree();
    for (const std::string sql : {"UPDATE audit_log SET actor = 'token:mallory'",
                                  "DELETE FROM audit_log", "TRUNCATE audit_log"}) {
        auto refused = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
            pqxx::work tx(c);
            tx.exec(sql);
            tx.commit();
            return {};
        });
        EXPECT_FALSE(refused) << sql;
        if (!refused) {
            continue;
        }
        EXPECT_NE(refused.error().message.find("audit_log is append-only"), std::string::npos)
            << refused.error().message;
    }
    EXPECT_EQ(List({}).size(), 3u);
    EXPECT_TRUE(VerifyAfter("").ok);
}

TEST_F(AuditStoreTest, ConcurrentAppendersKeepOneLinearChain) {
    constexpr int kThreads = 4;
    constexpr int kEach = 25;
    std::vector<std::thread> threads;
    std::atomic<int> failures = 0;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                auto status = database_->WithConnection([&](pqxx::connection& c) -> Expected<void> {
                    pqxx::work tx(c);
                    auto entry = AppendAudit(tx, key_, Draft("agent:" + std::to_string(t), "x.y"),
                                             kStart + seconds(i));
                    if (!entry) {
                        return entry.error();
                    }
                    tx.commit();
                    return {};
                });
                if (!status) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures.load(), 0);
    const auto verification = VerifyAfter("");
    EXPECT_TRUE(verification.ok) << verification.problem;
    EXPECT_EQ(verification.entries, kThreads * kEach);
}

}  // namespace
}  // namespace waka::coordinator::pg
