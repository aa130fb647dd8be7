#include "tests/integration/coordinator/scheduler/scheduler_fixture.hpp"

// POST /api/v1/deployments/{id}/approve, /reject, /cancel (docs/design.md §4.1, docs/policies.md).
namespace waka::coordinator::api::testing {
namespace {

class ApprovalsTest : public SchedulerTest {
protected:
    // A deployment requested by token:ops under manual_approval (with extra policy members).
    std::string AwaitingApproval(const std::string& extra_members = "") {
        SetPolicy(R"("policy_type":"manual_approval")" + extra_members);
        auto created = Deploy(*ops_);
        EXPECT_EQ(Str(created, "status"), "awaiting_approval");
        return Str(created, "id");
    }

    static test::HttpResult Act(test::HttpClient& client, const std::string& id,
                                const std::string& verb, const std::string& body = "") {
        return client.Post("/api/v1/deployments/" + id + "/" + verb, body);
    }

    long long AuditCount(const std::string& action, const std::string& decision) {
        return std::stoll(SqlValue("SELECT count(*) FROM audit_log WHERE action = '" + action +
                                   "' AND decision = '" + decision + "'"));
    }

    bool HasEvent(const std::string& id, const std::string& text) {
        const auto events = GetDeployment(id).at("events").as_array();
        for (const auto& event : events) {
            if (std::string(event.at("message").as_string()).find(text) != std::string::npos) {
                return true;
            }
        }
        return false;
    }
};

TEST_F(ApprovalsTest, ASecondUserApprovesAndTheDeploymentIsQueued) {
    const auto id = AwaitingApproval();
    auto approved = Act(*alice_, id, "approve", R"({"comment":"checked the changelog"})");
    ASSERT_EQ(approved.status, 200u) << approved.body;
    EXPECT_EQ(Str(Object(approved), "status"), "queued");
    EXPECT_TRUE(HasEvent(id, "approved by token:alice (1 of 1): checked the changelog"));
    EXPECT_TRUE(HasEvent(id, "approvals complete"));
    EXPECT_EQ(AuditCount("deployment.approve", "recorded"), 1);
    EXPECT_EQ(SqlValue("SELECT approver FROM approvals"), "token:alice");
}

TEST_F(ApprovalsTest, TheRequesterCannotApproveTheirOwnDeployment) {
    // alice holds an approver role, so only the requester rule can refuse her.
    SetPolicy(R"("policy_type":"manual_approval")");
    const auto id = Str(Deploy(*alice_), "id");
    auto refused = Act(*alice_, id, "approve");
    EXPECT_EQ(refused.status, 403u) << refused.body;
    EXPECT_NE(Str(Object(refused), "detail").find("token:alice requested deployment"),
              std::string::npos)
        << refused.body;
    EXPECT_EQ(StatusOf(id), "awaiting_approval");
    EXPECT_EQ(Count("approvals"), 0);
    EXPECT_EQ(AuditCount("deployment.approve", "refused"), 1);
}

TEST_F(ApprovalsTest, TwoDistinctApproversAreNeededWhenThePolicySaysTwo) {
    const auto id = AwaitingApproval(R"(,"approval":{"required_approvals":2})");
    auto first = Act(*alice_, id, "approve");
    ASSERT_EQ(first.status, 200u) << first.body;
    EXPECT_EQ(Str(Object(first), "status"), "awaiting_approval");
    EXPECT_TRUE(HasEvent(id, "(1 of 2)"));

    auto again = Act(*alice_, id, "approve");
    EXPECT_EQ(again.status, 409u) << again.body;
    EXPECT_NE(Str(Object(again), "detail").find("already decided"), std::string::npos);
    EXPECT_EQ(StatusOf(id), "awaiting_approval");

    auto second = Act(*bob_, id, "approve");
    ASSERT_EQ(second.status, 200u) << second.body;
    EXPECT_EQ(Str(Object(second), "status"), "queued");
}

TEST_F(ApprovalsTest, OnlyThePolicysApproverRolesMayDecide) {
    const auto id = AwaitingApproval(R"(,"approval":{"approver_roles":["admin"]})");
    auto refused = Act(*alice_, id, "approve");
    EXPECT_EQ(refused.status, 403u) << refused.body;
    EXPECT_NE(Str(Object(refused), "detail").find("needs one of the roles admin"),
              std::string::npos)
        << refused.body;
    auto by_admin = Act(*client_, id, "approve");
    ASSERT_EQ(by_admin.status, 200u) << by_admin.body;
    EXPECT_EQ(Str(Object(by_admin), "status"), "queued");
}

TEST_F(ApprovalsTest, RejectNeedsACommentAndEndsTheDeployment) {
    const auto id = AwaitingApproval();
    const auto audit_before = Count("audit_log");
    auto missing = Act(*alice_, id, "reject", "{}");
    EXPECT_EQ(missing.status, 422u) << missing.body;
    EXPECT_NE(missing.body.find("\"comment\""), std::string::npos) << missing.body;
    auto unknown = Act(*alice_, id, "reject", R"({"comment":"no","why":"x"})");
    EXPECT_EQ(unknown.status, 422u) << unknown.body;
    EXPECT_EQ(Count("audit_log"), audit_before);  // refused input stores nothing
    EXPECT_EQ(Count("approvals"), 0);

    auto rejected = Act(*alice_, id, "reject", R"({"comment":"not during the audit freeze"})");
    ASSERT_EQ(rejected.status, 200u) << rejected.body;
    EXPECT_EQ(Str(Object(rejected), "status"), "rejected");
    EXPECT_NE(Str(Object(rejected), "completed_at"), "<null>");
    EXPECT_TRUE(HasEvent(id, "rejected by token:alice: not during the audit freeze"));
    EXPECT_EQ(AuditCount("deployment.reject", "recorded"), 1);

    auto late = Act(*bob_, id, "approve");
    EXPECT_EQ(late.status, 409u) << late.body;
    EXPECT_NE(Str(Object(late), "detail").find("is rejected"), std::string::npos);
}

TEST_F(ApprovalsTest, CancelBeforeDispatchEndsItAndTwiceIsAConflict) {
    SetPolicy(R"("policy_type":"auto_update","maintenance_windows":)" + std::string(kMondayWindow));
    const auto id = Str(Deploy(*ops_), "id");
    ASSERT_EQ(StatusOf(id), "scheduled");
    EXPECT_EQ(Act(*ops_, id, "cancel").status, 422u);
    EXPECT_EQ(Act(*ops_, id, "cancel", R"({"comment":"   "})").status, 422u);

    auto cancelled = Act(*ops_, id, "cancel", R"({"comment":"superseded by manifest-002"})");
    ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
    EXPECT_EQ(Str(Object(cancelled), "status"), "cancelled");
    EXPECT_EQ(AuditCount("deployment.cancel", "recorded"), 1);
    auto twice = Act(*ops_, id, "cancel", R"({"comment":"again"})");
    EXPECT_EQ(twice.status, 409u) << twice.body;

    clock_.Set(At(10, 5));
    EXPECT_EQ(Pass().started, 0);  // a cancelled deployment never starts
    EXPECT_EQ(StatusOf(id), "cancelled");
}

TEST_F(ApprovalsTest, ViewersCannotCancelAndUnknownDeploymentsAre404) {
    const auto id = AwaitingApproval();
    auto viewer = ClientWith(MakeToken("watcher", "viewer"));
    EXPECT_EQ(Act(viewer, id, "cancel", R"({"comment":"x"})").status, 403u);
    EXPECT_EQ(Act(*alice_, "deploy-nope", "approve").status, 404u);
    EXPECT_EQ(Act(*alice_, id, "approve", "[1]").status, 400u);
}

TEST_F(ApprovalsTest, ApprovalOutsideTheWindowSchedulesUntilItOpens) {
    const auto id = AwaitingApproval(R"(,"maintenance_windows":)" + std::string(kMondayWindow));
    auto approved = Act(*alice_, id, "approve");
    ASSERT_EQ(approved.status, 200u) << approved.body;
    EXPECT_EQ(Str(Object(approved), "status"), "scheduled");

    EXPECT_EQ(Pass().started, 0);
    clock_.Set(At(10, 1));
    EXPECT_EQ(Pass().started, 1);
    EXPECT_EQ(StatusOf(id), "queued");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
