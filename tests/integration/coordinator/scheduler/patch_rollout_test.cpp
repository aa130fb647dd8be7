// Security patches through the rollout engine (docs/rollouts.md "Patch rollouts", ADR 0038), with
// the real PostgreSQL: enforcement paced by its strategy, one patched manifest for members that
// share a manifest, the threshold, the hand-made patch rollout restricted to affected instances,
// its refusals, and patch rollouts beside a deploy rollout. Agents are played through the
// deployment repository, as in rollout_test.cpp.
#include "tests/integration/coordinator/scheduler/rollout_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

constexpr const char* kCriticalPlatform =
    R"({"patch_id":"patch-crit","component_type":"platform","component_name":"webwaka-platform",
        "affected_versions":"<2.1.0","patched_version":"2.1.0","severity":"critical"})";

// Enforcement with one member at a time and no failure allowed: pacing and the threshold show
// with a few instances.
class PatchRolloutTest : public RolloutTest {
protected:
    void AdjustCoreOptions(app::CoreOptions& options) override {
        options.patches.enforcement.max_concurrency = domain::Amount{false, 1};
        options.patches.enforcement.max_failures = domain::Amount{false, 0};
    }

    // Registers the patch and waits for its enforcement's audit entry; answers the rollout id it
    // names (empty when none).
    std::string Register(const char* body) {
        auto created = client_->Post("/api/v1/security/patches", body);
        EXPECT_EQ(created.status, 201u) << created.body;
        const std::string id = Str(Object(created), "id");
        const std::string entry =
            "FROM audit_log WHERE action = 'patch.enforce' AND target_id = '" + id + "'";
        EXPECT_TRUE(WaitForSql("SELECT count(*) " + entry, "1"));
        return SqlValue("SELECT COALESCE(details->>'rollout_id', '') " + entry);
    }

    std::string QueuedPatchOn() {
        return SqlValue(
            "SELECT string_agg(instance_id, ',' ORDER BY instance_id) FROM deployments "
            "WHERE kind = 'patch' AND status = 'queued'");
    }
};

TEST_F(PatchRolloutTest, EnforcementIsARolloutPacedByItsStrategyThatStopsAtTheThreshold) {
    Fleet(4);
    EveryoneOnManifest001(4);  // dev-1 has no manifest: not affected
    const auto id = Register(kCriticalPlatform);
    ASSERT_FALSE(id.empty());
    auto rollout = Get(id);
    EXPECT_EQ(Str(rollout, "patch_id"), "patch-crit");
    EXPECT_TRUE(rollout.at("manifest_id").is_null());
    EXPECT_TRUE(rollout.at("enforced").as_bool());
    EXPECT_EQ(rollout.at("member_count").as_int64(), 4);
    EXPECT_EQ(Str(rollout, "created_by"), "system");
    // The first member started at once, without a scheduler pass; one at a time.
    ASSERT_TRUE(WaitForSql("SELECT count(*) FROM deployments WHERE kind = 'patch'", "1"));
    Pass();
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployments WHERE kind = 'patch'"), "1");
    const auto first = QueuedPatchOn();
    AgentFinishes(first, domain::StatusEvent::kAgentSucceeded, "2.1.0");
    Pass();
    const auto second = QueuedPatchOn();
    ASSERT_FALSE(second.empty());
    EXPECT_NE(second, first);
    // Every member shares manifest-001: one patched manifest, shared, serves them all.
    EXPECT_EQ(SqlValue("SELECT count(DISTINCT manifest_id) FROM deployments WHERE kind = 'patch'"),
              "1");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM manifests m JOIN deployments d ON d.manifest_id = "
                       "m.id WHERE d.kind = 'patch' AND m.instance_id IS NULL AND "
                       "m.platform_version = '2.1.0'"),
              "2");
    EXPECT_EQ(SqlValue("SELECT string_agg(DISTINCT p.patch_id || '/' || p.enforced::text, ',') "
                       "FROM patch_deployments p"),
              "patch-crit/true");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM audit_log WHERE action = 'patch.create' AND "
                       "details->>'patch_id' = 'patch-crit'"),
              "2");
    // The second fails: with no failure allowed the rollout pauses and starts nobody else.
    AgentFinishes(second, domain::StatusEvent::kAgentRolledBack, "2.0.0");
    Pass();
    rollout = Get(id);
    EXPECT_EQ(Str(rollout, "state"), "paused");
    EXPECT_EQ(SqlValue("SELECT count(*) FROM deployments WHERE kind = 'patch'"), "2");
    auto compliance = Object(client_->Get("/api/v1/security/compliance"));
    const auto entry = compliance.at("patches").as_array().at(0).as_object();
    EXPECT_EQ(Str(entry, "patched"), "1");
    EXPECT_EQ(Str(entry, "failed"), "1");
}

TEST_F(PatchRolloutTest, AHandMadePatchRolloutTakesOnlyAffectedInstancesAndRefusesClearly) {
    Fleet(4);
    EveryoneOnManifest001(4);
    const auto enforcement = Register(kCriticalPlatform);
    ASSERT_FALSE(enforcement.empty());
    const std::string path = "/api/v1/security/patches/patch-crit/rollout";
    // One rollout of a patch at a time.
    auto busy = ops_->Post(path, R"({"selector":"region=lagos"})");
    EXPECT_EQ(busy.status, 409u) << busy.body;
    EXPECT_NE(busy.body.find(enforcement), std::string::npos) << busy.body;
    ASSERT_EQ(
        ops_->Post("/api/v1/rollouts/" + enforcement + "/abort", R"({"reason":"by hand"})").status,
        200u);
    const auto rollouts = Count("rollouts");
    auto unknown = ops_->Post("/api/v1/security/patches/patch-nope/rollout", "{}");
    EXPECT_EQ(unknown.status, 404u) << unknown.body;
    EXPECT_NE(unknown.body.find("patch-nope"), std::string::npos) << unknown.body;
    auto with_manifest = ops_->Post(path, R"({"manifest_id":"manifest-002"})");
    EXPECT_EQ(with_manifest.status, 422u) << with_manifest.body;
    EXPECT_NE(with_manifest.body.find("manifest_id"), std::string::npos) << with_manifest.body;
    auto unaffected = ops_->Post(path, R"({"selector":"env=dev"})");  // dev-1 runs nothing
    EXPECT_EQ(unaffected.status, 422u) << unaffected.body;
    EXPECT_NE(unaffected.body.find("selector"), std::string::npos) << unaffected.body;
    auto bad_strategy = ops_->Post(path, R"({"strategy":{"max_failures":"150%"}})");
    EXPECT_EQ(bad_strategy.status, 422u) << bad_strategy.body;
    auto viewer = ClientWith(MakeToken("watcher", "viewer"));
    EXPECT_EQ(viewer.Post(path, "{}").status, 403u);
    EXPECT_EQ(Count("rollouts"), rollouts);

    // A deploy rollout holding the abuja instances does not keep the patch out (ADR 0038), but
    // a member with a deployment still under way waits: patching its current manifest would undo
    // what the queued deployment installs.
    const auto manifests = Count("manifests");
    CreateOk(R"({"manifest_id":"manifest-002","selector":"region=abuja",
        "strategy":{"phases":[{"name":"all","percent":100}]}})");
    auto created = ops_->Post(path, R"x({"selector":"env in (prod,dev)","reason":"by hand",
        "strategy":{"phases":[{"name":"all","percent":100}]}})x");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto rollout = Object(created);
    EXPECT_EQ(rollout.at("member_count").as_int64(), 4);  // dev-1 is selected but not affected
    EXPECT_EQ(rollout.at("affected").as_int64(), 4);
    EXPECT_FALSE(rollout.at("enforced").as_bool());
    EXPECT_EQ(Str(rollout, "created_by"), "token:ops");
    Pass();
    // Both lagos members at once (the hand-made strategy has no cap); the abuja ones, whose
    // manifest-002 deployments are queued, skipped with the reason.
    EXPECT_EQ(SqlValue("SELECT string_agg(instance_id, ',' ORDER BY instance_id) FROM deployments "
                       "WHERE kind = 'patch' AND rollout_id = '" +
                       Str(rollout, "id") + "'"),
              "prod-1,prod-3");
    EXPECT_EQ(
        SqlValue("SELECT count(*) FROM rollout_members WHERE rollout_id = '" + Str(rollout, "id") +
                 "' AND state = 'skipped' AND skip_reason LIKE "
                 "'%is under way on prod-_: the patch waits until it has finished'"),
        "2");
    // manifest-001 patched to 2.1.0 has manifest-002's content: the stored twin serves both
    // lagos hosts and no manifest is added (nor one for a refused member).
    EXPECT_EQ(SqlValue("SELECT string_agg(DISTINCT manifest_id, ',') FROM deployments WHERE "
                       "kind = 'patch' AND rollout_id = '" +
                       Str(rollout, "id") + "'"),
              "manifest-002");
    EXPECT_EQ(Count("manifests"), manifests);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
