// Fleet rollouts with the real PostgreSQL (docs/rollouts.md): selection by label selector and
// explicit ids, phases driven by scheduler passes, the failure threshold with pause and with the
// fleet revert, frozen members skipped, the controls, refusals that store nothing, and a rollout
// resumed by a new scheduler. Agents are played through the deployment repository (claim and
// complete), so every outcome is chosen by the test.
#include "tests/integration/coordinator/scheduler/rollout_fixture.hpp"
#include "tests/support/pg/migrated_database.hpp"

namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kCanaryThenAll =
    R"("strategy":{"phases":[{"name":"canary","count":1},{"name":"all","percent":100}]})";

TEST_F(RolloutTest, SelectsBySelectorAndIdsAndSpreadsThePhases) {
    Fleet(4);
    auto created = Create(std::string(R"({"manifest_id":"manifest-002",
        "selector":"region in (lagos,ibadan),env=prod","instance_ids":["dev-1"],)") +
                          kCanaryThenAll + "}");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto rollout = Object(created);
    EXPECT_EQ(Str(rollout, "state"), "running");
    EXPECT_EQ(rollout.at("member_count").as_int64(), 3);  // prod-1, prod-3 and dev-1
    EXPECT_EQ(rollout.at("phases").as_array().at(0).as_object().at("members").as_int64(), 1);
    EXPECT_EQ(rollout.at("phases").as_array().at(1).as_object().at("members").as_int64(), 2);
    EXPECT_EQ(Str(rollout, "selector"), "env=prod,region in (ibadan,lagos)");  // canonical
    auto listed = Json(client_->Get("/api/v1/rollouts?state=running")).as_array();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'rollout.create'"), "1");
}

TEST_F(RolloutTest, RefusalsNameTheFieldAndStoreNothing) {
    Fleet(2);
    const auto before = Count("rollouts");
    auto none = Create(R"({"manifest_id":"manifest-002","selector":"env=staging"})");
    EXPECT_EQ(none.status, 422u) << none.body;
    EXPECT_NE(none.body.find("selector"), std::string::npos) << none.body;
    auto unknown = Create(R"({"manifest_id":"manifest-404","selector":"env=prod"})");
    EXPECT_EQ(unknown.status, 404u) << unknown.body;
    EXPECT_NE(unknown.body.find("manifest-404"), std::string::npos) << unknown.body;
    auto short_of_all = Create(R"({"manifest_id":"manifest-002","selector":"env=prod",
        "strategy":{"phases":[{"name":"canary","count":1},{"name":"half","percent":50}]}})");
    EXPECT_EQ(short_of_all.status, 422u) << short_of_all.body;
    EXPECT_NE(short_of_all.body.find("strategy.phases"), std::string::npos) << short_of_all.body;
    auto over = Create(R"({"manifest_id":"manifest-002","selector":"env=prod",
        "strategy":{"max_failures":"150%"}})");
    EXPECT_EQ(over.status, 422u) << over.body;
    EXPECT_NE(over.body.find("strategy.max_failures"), std::string::npos) << over.body;
    auto bad_selector = Create(R"({"manifest_id":"manifest-002","selector":"env in prod"})");
    EXPECT_EQ(bad_selector.status, 422u) << bad_selector.body;
    auto nothing = Create(R"({"manifest_id":"manifest-002"})");
    EXPECT_EQ(nothing.status, 422u) << nothing.body;
    auto viewer = ClientWith(MakeToken("watcher", "viewer"));
    EXPECT_EQ(Create(R"({"manifest_id":"manifest-002","selector":"env=prod"})", &viewer).status,
              403u);
    EXPECT_EQ(Count("rollouts"), before);
    EXPECT_EQ(Count("rollout_members"), 0);
    // Reads and controls name what is wrong too.
    EXPECT_EQ(client_->Get("/api/v1/rollouts/rollout-404").status, 404u);
    EXPECT_EQ(ops_->Post("/api/v1/rollouts/rollout-404/pause", "").status, 404u);
    auto bad_state = client_->Get("/api/v1/rollouts?state=sleeping");
    EXPECT_EQ(bad_state.status, 422u) << bad_state.body;
    EXPECT_NE(bad_state.body.find("state"), std::string::npos) << bad_state.body;
    auto bad_limit = client_->Get("/api/v1/rollouts/rollout-404?member_limit=lots");
    EXPECT_EQ(bad_limit.status, 422u) << bad_limit.body;
    EXPECT_NE(bad_limit.body.find("member_limit"), std::string::npos) << bad_limit.body;
    EXPECT_EQ(ops_->Post("/api/v1/rollouts", "{not json").status, 400u);

    const auto first = CreateOk(R"({"manifest_id":"manifest-002","selector":"env=prod"})");
    auto second = Create(R"({"manifest_id":"manifest-002","instance_ids":["prod-2"]})");
    EXPECT_EQ(second.status, 409u) << second.body;
    EXPECT_NE(second.body.find("prod-2"), std::string::npos) << second.body;
    EXPECT_NE(second.body.find(first), std::string::npos) << second.body;
    EXPECT_EQ(Count("rollouts"), before + 1);
}

TEST_F(RolloutTest, PhasesRunInTurnAndTheRolloutSucceeds) {
    Fleet(3);
    const auto id =
        CreateOk(std::string(R"({"manifest_id":"manifest-002","selector":"env=prod",)") +
                 kCanaryThenAll + "}");
    EXPECT_EQ(Pass().rollouts.members_started, 1);
    auto rollout = Get(id);
    EXPECT_EQ(PhaseCount(rollout, 0, "running"), 1);
    EXPECT_EQ(PhaseCount(rollout, 1, "pending"), 2);
    const auto& members = rollout.at("members").as_array();
    const std::string canary = Str(members.at(0).as_object(), "instance_id");
    EXPECT_FALSE(members.at(0).as_object().at("deployment_id").is_null());
    EXPECT_TRUE(members.at(1).as_object().at("deployment_id").is_null());

    const auto deployment = AgentFinishes(canary, domain::StatusEvent::kAgentSucceeded, "2.1.0");
    EXPECT_EQ(Str(GetDeployment(deployment), "rollout_id"), id);
    Pass();
    rollout = Get(id);
    EXPECT_EQ(rollout.at("current_phase").as_int64(), 1);
    EXPECT_EQ(PhaseCount(rollout, 1, "running"), 2);
    for (const auto& member : rollout.at("members").as_array()) {
        const auto instance = Str(member.as_object(), "instance_id");
        if (instance != canary) {
            AgentFinishes(instance, domain::StatusEvent::kAgentSucceeded, "2.1.0");
        }
    }
    Pass();
    rollout = Get(id);
    EXPECT_EQ(Str(rollout, "state"), "succeeded");
    EXPECT_EQ(rollout.at("totals").as_object().at("succeeded").as_int64(), 3);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM instances WHERE current_manifest_id = "
                       "'manifest-002'"),
              "3");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'rollout.phase'"), "1");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'rollout.complete'"), "1");
    // The members' entries were appended together; the chain still verifies.
    auto verified = Object(client_->Get("/api/v1/audit/verify"));
    EXPECT_TRUE(verified.at("ok").as_bool()) << boost::json::serialize(verified);
    // Finished: its members no longer hold their instances, and it cannot be paused.
    EXPECT_EQ(ops_->Post("/api/v1/rollouts/" + id + "/pause", "").status, 409u);
    const auto next = CreateOk(R"({"manifest_id":"manifest-001","instance_ids":["prod-1"]})");
    // Taken back, it holds its instances again while it reverts, but not prod-1, which the
    // other rollout holds now.
    ASSERT_EQ(ops_->Post("/api/v1/rollouts/" + id + "/revert", R"({"reason":"taken back"})").status,
              200u);
    EXPECT_EQ(
        SqlValue("SELECT count(*) FROM rollout_members WHERE active AND rollout_id = '" + id + "'"),
        "2");
    EXPECT_EQ(SqlValue("SELECT rollout_id FROM rollout_members WHERE active AND instance_id = "
                       "'prod-1'"),
              next);
}

TEST_F(RolloutTest, QueuedMembersAreClaimedTogetherOncePerInstance) {
    Fleet(4);
    const auto id = CreateOk(R"({"manifest_id":"manifest-002","selector":"env=prod"})");
    EXPECT_EQ(Pass().rollouts.members_started, 4);  // no agent connected: all stay queued
    auto& deployments = core_->Repositories().deployments;
    auto claimed = test::RunSync(deployments.ClaimBatch({"prod-1", "prod-2", "prod-3"}));
    ASSERT_TRUE(claimed) << claimed.error().message;
    ASSERT_EQ(claimed->size(), 3u);
    for (const auto& dispatch : *claimed) {
        EXPECT_EQ(dispatch.deployment.status, domain::DeploymentStatus::kDeploying);
        ASSERT_EQ(dispatch.deployment.plan.size(), 1u);
        EXPECT_EQ(dispatch.deployment.plan[0].to_version, "2.1.0");
        EXPECT_EQ(dispatch.deployment.rollout_id, id);
    }
    // One in flight per instance: claiming again gets nothing for them, prod-4 its own.
    auto again = test::RunSync(deployments.ClaimBatch({"prod-1", "prod-2", "prod-3", "prod-4"}));
    ASSERT_TRUE(again) << again.error().message;
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ(again->front().deployment.instance_id, "prod-4");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployment_events e JOIN deployments d ON d.id = "
                       "e.deployment_id WHERE d.rollout_id = '" +
                       id + "' AND e.message = 'instruction sent to the agent'"),
              "4");
    EXPECT_EQ(PhaseCount(Get(id), 0, "running"), 4);
}

TEST_F(RolloutTest, ConcurrencyCapsTheMembersInFlight) {
    Fleet(5);
    const auto id = CreateOk(
        R"({"manifest_id":"manifest-002","selector":"env=prod","strategy":{"max_concurrency":2}})");
    Pass();
    auto rollout = Get(id);
    EXPECT_EQ(PhaseCount(rollout, 0, "running"), 2);
    EXPECT_EQ(PhaseCount(rollout, 0, "pending"), 3);
    AgentFinishes(Str(rollout.at("members").as_array().at(0).as_object(), "instance_id"),
                  domain::StatusEvent::kAgentSucceeded, "2.1.0");
    Pass();
    rollout = Get(id);
    EXPECT_EQ(PhaseCount(rollout, 0, "running"), 2);
    EXPECT_EQ(PhaseCount(rollout, 0, "succeeded"), 1);
}

TEST_F(RolloutTest, CrossingTheThresholdPausesAndResumeGoesOn) {
    Fleet(4);
    const auto id = CreateOk(R"({"manifest_id":"manifest-002","selector":"env=prod",
        "strategy":{"phases":[{"name":"canary","count":1},{"name":"all","percent":100}]}})");
    Pass();
    auto members = Get(id).at("members").as_array();
    AgentFinishes(Str(members.at(0).as_object(), "instance_id"),
                  domain::StatusEvent::kAgentRolledBack, "2.0.0");
    Pass();
    auto rollout = Get(id);
    EXPECT_EQ(Str(rollout, "state"), "paused");
    EXPECT_NE(Str(rollout, "state_reason").find("phase canary: 1 of 1 members failed"),
              std::string::npos)
        << Str(rollout, "state_reason");
    EXPECT_EQ(PhaseCount(rollout, 1, "pending"), 3);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'rollout.threshold'"), "1");
    // Resumed as it is, the threshold stops it again at once: an operator decides what next.
    ASSERT_EQ(ops_->Post("/api/v1/rollouts/" + id + "/resume", "").status, 200u);
    Pass();
    EXPECT_EQ(Str(Get(id), "state"), "paused");
    auto aborted = ops_->Post("/api/v1/rollouts/" + id + "/abort", "");
    EXPECT_EQ(aborted.status, 422u) << aborted.body;  // a reason is required
    aborted = ops_->Post("/api/v1/rollouts/" + id + "/abort", R"({"reason":"bad build"})");
    ASSERT_EQ(aborted.status, 200u) << aborted.body;
    rollout = Object(aborted);
    EXPECT_EQ(Str(rollout, "state"), "aborted");
    EXPECT_EQ(PhaseCount(rollout, 1, "cancelled"), 3);
}

TEST_F(RolloutTest, RevertPutsEveryChangedMemberBack) {
    Fleet(4);
    EveryoneOnManifest001(4);
    const auto id = CreateOk(R"({"manifest_id":"manifest-002","selector":"env=prod",
        "strategy":{"phases":[{"name":"first","count":2},{"name":"all","percent":100}],
                    "on_failure":"revert"}})");
    Pass();
    auto members = Get(id).at("members").as_array();
    const auto good = Str(members.at(0).as_object(), "instance_id");
    const auto bad = Str(members.at(1).as_object(), "instance_id");
    AgentFinishes(good, domain::StatusEvent::kAgentSucceeded, "2.1.0");
    AgentFinishes(bad, domain::StatusEvent::kAgentFailed, "2.1.0");
    Pass();
    auto rollout = Get(id);
    EXPECT_EQ(Str(rollout, "state"), "reverting");
    EXPECT_EQ(PhaseCount(rollout, 1, "cancelled"), 2);
    // The changed member got a rollback to manifest-001 naming the rollout; the failed one kept
    // manifest-001 as its current manifest and is left as its agent reported it.
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployments WHERE rollout_id = '" + id +
                       "' AND kind = 'rollback' AND manifest_id = 'manifest-001' AND reason LIKE "
                       "'rollout " +
                       id + " reverted:%'"),
              "1");
    EXPECT_EQ(SqlValue("SELECT instance_id FROM deployments WHERE rollout_id = '" + id +
                       "' AND kind = 'rollback'"),
              good);
    AgentFinishes(good, domain::StatusEvent::kAgentSucceeded, "2.0.0");
    Pass();
    rollout = Get(id);
    EXPECT_EQ(Str(rollout, "state"), "reverted");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM instances WHERE current_manifest_id = "
                       "'manifest-001'"),
              "4");
    // The untouched members never had a deployment of this rollout.
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployments WHERE rollout_id = '" + id +
                       "' AND kind = 'deploy'"),
              "2");
}

TEST_F(RolloutTest, AFrozenMemberIsSkippedWithTheReason) {
    Fleet(2);
    auto frozen =
        client_->Post("/api/v1/policies", R"({"instance_id":"prod-1","policy_type":"frozen"})");
    ASSERT_EQ(frozen.status, 201u) << frozen.body;
    const auto id = CreateOk(R"({"manifest_id":"manifest-002","selector":"env=prod"})");
    Pass();
    auto rollout = Get(id);
    EXPECT_EQ(PhaseCount(rollout, 0, "skipped"), 1);
    EXPECT_EQ(PhaseCount(rollout, 0, "running"), 1);
    for (const auto& member : rollout.at("members").as_array()) {
        if (Str(member.as_object(), "instance_id") == "prod-1") {
            EXPECT_EQ(Str(member.as_object(), "status"), "skipped");
            EXPECT_NE(Str(member.as_object(), "reason").find("frozen"), std::string::npos)
                << Str(member.as_object(), "reason");
        }
    }
    AgentFinishes("prod-2", domain::StatusEvent::kAgentSucceeded, "2.1.0");
    Pass();
    EXPECT_EQ(Str(Get(id), "state"), "succeeded");
}

TEST_F(RolloutTest, OneApprovalApprovesEveryMemberButNotFromItsCreator) {
    Fleet(2);
    for (const char* id : {"prod-1", "prod-2"}) {
        auto policy =
            client_->Post("/api/v1/policies", std::string(R"({"instance_id":")") + id +
                                                  R"(","policy_type":"manual_approval"})");
        ASSERT_EQ(policy.status, 201u) << policy.body;
    }
    const auto id = CreateOk(R"({"manifest_id":"manifest-002","selector":"env=prod"})");
    Pass();
    auto rollout = Get(id);
    EXPECT_EQ(PhaseCount(rollout, 0, "waiting"), 2);  // awaiting approval: waiting, not failed
    // Four-eyes per member: the rollout's creator requested every member's deployment.
    auto own = ops_->Post("/api/v1/rollouts/" + id + "/approve", R"({"comment":"mine"})");
    ASSERT_EQ(own.status, 200u) << own.body;
    EXPECT_EQ(Object(own).at("approved").as_int64(), 0);
    EXPECT_EQ(Object(own).at("refused").as_array().size(), 2u);
    // A role the copied rule does not list is refused for every member, each audited.
    auto viewer = ClientWith(MakeToken("watcher", "viewer"));
    auto by_role = viewer.Post("/api/v1/rollouts/" + id + "/approve", "{}");
    ASSERT_EQ(by_role.status, 200u) << by_role.body;
    const auto role_refusals = Object(by_role).at("refused").as_array();
    ASSERT_EQ(role_refusals.size(), 2u);
    EXPECT_NE(Str(role_refusals[0].as_object(), "detail").find("needs one of the roles"),
              std::string::npos)
        << by_role.body;
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'deployment.approve' AND "
                       "decision = 'refused'"),
              "4");
    EXPECT_EQ(Count("approvals"), 0);
    auto approved = alice_->Post("/api/v1/rollouts/" + id + "/approve", R"({"comment":"CAB-1"})");
    ASSERT_EQ(approved.status, 200u) << approved.body;
    EXPECT_EQ(Object(approved).at("approved").as_int64(), 2);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployments WHERE rollout_id = '" + id +
                       "' AND status = 'queued'"),
              "2");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'deployment.approve' AND "
                       "actor = 'token:alice'"),
              "2");
    EXPECT_EQ(PhaseCount(Get(id), 0, "running"), 2);
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployment_events WHERE message LIKE 'approvals "
                       "complete%'"),
              "2");
    auto verified = Object(client_->Get("/api/v1/audit/verify"));
    EXPECT_TRUE(verified.at("ok").as_bool()) << boost::json::serialize(verified);
}

// A window defers a member (waiting, not failed); once it should run, a member whose agent has not
// been seen for unreachable_minutes (15) counts as failed.
TEST_F(RolloutTest, AClosedWindowMakesMembersWaitAndAnUnseenAgentCountsAsFailed) {
    Fleet(2);
    for (const char* instance : {"prod-1", "prod-2"}) {
        auto policy = client_->Post("/api/v1/policies",
                                    std::string(R"({"instance_id":")") + instance +
                                        R"(","policy_type":"auto_update","maintenance_windows":)" +
                                        kMondayWindow + "}");
        ASSERT_EQ(policy.status, 201u) << policy.body;
    }
    const auto id = CreateOk(R"({"manifest_id":"manifest-002","selector":"env=prod"})");
    Pass();  // 09:00, the window opens at 10:00
    EXPECT_EQ(PhaseCount(Get(id), 0, "waiting"), 2);
    clock_.Set(At(10, 5));
    // prod-1's agent heartbeats; prod-2's was never seen.
    Exec(
        "UPDATE instances SET connection_state = 'connected', last_seen_at = "
        "'2030-01-07T10:04:00Z' WHERE id = 'prod-1'");
    Pass();
    auto rollout = Get(id);
    EXPECT_EQ(PhaseCount(rollout, 0, "running"), 1);
    EXPECT_EQ(PhaseCount(rollout, 0, "failed"), 1);
    for (const auto& member : rollout.at("members").as_array()) {
        EXPECT_EQ(Str(member.as_object(), "status"),
                  Str(member.as_object(), "instance_id") == "prod-1" ? "running" : "failed");
    }
    EXPECT_EQ(Str(rollout, "state"), "paused");
}

TEST_F(RolloutTest, ANewSchedulerResumesWhereTheLastStopped) {
    Fleet(3);
    const auto id =
        CreateOk(std::string(R"({"manifest_id":"manifest-002","selector":"env=prod",)") +
                 kCanaryThenAll + "}");
    Pass();
    const auto canary = Str(Get(id).at("members").as_array().at(0).as_object(), "instance_id");
    AgentFinishes(canary, domain::StatusEvent::kAgentSucceeded, "2.1.0");
    // The coordinator restarts: a new scheduler (and its leader lock) over the same database.
    scheduler_.reset();
    deploy::SchedulerOptions options;
    options.auto_update = false;
    scheduler_ = core_->MakeScheduler(io_.get_executor(), options);
    Pass();
    auto rollout = Get(id);
    EXPECT_EQ(rollout.at("current_phase").as_int64(), 1);
    EXPECT_EQ(PhaseCount(rollout, 1, "running"), 2);
}

// rollouts.batch_size bounds one transaction, not the pass: a phase larger than a batch starts in
// several batches within the same pass.
class SmallBatchRolloutTest : public RolloutTest {
protected:
    void AdjustCoreOptions(app::CoreOptions& options) override { options.rollouts.batch_size = 2; }
};

TEST_F(SmallBatchRolloutTest, APhaseLargerThanABatchStartsInOnePass) {
    Fleet(5);
    const auto id = CreateOk(R"({"manifest_id":"manifest-002","selector":"env=prod"})");
    EXPECT_EQ(Pass().rollouts.members_started, 5);
    EXPECT_EQ(PhaseCount(Get(id), 0, "running"), 5);
    // Three batches of at most two, all in this one pass.
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployments WHERE rollout_id = '" + id + "'"), "5");
}

}  // namespace
}  // namespace waka::coordinator::api::testing
