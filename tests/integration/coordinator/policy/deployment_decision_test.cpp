#include <date/date.h>

#include "tests/integration/coordinator/api/api_fixture.hpp"

// The policy decision applied by POST /api/v1/deployments (docs/design.md §4.1).
namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kDeployBody =
    R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01"})";

class DeploymentDecisionTest : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 201u);
        CreateVersion("platform", "webwaka-platform", "2.0.0");
        ASSERT_EQ(Upload("platform", "webwaka-platform", "2.0.0", "platform bundle").status, 201u);
        ASSERT_EQ(
            client_
                ->Post("/api/v1/manifests", R"({"id":"manifest-001","platform_version":"2.0.0"})")
                .status,
            201u);
    }

    void SetPolicy(const std::string& body) {
        auto created = client_->Post("/api/v1/policies", body);
        ASSERT_EQ(created.status, 201u) << created.body;
    }
};

// A weekday three days from today (UTC): a one-minute window on it is closed now.
std::string FarWeekday() {
    const auto today = std::chrono::floor<date::days>(std::chrono::system_clock::now());
    const date::weekday day{today + date::days{3}};
    constexpr const char* kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    return kNames[day.c_encoding()];
}

TEST_F(DeploymentDecisionTest, FrozenRefusesWith409AndTheReasonStoringOnlyTheAuditEntry) {
    SetPolicy(R"({"instance_id":"instance-prod-01","policy_type":"frozen"})");
    auto refused = client_->Post("/api/v1/deployments", kDeployBody);
    EXPECT_EQ(refused.status, 409u) << refused.body;
    EXPECT_NE(Str(Object(refused), "detail").find("frozen"), std::string::npos) << refused.body;
    EXPECT_EQ(Count("deployments"), 0);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'deployment.create' AND "
                       "decision = 'refused' AND reason LIKE '%frozen%'"),
              "1");

    auto forced = client_->Post("/api/v1/deployments",
                                R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01",
                                    "force":true,"reason":"incident 42"})");
    ASSERT_EQ(forced.status, 201u) << forced.body;
    EXPECT_EQ(Str(Object(forced), "status"), "queued");
}

TEST_F(DeploymentDecisionTest, ManualApprovalWaitsForApproval) {
    ASSERT_EQ(
        client_
            ->Post("/api/v1/policies?instance_id=instance-prod-01&policy_type=manual_approval", "")
            .status,
        201u);
    auto created = client_->Post("/api/v1/deployments", kDeployBody);
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(Str(Object(created), "status"), "awaiting_approval");
    EXPECT_EQ(SqlValue("SELECT decision FROM audit_log WHERE action = 'deployment.create'"),
              "deferred");
}

TEST_F(DeploymentDecisionTest, AClosedWindowSchedulesAndAnOpenOneQueues) {
    SetPolicy(R"({"instance_id":"instance-prod-01","policy_type":"auto_update",
        "maintenance_windows":[{"days":[")" +
              FarWeekday() + R"("],"start":"12:00","duration_minutes":1,"timezone":"UTC"}]})");
    auto dry = client_->Post("/api/v1/deployments",
                             R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01",
                                 "dry_run":true})");
    ASSERT_EQ(dry.status, 200u) << dry.body;
    EXPECT_EQ(Str(Object(dry), "decision"), "deferred");
    EXPECT_EQ(Count("deployments"), 0);

    auto scheduled = client_->Post("/api/v1/deployments", kDeployBody);
    ASSERT_EQ(scheduled.status, 201u) << scheduled.body;
    EXPECT_EQ(Str(Object(scheduled), "status"), "scheduled");

    SetPolicy(R"({"instance_id":"instance-prod-01","policy_type":"auto_update",
        "maintenance_windows":[{"days":["mon","tue","wed","thu","fri","sat","sun"],
        "start":"00:00","duration_minutes":10080,"timezone":"Africa/Lagos"}]})");
    auto queued = client_->Post("/api/v1/deployments", kDeployBody);
    ASSERT_EQ(queued.status, 201u) << queued.body;
    EXPECT_EQ(Str(Object(queued), "status"), "queued");
}

TEST_F(DeploymentDecisionTest, NoPolicyQueuesAsBefore) {
    auto created = client_->Post("/api/v1/deployments", kDeployBody);
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(Str(Object(created), "status"), "queued");
    EXPECT_EQ(SqlValue("SELECT decision FROM audit_log WHERE action = 'deployment.create'"),
              "allowed");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
