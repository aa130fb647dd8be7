#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/e2e/deploy/e2e_fixture.hpp"

// Rollback and security patches end to end (docs/patches-and-rollback.md): the coordinator and a
// real agent, checked on the agent's disk.
namespace waka::test {
namespace {

std::map<std::string, BundleFile> Bundle(const std::string& version) {
    return {{"app/VERSION", {version + "\n", 0644}},
            {"hooks/post-activate",
             {"#!/bin/sh\necho \"$WAKA_VERSION\" > \"$WAKA_VERSION_DIR/activated\"\n", 0755}},
            {"hooks/health-check", {"#!/bin/sh\ntest -f \"$WAKA_VERSION_DIR/activated\"\n", 0755}}};
}

std::string Str(const boost::json::object& object, const char* key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr) {
        return "<missing>";
    }
    return value->is_string() ? std::string(value->get_string()) : boost::json::serialize(*value);
}

class PatchRollbackE2eTest : public ::testing::Test {
protected:
    boost::json::object Post(const std::string& target, const std::string& body,
                             unsigned expected) {
        auto answer = world_.Api().Post(target, body);
        EXPECT_EQ(answer.status, expected) << target << ": " << answer.body;
        return answer.status == expected ? ParseObject(answer.body) : boost::json::object();
    }

    // Polls GET /rollback/{id} until the prototype's status is final.
    boost::json::object WaitRollback(const std::string& id) {
        boost::json::object last;
        const bool done = WaitFor(
            [&] {
                last = world_.GetJson("/api/v1/rollback/" + id);
                const auto status = Str(last, "status");
                return status == "completed" || status == "failed" || status == "cancelled";
            },
            std::chrono::seconds(60));
        EXPECT_TRUE(done) << "rollback stuck: " << boost::json::serialize(last);
        return last;
    }

    std::string PlatformFile(const AgentHandle& agent) {
        return ReadFile(agent.state_dir / "components" / "platform-webwaka-platform" / "current" /
                        "app" / "VERSION");
    }

    E2eWorld world_;
};

TEST_F(PatchRollbackE2eTest, RollbackToManifest001RestoresItsFilesUnderAFrozenPolicy) {
    world_.Publish("platform", "webwaka-platform", "2.0.0", Bundle("2.0.0"));
    world_.Publish("platform", "webwaka-platform", "2.1.0", Bundle("2.1.0"));
    world_.Publish("suite", "commerce", "1.5.0", Bundle("1.5.0"));
    world_.CreateManifest("manifest-001", "2.0.0", {{"commerce", "1.5.0"}}, {});
    world_.CreateManifest("manifest-002", "2.1.0", {{"commerce", "1.5.0"}}, {});
    auto& agent = world_.AddAgent("instance-prod-01");
    const auto first = world_.Deploy("manifest-001", agent.instance_id);
    ASSERT_EQ(Str(world_.WaitTerminal(first), "status"), "deployed");
    const auto second = world_.Deploy("manifest-002", agent.instance_id);
    ASSERT_EQ(Str(world_.WaitTerminal(second), "status"), "deployed");
    ASSERT_EQ(PlatformFile(agent), "2.1.0\n");
    Post("/api/v1/policies?instance_id=instance-prod-01&policy_type=frozen", "", 201u);

    auto created = Post("/api/v1/rollback?instance_id=instance-prod-01",
                        R"({"to_manifest_id":"manifest-001","reason":"Deployment caused )"
                        R"(performance degradation","dry_run":false,"skip_validation":false})",
                        201u);
    const std::string id = Str(created, "id");
    EXPECT_EQ(Str(created, "from_manifest_id"), "manifest-002");
    auto done = WaitRollback(id);
    ASSERT_EQ(Str(done, "status"), "completed") << boost::json::serialize(done);
    EXPECT_NE(Str(done, "completed_at"), "null");

    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");
    EXPECT_EQ(PlatformFile(agent), "2.0.0\n");
    EXPECT_EQ(CurrentVersion(agent, "suite", "commerce"), "1.5.0");
    auto instance = world_.GetJson("/api/v1/instances/instance-prod-01");
    EXPECT_EQ(Str(instance, "current_manifest_id"), "manifest-001");

    auto history = world_.GetJson("/api/v1/rollback/history/instance-prod-01");
    EXPECT_EQ(Str(history, "total_rollbacks"), "1");
    EXPECT_EQ(Str(history, "successful_rollbacks"), "1");
    const auto& available = history.at("available_manifests").as_array();
    ASSERT_EQ(available.size(), 1u) << boost::json::serialize(history);
    EXPECT_EQ(Str(available[0].as_object(), "manifest_id"), "manifest-002");
    std::string ran;
    for (const auto& run : history.at("deployments").as_array()) {
        ran += Str(run.as_object(), "manifest_id") + "/" + Str(run.as_object(), "kind") + " ";
    }
    EXPECT_EQ(ran, "manifest-001/rollback manifest-002/deploy manifest-001/deploy ");
}

// Registering a critical patch moves a frozen and a manual-approval instance with no human step.
TEST_F(PatchRollbackE2eTest, CriticalPatchIsEnforcedOnFrozenAndManualApprovalInstances) {
    world_.Publish("platform", "webwaka-platform", "2.0.0", Bundle("2.0.0"));
    world_.Publish("suite", "commerce", "1.5.0", Bundle("1.5.0"));
    world_.Publish("suite", "commerce", "1.5.1", Bundle("1.5.1"));
    world_.CreateManifest("manifest-001", "2.0.0", {{"commerce", "1.5.0"}}, {});
    auto& frozen = world_.AddAgent("instance-frozen");
    auto& manual = world_.AddAgent("instance-manual");
    for (const auto* agent : {&frozen, &manual}) {
        const auto id = world_.Deploy("manifest-001", agent->instance_id);
        ASSERT_EQ(Str(world_.WaitTerminal(id), "status"), "deployed");
    }
    Post("/api/v1/policies?instance_id=instance-frozen&policy_type=frozen", "", 201u);
    Post("/api/v1/policies?instance_id=instance-manual&policy_type=manual_approval", "", 201u);
    Post("/api/v1/security/patches", R"({"patch_id":"patch-001","cve_ids":["CVE-2026-12345"],
        "component_type":"suite","component_name":"commerce","affected_versions":"<1.5.1",
        "patched_version":"1.5.1","severity":"critical","description":"callback bypass"})",
         201u);

    boost::json::object report;
    const bool compliant = WaitFor(
        [&] {
            report = world_.GetJson("/api/v1/security/compliance");
            const auto& patches = report.at("patches").as_array();
            return !patches.empty() && Str(patches[0].as_object(), "compliant") == "true" &&
                   Str(patches[0].as_object(), "patched") == "2";
        },
        std::chrono::seconds(60));
    ASSERT_TRUE(compliant) << boost::json::serialize(report);
    for (const auto* agent : {&frozen, &manual}) {
        EXPECT_EQ(CurrentVersion(*agent, "suite", "commerce"), "1.5.1");
        EXPECT_EQ(ReadFile(agent->state_dir / "components" / "suite-commerce" / "current" / "app" /
                           "VERSION"),
                  "1.5.1\n");
        EXPECT_EQ(CurrentVersion(*agent, "platform", "webwaka-platform"), "2.0.0");
        auto status = world_.GetJson("/api/v1/security/patches/status/" + agent->instance_id);
        EXPECT_EQ(Str(status, "applied_patches"), "1") << boost::json::serialize(status);
        const auto& deployments =
            status.at("patches").as_array()[0].as_object().at("deployments").as_array();
        ASSERT_EQ(deployments.size(), 1u);
        EXPECT_EQ(Str(deployments[0].as_object(), "enforced"), "true");
    }

    // Applying it by hand now changes nothing: the instances are patched.
    auto again = Post("/api/v1/security/patches/apply?instance_id=instance-frozen",
                      R"({"patch_id":"patch-001","dry_run":false,"force":false})", 200u);
    EXPECT_EQ(Str(again, "status"), "applied");
}

}  // namespace
}  // namespace waka::test
