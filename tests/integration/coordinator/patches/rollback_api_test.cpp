#include "coordinator/deploy/scheduler.hpp"
#include "tests/integration/coordinator/patches/patch_fixture.hpp"
#include "tests/support/pg/migrated_database.hpp"

// POST/GET /api/v1/rollback (docs/patches-and-rollback.md).
namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kRunbookRollback = R"({
    "to_manifest_id": "manifest-001",
    "reason": "Deployment caused performance degradation",
    "dry_run": false,
    "skip_validation": false
  })";
constexpr const char* kRollbackPath = "/api/v1/rollback?instance_id=instance-prod-01";

class RollbackApiTest : public PatchRollbackTest {
protected:
    // manifest-001 then manifest-002 deployed: the instance is on manifest-002.
    void DeployOneThenTwo() {
        Deployed("manifest-001");
        Deployed("manifest-002");
        ASSERT_EQ(SqlValue("SELECT current_manifest_id FROM instances"), "manifest-002");
    }
};

TEST_F(RollbackApiTest, RunbookRollbackUnderFrozenRunsNowAndCompletesOnTheAgent) {
    DeployOneThenTwo();
    SetPolicy("instance-prod-01", "frozen");
    auto created = client_->Post(kRollbackPath, kRunbookRollback);
    ASSERT_EQ(created.status, 201u) << created.body;
    auto rollback = Object(created);
    const std::string id = Str(rollback, "id");
    EXPECT_EQ(id.rfind("deploy-", 0), 0u) << id;
    EXPECT_EQ(Str(rollback, "status"), "pending");
    EXPECT_EQ(Str(rollback, "deployment_status"), "queued");
    EXPECT_EQ(Str(rollback, "from_manifest_id"), "manifest-002");
    EXPECT_EQ(Str(rollback, "to_manifest_id"), "manifest-001");
    EXPECT_EQ(Str(rollback, "reason"), "Deployment caused performance degradation");
    EXPECT_EQ(Str(rollback, "initiated_at").back(), 'Z');
    ASSERT_EQ(rollback.at("plan").as_array().size(), 1u) << Str(rollback, "plan");
    const auto& step = rollback.at("plan").as_array()[0].as_object();
    EXPECT_EQ(Str(step, "from_version"), "2.1.0");
    EXPECT_EQ(Str(step, "to_version"), "2.0.0");
    EXPECT_EQ(Str(Object(client_->Get("/api/v1/deployments/" + id)), "kind"), "rollback");
    EXPECT_EQ(SqlValue("SELECT decision || ' ' || reason FROM audit_log WHERE action = "
                       "'rollback.create'"),
              "allowed Deployment caused performance degradation; policy: rollback runs now under "
              "every policy");

    FinishOnAgent(id, "instance-prod-01", true);
    auto got = client_->Get("/api/v1/rollback/" + id);
    ASSERT_EQ(got.status, 200u) << got.body;
    EXPECT_EQ(Str(Object(got), "status"), "completed");
    EXPECT_NE(Str(Object(got), "completed_at"), "<null>");
    EXPECT_FALSE(Object(got).at("events").as_array().empty());
    EXPECT_EQ(SqlValue("SELECT current_manifest_id FROM instances"), "manifest-001");

    auto listed = client_->Get("/api/v1/rollback?instance_id=instance-prod-01");
    ASSERT_EQ(listed.status, 200u) << listed.body;
    ASSERT_EQ(Json(listed).as_array().size(), 1u);
    EXPECT_EQ(Str(Json(listed).as_array()[0].as_object(), "id"), id);
    EXPECT_EQ(Json(client_->Get("/api/v1/rollback?instance_id=other")).as_array().size(), 0u);
    EXPECT_EQ(Json(client_->Get("/api/v1/rollback")).as_array().size(), 1u);
}

TEST_F(RollbackApiTest, HistoryCountsRollbacksAndListsTheManifestsToGoBackTo) {
    DeployOneThenTwo();
    auto first = client_->Post(kRollbackPath, kRunbookRollback);
    ASSERT_EQ(first.status, 201u) << first.body;
    const std::string first_id = Str(Object(first), "id");
    FinishOnAgent(first_id, "instance-prod-01", true);

    // The version the rollback removed is quarantined: going back to it is refused by validation.
    auto quarantined = client_->Get("/api/v1/instances/instance-prod-01/quarantine");
    ASSERT_EQ(quarantined.status, 200u) << quarantined.body;
    ASSERT_EQ(Json(quarantined).as_array().size(), 1u) << quarantined.body;
    auto entry = Json(quarantined).as_array()[0].as_object();
    EXPECT_EQ(Str(entry, "component_type") + ":" + Str(entry, "component_name") + " " +
                  Str(entry, "version"),
              "platform:webwaka-platform 2.1.0");
    EXPECT_EQ(Str(entry, "deployment_id"), first_id);
    EXPECT_EQ(Str(entry, "reason"), "removed by rollback " + first_id);
    auto refused = client_->Post(kRollbackPath, R"({"reason":"try 002 again"})");
    EXPECT_EQ(refused.status, 409u) << refused.body;
    EXPECT_NE(Str(Object(refused), "detail").find("quarantined"), std::string::npos);

    // An operator clears it with a reason.
    const std::string clear =
        "/api/v1/instances/instance-prod-01/quarantine/" + Str(entry, "id") + "/clear";
    EXPECT_EQ(client_->Post(clear, "{}").status, 422u);
    auto cleared = client_->Post(clear, R"({"reason":"2.1.1 hotfix ships the fix"})");
    ASSERT_EQ(cleared.status, 200u) << cleared.body;
    EXPECT_EQ(Str(Object(cleared), "active"), "false");
    EXPECT_EQ(Str(Object(cleared), "cleared_by"), "token:admin");
    EXPECT_EQ(client_->Post(clear, R"({"reason":"again"})").status, 409u);
    EXPECT_EQ(
        client_
            ->Post("/api/v1/instances/instance-prod-01/quarantine/q-404/clear", R"({"reason":"x"})")
            .status,
        404u);
    EXPECT_EQ(Json(client_->Get("/api/v1/instances/instance-prod-01/quarantine")).as_array().size(),
              0u);
    EXPECT_EQ(
        Json(client_->Get("/api/v1/instances/instance-prod-01/quarantine?include_cleared=true"))
            .as_array()
            .size(),
        1u);
    EXPECT_EQ(client_->Get("/api/v1/instances/nobody/quarantine").status, 404u);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action IN ('quarantine.add', "
                       "'quarantine.clear')"),
              "2");

    // Back to manifest-002 by default (the one before the current), and the agent fails it: the
    // version it tried is quarantined again.
    auto second = client_->Post(kRollbackPath, R"({"reason":"try 002 again"})");
    ASSERT_EQ(second.status, 201u) << second.body;
    EXPECT_EQ(Str(Object(second), "to_manifest_id"), "manifest-002");
    FinishOnAgent(Str(Object(second), "id"), "instance-prod-01", false);
    EXPECT_EQ(Str(Object(client_->Get("/api/v1/rollback/" + Str(Object(second), "id"))), "status"),
              "failed");
    auto again = Json(client_->Get("/api/v1/instances/instance-prod-01/quarantine")).as_array();
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(Str(again[0].as_object(), "reason"),
              "rolled_back in deployment " + Str(Object(second), "id") + ": health check failed");

    auto history = client_->Get("/api/v1/rollback/history/instance-prod-01");
    ASSERT_EQ(history.status, 200u) << history.body;
    auto body = Object(history);
    EXPECT_EQ(Str(body, "instance_id"), "instance-prod-01");
    EXPECT_EQ(Str(body, "total_rollbacks"), "2");
    EXPECT_EQ(Str(body, "successful_rollbacks"), "1");
    EXPECT_EQ(Str(body, "failed_rollbacks"), "1");
    EXPECT_EQ(body.at("recent_rollbacks").as_array().size(), 2u);
    EXPECT_EQ(Str(body, "current_manifest_id"), "manifest-001");
    EXPECT_EQ(Str(body, "default_target_manifest_id"), "manifest-002");
    const auto& available = body.at("available_manifests").as_array();
    ASSERT_EQ(available.size(), 1u) << Str(body, "available_manifests");
    EXPECT_EQ(Str(available[0].as_object(), "manifest_id"), "manifest-002");
    ASSERT_EQ(body.at("deployments").as_array().size(), 3u);
    EXPECT_EQ(Str(body.at("deployments").as_array()[0].as_object(), "kind"), "rollback");
    EXPECT_EQ(client_->Get("/api/v1/rollback/history/nobody").status, 404u);
}

TEST_F(RollbackApiTest, DryRunAnswersThePlanAndStoresOnlyAnAuditEntry) {
    DeployOneThenTwo();
    SetPolicy("instance-prod-01", "manual_approval");
    const auto before = Count("deployments");
    auto dry = client_->Post(kRollbackPath, R"({"reason":"check","dry_run":true})");
    ASSERT_EQ(dry.status, 200u) << dry.body;
    EXPECT_EQ(Str(Object(dry), "decision"), "allowed");
    EXPECT_EQ(Str(Object(dry), "to_manifest_id"), "manifest-001");
    EXPECT_EQ(Object(dry).at("plan").as_array().size(), 1u);
    EXPECT_EQ(Count("deployments"), before);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'rollback.dry_run'"), "1");

    // Manual approval does not hold a rollback back either.
    auto created = client_->Post(kRollbackPath, R"({"reason":"now"})");
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(Str(Object(created), "deployment_status"), "queued");
}

TEST_F(RollbackApiTest, RefusalsNameTheProblemAndStoreNothing) {
    Deployed("manifest-001");
    const auto deployments = Count("deployments");
    const auto audit = Count("audit_log");
    struct Case {
        std::string target;
        std::string body;
        unsigned status;
        std::string detail;
    };
    const Case cases[] = {
        {kRollbackPath, R"({"reason":"no earlier one"})", 409u, "never ran a manifest before"},
        {kRollbackPath, R"({"to_manifest_id":"manifest-001","reason":"x"})", 409u,
         "already the current manifest"},
        {kRollbackPath, R"({"to_manifest_id":"manifest-404","reason":"x"})", 404u,
         "Manifest manifest-404 not found"},
        {kRollbackPath, R"({"to_manifest_id":"manifest-003","reason":"x"})", 409u,
         "never ran on instance-prod-01"},
        {kRollbackPath, R"({"to_manifest_id":"manifest-002"})", 422u, "reason"},
        {kRollbackPath, R"({"to_manifest_id":"manifest-002","reason":"  "})", 422u, "reason"},
        {kRollbackPath, R"({"reason":"x","color":"red"})", 422u, "color"},
        {kRollbackPath, R"({"reason":"x","dry_run":"yes"})", 422u, "dry_run"},
        {kRollbackPath, "[1]", 400u, ""},
        {"/api/v1/rollback", R"({"reason":"x"})", 422u, "instance_id"},
        {"/api/v1/rollback?instance_id=nobody", R"({"reason":"x"})", 404u,
         "Instance nobody not found"},
        {"/api/v1/rollback?instance_id=instance-prod-01", R"({"reason":"x","instance_id":"b"})",
         422u, "different instances"},
    };
    for (const auto& c : cases) {
        auto answer = client_->Post(c.target, c.body);
        EXPECT_EQ(answer.status, c.status) << c.body << " -> " << answer.body;
        EXPECT_NE(Str(Object(answer), "detail").find(c.detail), std::string::npos)
            << c.body << " -> " << answer.body;
    }
    AddInstance("instance-new");
    auto fresh = client_->Post("/api/v1/rollback?instance_id=instance-new", R"({"reason":"x"})");
    EXPECT_EQ(fresh.status, 409u) << fresh.body;
    EXPECT_NE(Str(Object(fresh), "detail").find("no current manifest"), std::string::npos);
    EXPECT_EQ(Count("deployments"), deployments);
    EXPECT_EQ(Count("audit_log"), audit + 1);  // the instance registration only

    EXPECT_EQ(client_->Get("/api/v1/rollback/deploy-404").status, 404u);
    const std::string deployment = SqlValue("SELECT id FROM deployments LIMIT 1");
    auto not_rollback = client_->Get("/api/v1/rollback/" + deployment);
    EXPECT_EQ(not_rollback.status, 404u);
    EXPECT_EQ(Str(Object(not_rollback), "detail"), "Rollback not found");
    EXPECT_EQ(client_->Get("/api/v1/rollback?limit=0").status, 422u);
}

TEST_F(RollbackApiTest, SkipValidationIsForAdminsAndViewersCannotRollBack) {
    DeployOneThenTwo();
    auto op = ClientWith(MakeToken("ops", "operator"));
    auto viewer = ClientWith(MakeToken("watcher", "viewer"));
    auto skip = op.Post(kRollbackPath, R"({"reason":"x","skip_validation":true})");
    EXPECT_EQ(skip.status, 403u) << skip.body;
    EXPECT_NE(Str(Object(skip), "detail").find("skip_validation needs the admin role"),
              std::string::npos);
    EXPECT_EQ(viewer.Post(kRollbackPath, R"({"reason":"x"})").status, 403u);
    EXPECT_EQ(viewer.Get("/api/v1/rollback").status, 200u);
    EXPECT_EQ(Count("deployments"), 2);

    auto admin = client_->Post(kRollbackPath, R"({"reason":"x","skip_validation":true})");
    ASSERT_EQ(admin.status, 201u) << admin.body;
    EXPECT_EQ(Str(Object(admin), "skip_validation"), "true");
    auto by_operator = op.Post(kRollbackPath, R"({"reason":"queued behind the first"})");
    EXPECT_EQ(by_operator.status, 201u) << by_operator.body;
    EXPECT_EQ(Str(Object(by_operator), "requested_by"), "token:ops");
}

// docs/design.md §4.1: after a rollback, auto-update does not bring the removed version back until
// an operator clears its quarantine, while the instance's other components still move. Two
// instances with the same history; only one is cleared.
TEST_F(RollbackApiTest, AutoUpdateDoesNotBringARolledBackVersionBack) {
    AddInstance("instance-cleared");
    for (const char* instance : {"instance-prod-01", "instance-cleared"}) {
        Deployed("manifest-001", instance);
        Deployed("manifest-002", instance);
        auto rollback = client_->Post(std::string("/api/v1/rollback?instance_id=") + instance,
                                      kRunbookRollback);
        ASSERT_EQ(rollback.status, 201u) << rollback.body;
        FinishOnAgent(Str(Object(rollback), "id"), instance, true);
    }
    const std::string id =
        SqlValue("SELECT id FROM quarantines WHERE instance_id = 'instance-cleared'");
    auto cleared = client_->Post("/api/v1/instances/instance-cleared/quarantine/" + id + "/clear",
                                 R"({"reason":"fixed in place"})");
    ASSERT_EQ(cleared.status, 200u) << cleared.body;

    auto owned = core_->MakeScheduler(io_.get_executor(), deploy::SchedulerOptions{});
    deploy::Scheduler& scheduler = *owned;
    auto report = test::RunSync(scheduler.RunOnce());
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->auto_updates, 2);
    EXPECT_EQ(SqlValue("SELECT string_agg(instance_id, ',' ORDER BY instance_id) FROM deployments "
                       "WHERE status = 'queued'"),
              "instance-cleared,instance-prod-01");
    const auto platform_moves = [this](const std::string& instance) {
        return SqlValue(
            "SELECT count(*) FROM deployments d, jsonb_array_elements(d.plan) p "
            "WHERE d.status = 'queued' AND d.instance_id = '" +
            instance + "' AND p->>'name' = 'webwaka-platform' AND p->>'to_version' = '2.1.0'");
    };
    EXPECT_EQ(platform_moves("instance-prod-01"), "0");  // quarantined: left out
    EXPECT_EQ(platform_moves("instance-cleared"), "1");  // cleared: offered again
    EXPECT_EQ(SqlValue("SELECT current_manifest_id FROM instances WHERE id = 'instance-prod-01'"),
              "manifest-001");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
