#include "shared/core/crypto.hpp"
#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kRunbookBody = R"({
    "manifest_id": "manifest-001",
    "instance_id": "instance-prod-01",
    "dry_run": false,
    "skip_validation": false
  })";

class DeploymentApiTest : public ApiTest {
protected:
    // The runbook's world: an instance, a platform and a suite with artifacts, manifest-001.
    void SeedCatalog() {
        ASSERT_EQ(client_->Post("/api/v1/instances", R"({"id":"instance-prod-01"})").status, 201u);
        CreateVersion("platform", "webwaka-platform", "2.0.0");
        CreateVersion("suite", "commerce", "1.5.0");
        ASSERT_EQ(Upload("platform", "webwaka-platform", "2.0.0", "platform bundle").status, 201u);
        ASSERT_EQ(Upload("suite", "commerce", "1.5.0", "commerce bundle").status, 201u);
        auto manifest = client_->Post("/api/v1/manifests", R"({"id":"manifest-001",
            "platform_version":"2.0.0","suites":{"commerce":"1.5.0"}})");
        ASSERT_EQ(manifest.status, 201u) << manifest.body;
        EXPECT_EQ(Str(Object(manifest), "warnings"), "[]");
    }
};

TEST_F(DeploymentApiTest, RunbookDeploymentCreateGetList) {
    SeedCatalog();
    auto created = client_->Post("/api/v1/deployments", kRunbookBody);
    ASSERT_EQ(created.status, 201u) << created.body;
    auto deployment = Object(created);
    std::string id = Str(deployment, "id");
    EXPECT_EQ(id.rfind("deploy-", 0), 0u) << id;
    EXPECT_EQ(Str(deployment, "manifest_id"), "manifest-001");
    EXPECT_EQ(Str(deployment, "instance_id"), "instance-prod-01");
    EXPECT_EQ(Str(deployment, "kind"), "deploy");
    EXPECT_EQ(Str(deployment, "requested_by"), "token:admin");
    EXPECT_EQ(Str(deployment, "created_at").back(), 'Z');
    EXPECT_EQ(deployment.at("plan").as_array().size(), 2u) << Str(deployment, "plan");

    auto got = client_->Get("/api/v1/deployments/" + id);
    ASSERT_EQ(got.status, 200u) << got.body;
    EXPECT_EQ(Str(Object(got), "id"), id);
    EXPECT_FALSE(Object(got).at("events").as_array().empty());
    auto missing = client_->Get("/api/v1/deployments/deploy-001");
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(Str(Object(missing), "detail"), "Deployment not found");

    auto listed = client_->Get("/api/v1/deployments?instance_id=instance-prod-01");
    ASSERT_EQ(listed.status, 200u);
    EXPECT_EQ(Json(listed).as_array().size(), 1u);
    EXPECT_EQ(Json(client_->Get("/api/v1/deployments?instance_id=other")).as_array().size(), 0u);
    EXPECT_EQ(client_->Get("/api/v1/deployments?status=sleeping").status, 422u);
}

TEST_F(DeploymentApiTest, DryRunAnswers200AndStoresNoDeployment) {
    SeedCatalog();
    auto dry = client_->Post(
        "/api/v1/deployments",
        R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01","dry_run":true})");
    ASSERT_EQ(dry.status, 200u) << dry.body;
    EXPECT_EQ(Str(Object(dry), "dry_run"), "true");
    EXPECT_EQ(Object(dry).at("plan").as_array().size(), 2u);
    EXPECT_EQ(Count("deployments"), 0);
}

TEST_F(DeploymentApiTest, OverridesNeedAdminAndRefusalsStoreNothing) {
    SeedCatalog();
    auto operator_client = ClientWith(MakeToken("ops", "operator"));
    EXPECT_EQ(operator_client
                  .Post("/api/v1/deployments",
                        R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01",
                                       "force":true,"reason":"outage"})")
                  .status,
              403u);
    EXPECT_EQ(operator_client
                  .Post("/api/v1/deployments",
                        R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01",
                                       "skip_validation":true})")
                  .status,
              403u);
    EXPECT_EQ(
        client_
            ->Post(
                "/api/v1/deployments",
                R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01","force":true})")
            .status,
        422u);
    EXPECT_EQ(
        client_
            ->Post(
                "/api/v1/deployments",
                R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01","when":"now"})")
            .status,
        422u);
    EXPECT_EQ(
        client_
            ->Post(
                "/api/v1/deployments",
                R"({"manifest_id":"manifest-001","instance_id":"instance-prod-01","dry_run":"no"})")
            .status,
        422u);
    EXPECT_EQ(client_
                  ->Post("/api/v1/deployments",
                         R"({"manifest_id":"manifest-404","instance_id":"instance-prod-01"})")
                  .status,
              404u);
    EXPECT_EQ(Count("deployments"), 0);
    auto viewer = ClientWith(MakeToken("viewer", "viewer"));
    EXPECT_EQ(viewer.Post("/api/v1/deployments", kRunbookBody).status, 403u);
    EXPECT_EQ(operator_client.Post("/api/v1/deployments", kRunbookBody).status, 201u);
}

TEST_F(DeploymentApiTest, EveryMutationIsAuditedAndTheChainVerifies) {
    SeedCatalog();
    ASSERT_EQ(client_->Post("/api/v1/deployments", kRunbookBody).status, 201u);
    ASSERT_EQ(client_->Delete("/api/v1/instances/instance-prod-01").status, 204u);
    auto audit = client_->Get("/api/v1/audit?limit=1000");
    ASSERT_EQ(audit.status, 200u) << audit.body;
    std::vector<std::string> actions;
    boost::json::value entries = Json(audit);
    for (const auto& entry : entries.as_array()) {
        const auto& object = entry.as_object();
        actions.emplace_back(object.at("action").as_string());
        EXPECT_EQ(Str(object, "at").back(), 'Z');
    }
    for (const char* expected : {"instance.create", "release.create", "artifact.upload",
                                 "manifest.create", "deployment.create", "instance.decommission"}) {
        EXPECT_NE(std::find(actions.begin(), actions.end(), expected), actions.end()) << expected;
    }
    auto releases = client_->Get("/api/v1/audit?action=release.create");
    ASSERT_EQ(Json(releases).as_array().size(), 2u);
    EXPECT_EQ(Str(Json(releases).as_array().at(0).as_object(), "actor"), "token:admin");
    auto by_instance = client_->Get("/api/v1/audit?instance_id=instance-prod-01");
    EXPECT_GE(Json(by_instance).as_array().size(), 2u);
    EXPECT_EQ(client_->Get("/api/v1/audit?since=yesterday").status, 422u);
    EXPECT_EQ(Json(client_->Get("/api/v1/audit?since=2200-01-01T00:00:00Z")).as_array().size(), 0u);

    auto page = client_->Get("/api/v1/audit?limit=2");
    ASSERT_EQ(Json(page).as_array().size(), 2u);
    auto next = client_->Get("/api/v1/audit?limit=2&cursor=" + page.Header("X-Next-Cursor"));
    ASSERT_EQ(next.status, 200u) << next.body;
    EXPECT_NE(Str(Json(next).as_array().at(0).as_object(), "seq"),
              Str(Json(page).as_array().at(0).as_object(), "seq"));

    auto verify = client_->Get("/api/v1/audit/verify");
    ASSERT_EQ(verify.status, 200u) << verify.body;
    auto result = Object(verify);
    EXPECT_EQ(Str(result, "ok"), "true") << verify.body;
    EXPECT_EQ(Str(result, "first_bad_seq"), "<null>");
    EXPECT_GE(std::stoi(Str(result, "entries")), 8);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
