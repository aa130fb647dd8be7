// Four-eyes that the requester cannot switch off (ADR 0023), with the real PostgreSQL: the rule
// is copied onto the deployment, only an admin loosens a manual_approval or frozen policy, only
// approver and admin may approve, and a token's name is the one approver it counts as.
#include "tests/integration/coordinator/scheduler/scheduler_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

class FourEyesTest : public SchedulerTest {
protected:
    // The instance's active policy, made by the admin; answers its id.
    std::string AdminPolicy(const std::string& members) {
        auto created = client_->Post("/api/v1/policies",
                                     R"({"instance_id":"instance-prod-01",)" + members + "}");
        EXPECT_EQ(created.status, 201u) << created.body;
        return Str(Object(created), "id");
    }

    std::string AwaitingApproval(const std::string& approval = "{}") {
        AdminPolicy(R"("policy_type":"manual_approval","approval":)" + approval);
        auto created = Deploy(*ops_);
        EXPECT_EQ(Str(created, "status"), "awaiting_approval");
        return Str(created, "id");
    }

    static test::HttpResult Approve(test::HttpClient& client, const std::string& id) {
        return client.Post("/api/v1/deployments/" + id + "/approve", "");
    }

    // The stored row of a policy, to show that a refusal changed nothing.
    std::string PolicyRow(const std::string& id) {
        return SqlValue("SELECT row_to_json(p)::text FROM policies p WHERE id = '" + id + "'");
    }

    static void ExpectFourEyesRefusal(const test::HttpResult& refused, const std::string& what) {
        EXPECT_EQ(refused.status, 403u) << refused.body;
        EXPECT_NE(refused.body.find("four-eyes: to " + what), std::string::npos) << refused.body;
        EXPECT_NE(refused.body.find("needs the admin role"), std::string::npos) << refused.body;
    }
};

TEST_F(FourEyesTest, ADeploymentKeepsTheApprovalRuleItWasCreatedUnder) {
    const auto id = AwaitingApproval(R"({"required_approvals":2})");
    auto active = Json(client_->Get("/api/v1/policies?instance_id=instance-prod-01")).as_array();
    ASSERT_FALSE(active.empty());
    const std::string target = "/api/v1/policies/" + Str(active[0].as_object(), "id");
    auto loosened = client_->Put(target, R"({"policy_type":"auto_update",
        "approval":{"required_approvals":1,"approver_roles":["admin"]}})");
    ASSERT_EQ(loosened.status, 200u) << loosened.body;

    EXPECT_EQ(Pass().started, 0);
    EXPECT_EQ(StatusOf(id), "awaiting_approval");
    auto first = Approve(*alice_, id);  // an approver: the copied rule names approver and admin
    ASSERT_EQ(first.status, 200u) << first.body;
    EXPECT_EQ(Str(Object(first), "status"), "awaiting_approval");  // 1 of the copied 2
    auto second = Approve(*bob_, id);
    ASSERT_EQ(second.status, 200u) << second.body;
    EXPECT_EQ(Str(Object(second), "status"), "queued");
}

TEST_F(FourEyesTest, DeletingTheManualPolicyDoesNotReleaseAnAwaitingDeployment) {
    const auto id = AwaitingApproval();
    auto active = Json(client_->Get("/api/v1/policies?instance_id=instance-prod-01")).as_array();
    ASSERT_EQ(client_->Delete("/api/v1/policies/" + Str(active[0].as_object(), "id")).status, 204u);
    EXPECT_EQ(Pass().started, 0);
    EXPECT_EQ(StatusOf(id), "awaiting_approval");
    auto by_ops = Approve(*ops_, id);  // an operator: not in the copied approver_roles
    EXPECT_EQ(by_ops.status, 403u) << by_ops.body;
    EXPECT_EQ(StatusOf(id), "awaiting_approval");
}

TEST_F(FourEyesTest, OnlyAnAdminChangesReplacesOrDeletesAManualOrFrozenPolicy) {
    for (const std::string type : {"manual_approval", "frozen"}) {
        const auto id = AdminPolicy(R"("policy_type":")" + type + R"(")");
        const std::string target = "/api/v1/policies/" + id;
        const auto before = PolicyRow(id);
        const long long policies = Count("policies");
        const long long audit = Count("audit_log");
        auto approver = ClientWith(MakeToken("approver-" + type, "approver"));
        for (auto* as : {ops_.get(), &approver}) {
            ExpectFourEyesRefusal(as->Put(target, R"({"policy_type":"auto_update"})"),
                                  "change a " + type);
            ExpectFourEyesRefusal(as->Delete(target), "delete a " + type);
            ExpectFourEyesRefusal(
                as->Post("/api/v1/policies?instance_id=instance-prod-01&policy_type=auto_update",
                         ""),
                "replace a " + type);
        }
        EXPECT_EQ(PolicyRow(id), before) << type;
        EXPECT_EQ(Count("policies"), policies);
        EXPECT_EQ(Count("audit_log"), audit + 1);  // the approver's token, nothing else
        ASSERT_EQ(client_->Put(target, R"({"policy_type":"auto_update"})").status, 200u);
    }
}

TEST_F(FourEyesTest, OperatorsKeepChangingOtherPolicies) {
    const auto id = AdminPolicy(R"("policy_type":"auto_update")");
    auto changed = ops_->Put("/api/v1/policies/" + id, R"({"description":"lagos fleet"})");
    ASSERT_EQ(changed.status, 200u) << changed.body;
    auto tightened = ops_->Put("/api/v1/policies/" + id, R"({"policy_type":"manual_approval"})");
    ASSERT_EQ(tightened.status, 200u) << tightened.body;
    ExpectFourEyesRefusal(ops_->Delete("/api/v1/policies/" + id), "delete a manual_approval");
}

TEST_F(FourEyesTest, ApproverRolesNameOnlyApproverOrAdmin) {
    const long long policies = Count("policies");
    for (const char* roles : {R"(["operator"])", R"(["publisher"])", R"(["viewer","admin"])"}) {
        auto refused = client_->Post(
            "/api/v1/policies",
            std::string(R"({"instance_id":"instance-prod-01","policy_type":"manual_approval",)") +
                R"("approval":{"approver_roles":)" + roles + "}}");
        EXPECT_EQ(refused.status, 422u) << refused.body;
        EXPECT_NE(refused.body.find("approval.approver_roles"), std::string::npos) << refused.body;
    }
    EXPECT_EQ(Count("policies"), policies);
}

TEST_F(FourEyesTest, TheRequesterCannotApproveUnderAnotherTokenOfTheirName) {
    AdminPolicy(R"("policy_type":"manual_approval")");
    const auto id = Str(Deploy(*alice_), "id");  // an approver may deploy; not approve it
    EXPECT_EQ(Approve(*alice_, id).status, 403u);
    const auto alice_id = SqlValue("SELECT id FROM api_tokens WHERE name = 'alice'");
    ASSERT_EQ(client_->Delete("/api/v1/tokens/" + alice_id).status, 204u);
    auto again = ClientWith(MakeToken("alice", "admin"));
    auto refused = Approve(again, id);
    EXPECT_EQ(refused.status, 403u) << refused.body;
    EXPECT_NE(refused.body.find("token:alice requested deployment"), std::string::npos)
        << refused.body;
    EXPECT_EQ(Count("approvals"), 0);
    EXPECT_EQ(StatusOf(id), "awaiting_approval");
}

TEST_F(FourEyesTest, TwoTokensOfOneNameCountAsOneApprover) {
    const auto id = AwaitingApproval(R"({"required_approvals":2})");
    ASSERT_EQ(Approve(*bob_, id).status, 200u);
    const auto bob_id = SqlValue("SELECT id FROM api_tokens WHERE name = 'bob'");
    ASSERT_EQ(client_->Delete("/api/v1/tokens/" + bob_id).status, 204u);
    auto bob_again = ClientWith(MakeToken("bob", "approver"));
    auto twice = Approve(bob_again, id);
    EXPECT_EQ(twice.status, 409u) << twice.body;
    EXPECT_NE(twice.body.find("token:bob already decided"), std::string::npos) << twice.body;
    EXPECT_EQ(StatusOf(id), "awaiting_approval");
    ASSERT_EQ(Approve(*alice_, id).status, 200u);
    EXPECT_EQ(StatusOf(id), "queued");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
