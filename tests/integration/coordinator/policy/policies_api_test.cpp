#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

class PolicyApiTest : public ApiTest {
protected:
    void SetUp() override {
        ApiTest::SetUp();
        ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 201u);
    }

    std::vector<std::string> ErrorFields(const test::HttpResult& result) {
        std::vector<std::string> fields;
        const boost::json::object body = Object(result);
        for (const auto& error : body.at("errors").as_array()) {
            fields.emplace_back(error.as_object().at("field").as_string());
        }
        return fields;
    }

    // Expects a 422 naming exactly that field, and nothing stored.
    void ExpectRefused(const test::HttpResult& result, const std::string& field) {
        EXPECT_EQ(result.status, 422u) << result.body;
        if (result.status == 422u) {
            EXPECT_EQ(ErrorFields(result), std::vector<std::string>{field}) << result.body;
        }
    }
};

constexpr const char* kRunbookTarget =
    "/api/v1/policies?instance_id=instance-prod-01&policy_type=manual_approval"
    "&description=Production%20requires%20approval";

TEST_F(PolicyApiTest, RunbookQueryFormCreatesAManualApprovalPolicyWithDefaults) {
    auto created = client_->Post(kRunbookTarget, "");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto policy = Object(created);
    EXPECT_EQ(Str(policy, "id").rfind("policy-", 0), 0u);
    EXPECT_EQ(Str(policy, "instance_id"), "instance-prod-01");
    EXPECT_EQ(Str(policy, "policy_type"), "manual_approval");
    EXPECT_EQ(Str(policy, "description"), "Production requires approval");
    EXPECT_EQ(Str(policy, "enabled"), "true");
    EXPECT_EQ(Str(policy, "maintenance_windows"), "[]");
    EXPECT_EQ(
        Str(policy, "approval"),
        R"({"required_approvals":1,"approver_roles":["approver","admin"],"timeout_hours":72})");
    EXPECT_EQ(Str(policy, "allow_security_patches"), "true");
    EXPECT_EQ(Str(policy, "superseded_at"), "<null>");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'policy.create'"), "1");

    auto got = client_->Get("/api/v1/policies/" + Str(policy, "id"));
    ASSERT_EQ(got.status, 200u);
    EXPECT_EQ(Object(got), policy);
    auto list = client_->Get("/api/v1/policies?instance_id=instance-prod-01");
    ASSERT_EQ(list.status, 200u);
    EXPECT_EQ(Json(list).as_array().size(), 1u);
}

TEST_F(PolicyApiTest, JsonFormCarriesEverySettingAndANewPolicySupersedesTheOld) {
    auto first = client_->Post(kRunbookTarget, "");
    ASSERT_EQ(first.status, 201u);
    auto second = client_->Post("/api/v1/policies", R"({
        "instance_id": "instance-prod-01", "policy_type": "auto_update", "enabled": true,
        "description": "weekend window",
        "maintenance_windows": [{"days": ["sat", "Sunday"], "start": "23:00",
                                 "duration_minutes": 180, "timezone": "Africa/Lagos"}],
        "approval": {"required_approvals": 2, "approver_roles": ["admin"], "timeout_hours": 24},
        "allow_security_patches": false})");
    ASSERT_EQ(second.status, 201u) << second.body;
    auto policy = Object(second);
    EXPECT_EQ(
        Str(policy, "maintenance_windows"),
        R"([{"days":["sat","sun"],"start":"23:00","duration_minutes":180,"timezone":"Africa/Lagos"}])");
    EXPECT_EQ(Str(policy, "approval"),
              R"({"required_approvals":2,"approver_roles":["admin"],"timeout_hours":24})");
    EXPECT_EQ(Str(policy, "allow_security_patches"), "false");

    auto old = Object(client_->Get("/api/v1/policies/" + Str(Object(first), "id")));
    EXPECT_NE(Str(old, "superseded_at"), "<null>");
    EXPECT_EQ(Str(old, "active"), "false");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM policies WHERE superseded_at IS NULL"), "1");
    auto list = Json(client_->Get("/api/v1/policies?instance_id=instance-prod-01")).as_array();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(Str(list[0].as_object(), "id"), Str(policy, "id"));
}

TEST_F(PolicyApiTest, BadInputIsA422NamingTheFieldAndStoresNothing) {
    const long long audit_before = Count("audit_log");
    ExpectRefused(
        client_->Post("/api/v1/policies?instance_id=instance-prod-01&policy_type=yolo", ""),
        "policy_type");
    ExpectRefused(client_->Post("/api/v1/policies?policy_type=frozen", ""), "instance_id");
    const std::string window_prefix =
        R"({"instance_id":"instance-prod-01","policy_type":"auto_update","maintenance_windows":[)";
    ExpectRefused(client_->Post("/api/v1/policies", window_prefix +
                                                        R"({"days":["mon"],"start":"02:00",
        "duration_minutes":60,"timezone":"Mars/Olympus"}]})"),
                  "maintenance_windows[0].timezone");
    ExpectRefused(client_->Post("/api/v1/policies", window_prefix +
                                                        R"({"days":["mon"],"start":"2am",
        "duration_minutes":60,"timezone":"UTC"}]})"),
                  "maintenance_windows[0].start");
    ExpectRefused(client_->Post("/api/v1/policies", window_prefix +
                                                        R"({"days":["mon"],"start":"02:00",
        "duration_minutes":0,"timezone":"UTC"}]})"),
                  "maintenance_windows[0].duration_minutes");
    ExpectRefused(client_->Post("/api/v1/policies", window_prefix +
                                                        R"({"days":["mon"],"start":"02:00",
        "duration_minutes":10081,"timezone":"UTC"}]})"),
                  "maintenance_windows[0].duration_minutes");
    ExpectRefused(client_->Post("/api/v1/policies", window_prefix +
                                                        R"({"days":["someday"],"start":"02:00",
        "duration_minutes":60,"timezone":"UTC"}]})"),
                  "maintenance_windows[0].days");
    ExpectRefused(client_->Post("/api/v1/policies",
                                R"({"instance_id":"instance-prod-01","policy_type":"frozen",
                                    "approval":{"required_approvals":-1}})"),
                  "approval.required_approvals");
    ExpectRefused(client_->Post("/api/v1/policies",
                                R"({"instance_id":"instance-prod-01","policy_type":null})"),
                  "policy_type");
    EXPECT_EQ(Count("policies"), 0);
    EXPECT_EQ(Count("audit_log"), audit_before);
    EXPECT_EQ(client_->Post("/api/v1/policies?instance_id=nope&policy_type=frozen", "").status,
              404u);
}

TEST_F(PolicyApiTest, PutIsPartialAndAnExplicitNullIsA422NotACrash) {
    auto created = Object(client_->Post(kRunbookTarget, ""));
    const std::string target = "/api/v1/policies/" + Str(created, "id");
    auto updated = client_->Put(target, R"({"policy_type":"frozen"})");
    ASSERT_EQ(updated.status, 200u) << updated.body;
    auto policy = Object(updated);
    EXPECT_EQ(Str(policy, "policy_type"), "frozen");
    EXPECT_EQ(Str(policy, "description"), "Production requires approval");
    EXPECT_EQ(Str(policy, "id"), Str(created, "id"));

    for (const char* field :
         {"policy_type", "enabled", "maintenance_windows", "approval", "allow_security_patches"}) {
        ExpectRefused(client_->Put(target, std::string(R"({")") + field + R"(":null})"), field);
    }
    ExpectRefused(client_->Put(target, R"({"instance_id":"other"})"), "instance_id");
    ExpectRefused(client_->Put(target, R"({"colour":"blue"})"), "colour");
    EXPECT_EQ(Str(Object(client_->Get(target)), "policy_type"), "frozen");
    EXPECT_EQ(client_->Put("/api/v1/policies/policy-nope", "{}").status, 404u);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'policy.update'"), "1");
}

TEST_F(PolicyApiTest, DeleteSupersedesAndKeepsHistory) {
    auto created = Object(client_->Post(kRunbookTarget, ""));
    const std::string target = "/api/v1/policies/" + Str(created, "id");
    EXPECT_EQ(client_->Delete(target).status, 204u);
    auto got = client_->Get(target);
    ASSERT_EQ(got.status, 200u);
    EXPECT_NE(Str(Object(got), "superseded_at"), "<null>");
    EXPECT_EQ(client_->Delete(target).status, 409u);
    EXPECT_EQ(client_->Put(target, R"({"enabled":false})").status, 409u);
    EXPECT_EQ(client_->Delete("/api/v1/policies/policy-nope").status, 404u);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'policy.delete'"), "1");
}

TEST_F(PolicyApiTest, MutationsNeedTheOperatorRole) {
    const std::string viewer = MakeToken("viewer-1", "viewer");
    auto as_viewer = ClientWith(viewer);
    EXPECT_EQ(as_viewer.Post(kRunbookTarget, "").status, 403u);
    EXPECT_EQ(as_viewer.Get("/api/v1/policies").status, 200u);
    EXPECT_EQ(ClientWith("").Get("/api/v1/policies").status, 401u);
    const std::string operator_token = MakeToken("operator-1", "operator");
    EXPECT_EQ(ClientWith(operator_token).Post(kRunbookTarget, "").status, 201u);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
