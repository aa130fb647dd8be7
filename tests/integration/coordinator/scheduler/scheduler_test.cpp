#include "tests/integration/coordinator/scheduler/scheduler_fixture.hpp"
#include "tests/support/process/process.hpp"

// The scheduler's passes (docs/policies.md "Scheduler"): windows, approval expiry, the advisory
// lock, and state that survives a new scheduler (a coordinator restart).
namespace waka::coordinator::api::testing {
namespace {

class SchedulerPassTest : public SchedulerTest {
protected:
    std::string Scheduled() {
        SetPolicy(R"("policy_type":"auto_update","maintenance_windows":)" +
                  std::string(kMondayWindow));
        auto created = Deploy(*ops_);
        EXPECT_EQ(Str(created, "status"), "scheduled");
        return Str(created, "id");
    }
};

TEST_F(SchedulerPassTest, AScheduledDeploymentStartsWhenTheWindowOpens) {
    const auto id = Scheduled();
    auto report = Pass();
    EXPECT_TRUE(report.leader);
    EXPECT_EQ(report.started, 0);
    EXPECT_EQ(report.next_window, At(10));  // the loop wakes then
    clock_.Set(At(9, 59));
    EXPECT_EQ(Pass().started, 0);
    EXPECT_EQ(StatusOf(id), "scheduled");

    clock_.Set(At(10, 0, 0) + std::chrono::seconds(1));
    EXPECT_EQ(Pass().started, 1);
    EXPECT_EQ(StatusOf(id), "queued");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'deployment.schedule' AND "
                       "actor = 'system'"),
              "1");
    EXPECT_EQ(Pass().started, 0);  // claimed once
}

TEST_F(SchedulerPassTest, NothingStartsAfterTheWindowCloses) {
    const auto missed = Scheduled();
    clock_.Set(At(11, 0));  // the close itself is outside: start <= now < start + duration
    EXPECT_EQ(Pass().started, 0);
    EXPECT_EQ(StatusOf(missed), "scheduled");

    // Queued inside the window, but the agent never took it: after the close it waits again.
    clock_.Set(At(10, 30));
    EXPECT_EQ(Pass().started, 1);
    EXPECT_EQ(StatusOf(missed), "queued");
    clock_.Set(At(11, 0));
    EXPECT_EQ(Pass().deferred, 1);
    EXPECT_EQ(StatusOf(missed), "scheduled");
    clock_.Set(At(10, 10, 7));  // next Monday
    EXPECT_EQ(Pass().started, 1);
}

TEST_F(SchedulerPassTest, AFrozenInstanceHoldsItsScheduledDeployments) {
    const auto id = Scheduled();
    SetPolicy(R"("policy_type":"frozen")");
    clock_.Set(At(10, 5));
    EXPECT_EQ(Pass().started, 0);
    EXPECT_EQ(StatusOf(id), "scheduled");
}

TEST_F(SchedulerPassTest, UndecidedApprovalsExpireAfterTheTimeout) {
    SetPolicy(R"("policy_type":"manual_approval","approval":{"timeout_hours":2})");
    const auto id = Str(Deploy(*ops_), "id");
    clock_.Set(At(10, 59));
    EXPECT_EQ(Pass().expired, 0);
    clock_.Set(At(11, 0) + std::chrono::seconds(1));
    EXPECT_EQ(Pass().expired, 1);
    auto expired = GetDeployment(id);
    EXPECT_EQ(Str(expired, "status"), "expired");
    EXPECT_NE(Str(expired, "completed_at"), "<null>");
    EXPECT_NE(boost::json::serialize(expired.at("events")).find("within 2 hours: expired"),
              std::string::npos);
    EXPECT_EQ(SqlValue("SELECT reason FROM audit_log WHERE action = 'deployment.schedule'"),
              "no approval decision within 2 hours: expired");
    auto late = alice_->Post("/api/v1/deployments/" + id + "/approve", "");
    EXPECT_EQ(late.status, 409u) << late.body;
    EXPECT_EQ(Pass().expired, 0);
}

TEST_F(SchedulerPassTest, OnlyTheLockHolderSchedulesAndAnotherTakesOverWhenItGoes) {
    const auto id = Scheduled();
    EXPECT_TRUE(Pass().leader);
    auto second = core_->MakeScheduler(io_.get_executor(), deploy::SchedulerOptions{});
    clock_.Set(At(10, 5));
    auto idle = Pass(*second);
    EXPECT_FALSE(idle.leader);
    EXPECT_EQ(idle.started, 0);
    EXPECT_EQ(StatusOf(id), "scheduled");

    scheduler_.reset();  // the leader's session ends: PostgreSQL frees the lock
    EXPECT_TRUE(test::WaitFor([&] { return Pass(*second).leader; }, std::chrono::seconds(10)));
    EXPECT_EQ(StatusOf(id), "queued");
}

TEST_F(SchedulerPassTest, ANewSchedulerFindsTheWaitingWorkAndRunsItOnce) {
    const auto id = Scheduled();
    EXPECT_EQ(Pass().started, 0);
    scheduler_ = core_->MakeScheduler(io_.get_executor(), deploy::SchedulerOptions{});
    clock_.Set(At(10, 5));
    EXPECT_TRUE(test::WaitFor([&] { return Pass().started == 1; }, std::chrono::seconds(10)));
    EXPECT_EQ(StatusOf(id), "queued");
    EXPECT_EQ(Pass().started, 0);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployments"), "1");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
