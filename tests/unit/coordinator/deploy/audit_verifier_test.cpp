#include "coordinator/deploy/audit_verifier.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <deque>

#include "tests/support/fakes/unfaked_ports.hpp"

// The scheduled verification's bookkeeping over a scripted audit log: what one verification finds
// is counted, and a log that loses its end or its seals since an earlier one is broken too.
namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

const TimePoint kNow = *ParseRfc3339("2026-12-03T10:00:00.000Z");

class ScriptedAuditLog final : public fakes::UnfakedAuditLog {
public:
    std::deque<Expected<ports::AuditVerification>> answers;

    asio::awaitable<Expected<ports::AuditVerification>> Verify() override {
        if (answers.empty()) {
            co_return MakeError(Errc::kInternal, "no verification scripted");
        }
        auto answer = answers.front();
        answers.pop_front();
        co_return answer;
    }
};

ports::AuditVerification Intact(std::int64_t head, std::optional<std::int64_t> last_keyed) {
    ports::AuditVerification v;
    v.entries = head;
    v.head_seq = head;
    v.head_hash = "hash-" + std::to_string(head);
    v.last_keyed_seq = last_keyed;
    v.keyed_from_seq = last_keyed ? std::optional<std::int64_t>(1) : std::nullopt;
    return v;
}

class AuditVerifierTest : public ::testing::Test {
protected:
    Expected<ports::AuditVerification> Run() {
        auto future = asio::co_spawn(io_, verifier_.RunOnce(), asio::use_future);
        io_.restart();
        io_.run_for(std::chrono::seconds(10));
        return future.get();
    }

    asio::io_context io_;
    ScriptedAuditLog log_;
    FakeClock clock_{kNow};
    AuditVerifier verifier_{io_.get_executor(), log_, clock_, {}};
};

TEST_F(AuditVerifierTest, NothingIsKnownBeforeTheFirstVerification) {
    const auto status = verifier_.Status();
    EXPECT_EQ(status.runs, 0u);
    EXPECT_FALSE(status.valid);
    EXPECT_FALSE(status.last_run_at);
}

TEST_F(AuditVerifierTest, CountsWhatEachVerificationFound) {
    auto broken = Intact(2, 2);
    broken.ok = false;
    broken.first_bad_seq = 3;
    broken.problem = "entry 3 does not match its seal (altered)";
    log_.answers = {Intact(2, 2), broken, MakeError(Errc::kDatabase, "down"), Intact(4, 4)};

    EXPECT_TRUE(Run()->ok);
    EXPECT_EQ(verifier_.Status().valid, true);
    EXPECT_EQ(verifier_.Status().last_run_at, kNow);
    EXPECT_FALSE(Run()->ok);
    auto status = verifier_.Status();
    EXPECT_EQ(status.valid, false);
    EXPECT_EQ(status.first_bad_seq, 3);
    EXPECT_EQ(status.failures, 1u);
    EXPECT_FALSE(Run());  // could not run: counted apart, the last finding stands
    status = verifier_.Status();
    EXPECT_EQ(status.errors, 1u);
    EXPECT_EQ(status.valid, false);
    EXPECT_TRUE(Run()->ok);
    status = verifier_.Status();
    EXPECT_EQ(status.runs, 3u);
    EXPECT_EQ(status.valid, true);
    EXPECT_EQ(status.entries, 4);
    EXPECT_FALSE(status.first_bad_seq);
}

// Removing the newest entries leaves a chain that verifies by itself; the verifier remembers the
// head it saw.
TEST_F(AuditVerifierTest, ALogEndingBeforeTheHeadSeenEarlierIsBroken) {
    log_.answers = {Intact(10, 10), Intact(7, 7)};
    ASSERT_TRUE(Run()->ok);
    const auto shorter = Run();
    ASSERT_TRUE(shorter);
    EXPECT_FALSE(shorter->ok);
    EXPECT_EQ(shorter->first_bad_seq, 8);
    EXPECT_NE(shorter->problem.find("held entry 10"), std::string::npos) << shorter->problem;
    EXPECT_EQ(verifier_.Status().failures, 1u);
}

// Rewriting every entry from some seq on as unkeyed hashes also verifies by itself.
TEST_F(AuditVerifierTest, EntriesThatLostTheirSealSinceAnEarlierVerificationAreBroken) {
    log_.answers = {Intact(10, 10), Intact(12, 6), Intact(12, std::nullopt)};
    ASSERT_TRUE(Run()->ok);
    const auto downgraded = Run();
    ASSERT_TRUE(downgraded);
    EXPECT_FALSE(downgraded->ok);
    EXPECT_EQ(downgraded->first_bad_seq, 7);
    EXPECT_NE(downgraded->problem.find("downgraded"), std::string::npos) << downgraded->problem;
    const auto none = Run();
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->ok);
    EXPECT_EQ(none->first_bad_seq, 1);
}

TEST_F(AuditVerifierTest, AGrowingLogStaysValid) {
    log_.answers = {Intact(0, std::nullopt), Intact(3, std::nullopt), Intact(5, 5), Intact(9, 9)};
    for (int i = 0; i < 4; ++i) {
        const auto v = Run();
        ASSERT_TRUE(v);
        EXPECT_TRUE(v->ok) << v->problem;
    }
    EXPECT_EQ(verifier_.Status().failures, 0u);
}

}  // namespace
}  // namespace waka::coordinator::deploy
