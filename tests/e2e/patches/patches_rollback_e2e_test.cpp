#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

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
    PatchRollbackE2eTest() = default;
    explicit PatchRollbackE2eTest(std::vector<std::string> coordinator_args)
        : world_(std::move(coordinator_args)) {}

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

    static std::string CommerceFile(const AgentHandle& agent) {
        return ReadFile(agent.state_dir / "components" / "suite-commerce" / "current" / "app" /
                        "VERSION");
    }

    std::string MakeToken(const std::string& name, const std::string& role) {
        auto made =
            Post("/api/v1/tokens", R"({"name":")" + name + R"(","role":")" + role + "\"}", 201u);
        return Str(made, "token");
    }

    // GET /deployments?instance_id=, newest first.
    boost::json::array Deployments(const std::string& instance_id) {
        auto listed = world_.Api().Get("/api/v1/deployments?instance_id=" + instance_id);
        EXPECT_EQ(listed.status, 200u) << listed.body;
        boost::system::error_code ec;
        auto value = boost::json::parse(listed.body, ec);
        return !ec && value.is_array() ? value.as_array() : boost::json::array{};
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

// The downgrade attack (ADR 0019): a publisher registers a "critical" patch whose fix is older than
// what the agent runs (an operator may not register patches at all: ADR 0023). Refused; an older
// medium patch is stored but moves nothing down.
TEST_F(PatchRollbackE2eTest, AnOlderCriticalPatchIsRefusedAndTheAgentKeepsItsVersion) {
    world_.Publish("platform", "webwaka-platform", "2.0.0", Bundle("2.0.0"));
    world_.Publish("suite", "commerce", "1.5.0", Bundle("1.5.0"));
    world_.Publish("suite", "commerce", "1.5.1", Bundle("1.5.1"));
    world_.CreateManifest("manifest-001", "2.0.0", {{"commerce", "1.5.1"}}, {});
    auto& agent = world_.AddAgent("instance-frozen");
    const auto first = world_.Deploy("manifest-001", agent.instance_id);
    ASSERT_EQ(Str(world_.WaitTerminal(first), "status"), "deployed");
    Post("/api/v1/policies?instance_id=instance-frozen&policy_type=frozen", "", 201u);
    auto ops = world_.ClientWith(MakeToken("mallory", "publisher"));
    const std::string attack = R"({"patch_id":"patch-old","component_type":"suite",
        "component_name":"commerce","affected_versions":">=1.5.1 <2.0.0",
        "patched_version":"1.5.0","severity":"critical"})";
    for (auto* client : {&ops, &world_.Api()}) {  // a publisher, and even the admin
        auto refused = client->Post("/api/v1/security/patches", attack);
        EXPECT_EQ(refused.status, 422u) << refused.body;
        EXPECT_NE(refused.body.find("is not above every version"), std::string::npos);
    }
    const std::string valid_critical = R"({"patch_id":"patch-crit","component_type":"suite",
        "component_name":"commerce","affected_versions":"<1.5.1","patched_version":"1.5.1",
        "severity":"critical"})";
    EXPECT_EQ(ops.Post("/api/v1/security/patches", valid_critical).status, 403u);

    auto stored = ops.Post("/api/v1/security/patches",
                           R"({"patch_id":"patch-med","component_type":"suite",
        "component_name":"commerce","affected_versions":">=1.5.1 <2.0.0",
        "patched_version":"1.5.0","severity":"medium"})");
    ASSERT_EQ(stored.status, 201u) << stored.body;
    ASSERT_TRUE(WaitFor(
        [&] {
            auto audit = world_.Api().Get("/api/v1/audit?action=patch.enforce");
            return audit.status == 200u && audit.body.find("patch-med") != std::string::npos;
        },
        std::chrono::seconds(30)));
    auto status = world_.GetJson("/api/v1/security/patches/status/instance-frozen");
    ASSERT_EQ(status.at("patches").as_array().size(), 1u) << boost::json::serialize(status);
    EXPECT_EQ(Str(status.at("patches").as_array()[0].as_object(), "status"), "conflict");
    EXPECT_EQ(Deployments("instance-frozen").size(), 1u);
    EXPECT_EQ(CurrentVersion(agent, "suite", "commerce"), "1.5.1");
    EXPECT_EQ(CommerceFile(agent), "1.5.1\n");
}

// A medium patch follows the channel: on a manual-approval instance it waits, untouched on disk,
// until an approver (not the system that requested it) approves.
TEST_F(PatchRollbackE2eTest, MediumPatchOnAManualApprovalInstanceWaitsForApproval) {
    world_.Publish("platform", "webwaka-platform", "2.0.0", Bundle("2.0.0"));
    world_.Publish("suite", "commerce", "1.5.0", Bundle("1.5.0"));
    world_.CreateManifest("manifest-001", "2.0.0", {{"commerce", "1.5.0"}}, {});
    auto& agent = world_.AddAgent("instance-manual");
    const auto first = world_.Deploy("manifest-001", agent.instance_id);
    ASSERT_EQ(Str(world_.WaitTerminal(first), "status"), "deployed");
    Post("/api/v1/policies",
         R"({"instance_id":"instance-manual","policy_type":"manual_approval",)"
         R"("description":"production requires approval"})",
         201u);
    world_.Publish("suite", "commerce", "1.5.1", Bundle("1.5.1"));
    Post("/api/v1/security/patches", R"({"patch_id":"patch-002","cve_ids":["CVE-2026-22222"],
        "component_type":"suite","component_name":"commerce","affected_versions":"<1.5.1",
        "patched_version":"1.5.1","severity":"medium","description":"log injection"})",
         201u);

    // Enforcement runs after the registration is answered: wait for its deployment.
    std::string patch_deployment;
    boost::json::object status;
    const bool enforced = WaitFor(
        [&] {
            status = world_.GetJson("/api/v1/security/patches/status/instance-manual");
            const auto* patches = status.if_contains("patches");
            if (patches == nullptr || !patches->is_array() || patches->as_array().empty()) {
                return false;
            }
            const auto& links = patches->as_array()[0].as_object().at("deployments").as_array();
            if (links.empty()) {
                return false;
            }
            patch_deployment = Str(links[0].as_object(), "deployment_id");
            return true;
        },
        std::chrono::seconds(30));
    ASSERT_TRUE(enforced) << boost::json::serialize(status);
    auto waiting = world_.GetJson("/api/v1/deployments/" + patch_deployment);
    EXPECT_EQ(Str(waiting, "kind"), "patch");
    EXPECT_EQ(Str(waiting, "requested_by"), "system");
    ASSERT_EQ(Str(waiting, "status"), "awaiting_approval") << boost::json::serialize(waiting);
    EXPECT_EQ(CurrentVersion(agent, "suite", "commerce"), "1.5.0");
    EXPECT_EQ(CommerceFile(agent), "1.5.0\n");
    auto pending = world_.GetJson("/api/v1/security/compliance");
    ASSERT_EQ(pending.at("patches").as_array().size(), 1u) << boost::json::serialize(pending);
    EXPECT_EQ(Str(pending.at("patches").as_array()[0].as_object(), "compliant"), "false");

    auto approver = world_.ClientWith(MakeToken("carol", "approver"));
    auto approved = approver.Post("/api/v1/deployments/" + patch_deployment + "/approve",
                                  R"({"comment":"medium patch, approved"})");
    ASSERT_EQ(approved.status, 200u) << approved.body;
    auto done = world_.WaitTerminal(patch_deployment);
    ASSERT_EQ(Str(done, "status"), "deployed") << boost::json::serialize(done);
    EXPECT_EQ(CurrentVersion(agent, "suite", "commerce"), "1.5.1");
    EXPECT_EQ(CommerceFile(agent), "1.5.1\n");
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");

    auto report = world_.GetJson("/api/v1/security/compliance");
    ASSERT_EQ(report.at("patches").as_array().size(), 1u) << boost::json::serialize(report);
    const auto& patch = report.at("patches").as_array()[0].as_object();
    EXPECT_EQ(Str(patch, "compliant"), "true") << boost::json::serialize(report);
    EXPECT_EQ(Str(patch, "patched"), "1");
    EXPECT_EQ(Str(patch, "pending"), "0");
    status = world_.GetJson("/api/v1/security/patches/status/instance-manual");
    EXPECT_EQ(Str(status, "applied_patches"), "1") << boost::json::serialize(status);
}

// Whether any of `deployments` (not in `before`) plans platform 2.1.0.
std::string PlatformMovesTo210(const boost::json::array& deployments,
                               const std::set<std::string>& before) {
    std::string found;
    for (const auto& item : deployments) {
        const auto& deployment = item.as_object();
        if (before.count(Str(deployment, "id")) != 0) {
            continue;
        }
        for (const auto& change : deployment.at("plan").as_array()) {
            if (Str(change.as_object(), "component_name") == "webwaka-platform" &&
                Str(change.as_object(), "to_version") == "2.1.0") {
                found += Str(deployment, "id") + " (" + Str(deployment, "reason") + ") ";
            }
        }
    }
    return found;
}

class AutoUpdatePatchRollbackE2eTest : public PatchRollbackE2eTest {
protected:
    // E2eWorld turns automatic updates off unless asked.
    AutoUpdatePatchRollbackE2eTest()
        : PatchRollbackE2eTest({"--scheduler-interval-seconds=1", "--scheduler-auto-update=true"}) {
    }

    // The newest deployment of `instance_id` not in `before` that moves `name` to `version`.
    boost::json::object NewDeploymentTo(const std::string& instance_id,
                                        const std::set<std::string>& before,
                                        const std::string& name, const std::string& version) {
        for (const auto& item : Deployments(instance_id)) {
            const auto& deployment = item.as_object();
            if (before.count(Str(deployment, "id")) != 0) {
                continue;
            }
            for (const auto& change : deployment.at("plan").as_array()) {
                if (Str(change.as_object(), "component_name") == name &&
                    Str(change.as_object(), "to_version") == version) {
                    return deployment;
                }
            }
        }
        return {};
    }

    std::set<std::string> DeploymentIds(const std::string& instance_id) {
        std::set<std::string> ids;
        for (const auto& item : Deployments(instance_id)) {
            ids.insert(Str(item.as_object(), "id"));
        }
        return ids;
    }

    // Waits until a deployment not in `before` moving `name` to `version` is deployed.
    boost::json::object WaitAutoUpdate(const std::string& instance_id,
                                       const std::set<std::string>& before, const std::string& name,
                                       const std::string& version) {
        boost::json::object found;
        const bool deployed = WaitFor(
            [&] {
                found = NewDeploymentTo(instance_id, before, name, version);
                return Str(found, "status") == "deployed" || Str(found, "status") == "failed" ||
                       Str(found, "status") == "rolled_back";
            },
            std::chrono::seconds(60));
        EXPECT_TRUE(deployed) << "no deployed auto-update of " << name << " to " << version << ": "
                              << boost::json::serialize(Deployments(instance_id));
        return found;
    }
};

// docs/design.md §4.1: the versions a rollback removed are quarantined, so the next auto-update
// pass leaves them out.
TEST_F(AutoUpdatePatchRollbackE2eTest, AutoUpdateDoesNotBringBackARolledBackVersion) {
    world_.Publish("platform", "webwaka-platform", "2.0.0", Bundle("2.0.0"));
    world_.Publish("capability", "reporting", "1.0.0", Bundle("1.0.0"));
    world_.CreateManifest("manifest-001", "2.0.0", {}, {{"reporting", "1.0.0"}});
    auto& agent = world_.AddAgent("instance-auto");
    const auto first = world_.Deploy("manifest-001", agent.instance_id);
    ASSERT_EQ(Str(world_.WaitTerminal(first), "status"), "deployed");

    // No policy: the default auto_update channel installs 2.1.0 as soon as it is registered.
    auto before_release = DeploymentIds(agent.instance_id);
    world_.Publish("platform", "webwaka-platform", "2.1.0", Bundle("2.1.0"));
    auto update = WaitAutoUpdate(agent.instance_id, before_release, "webwaka-platform", "2.1.0");
    ASSERT_EQ(Str(update, "status"), "deployed") << boost::json::serialize(update);
    EXPECT_EQ(Str(update, "requested_by"), "system");
    ASSERT_EQ(PlatformFile(agent), "2.1.0\n");

    auto created = Post("/api/v1/rollback?instance_id=instance-auto",
                        R"({"to_manifest_id":"manifest-001","reason":"2.1.0 slows checkout down",)"
                        R"("dry_run":false,"skip_validation":false})",
                        201u);
    auto rolled_back = WaitRollback(Str(created, "id"));
    ASSERT_EQ(Str(rolled_back, "status"), "completed") << boost::json::serialize(rolled_back);
    EXPECT_EQ(PlatformFile(agent), "2.0.0\n");
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");
    auto listed = world_.Api().Get("/api/v1/instances/instance-auto/quarantine");
    ASSERT_EQ(listed.status, 200u) << listed.body;
    const auto quarantine = boost::json::parse(listed.body).as_array();
    ASSERT_EQ(quarantine.size(), 1u) << listed.body;
    EXPECT_EQ(Str(quarantine[0].as_object(), "component_name"), "webwaka-platform");
    EXPECT_EQ(Str(quarantine[0].as_object(), "version"), "2.1.0");
    EXPECT_EQ(Str(quarantine[0].as_object(), "active"), "true");

    // A new release makes the scheduler scan the catalog again; its auto-update being deployed
    // proves a pass ran after the rollback.
    const auto after_rollback = DeploymentIds(agent.instance_id);
    world_.Publish("capability", "reporting", "1.1.0", Bundle("1.1.0"));
    auto reporting = WaitAutoUpdate(agent.instance_id, after_rollback, "reporting", "1.1.0");
    EXPECT_EQ(Str(reporting, "status"), "deployed") << boost::json::serialize(reporting);
    EXPECT_EQ(CurrentVersion(agent, "capability", "reporting"), "1.1.0");

    EXPECT_EQ(PlatformFile(agent), "2.0.0\n");
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");
    EXPECT_EQ(PlatformMovesTo210(Deployments(agent.instance_id), after_rollback), "")
        << "a deployment after the rollback brings back the quarantined 2.1.0";
}

}  // namespace
}  // namespace waka::test
