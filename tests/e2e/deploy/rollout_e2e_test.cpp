// Fleet rollouts end to end (docs/rollouts.md): twelve agent processes with their own state
// directories, the built coordinator over a real PostgreSQL, real bundles whose health checks run
// on each host. A three-phase rollout puts the files on every disk but the frozen host's; a canary
// whose health check fails on some hosts crosses the threshold, pauses, and the revert puts the
// changed host back on its previous version while the hosts outside the canary never receive an
// instruction; a critical patch's enforcement rollout never has more than its concurrency open.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/e2e/deploy/e2e_fixture.hpp"
#include "tests/support/process/wait_for.inl"

namespace waka::test {
namespace {

constexpr int kAgents = 12;
constexpr auto kRolloutTimeout = std::chrono::seconds(120);

// post-activate leaves a marker the health check looks for. With `fails_on_bad_hosts`, the health
// check fails on hosts named bad-* (the release does not work there, as a bad build meeting one
// kind of host would).
std::map<std::string, BundleFile> Bundle(const std::string& version, bool fails_on_bad_hosts) {
    const std::string bad_hosts = fails_on_bad_hosts
                                      ? "case \"$WAKA_COMPONENT_DIR\" in */agent-bad-*) "
                                        "echo 'simulated outage on this host' >&2; exit 1;; esac\n"
                                      : "";
    return {{"app/VERSION", {version + "\n", 0644}},
            {"hooks/post-activate",
             {"#!/bin/sh\necho \"$WAKA_VERSION\" > \"$WAKA_VERSION_DIR/activated\"\n", 0755}},
            {"hooks/health-check",
             {"#!/bin/sh\n" + bad_hosts + "test -f \"$WAKA_VERSION_DIR/activated\"\n", 0755}}};
}

std::string Text(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

class RolloutE2eTest : public ::testing::Test {
protected:
    RolloutE2eTest() : world_({"--scheduler-interval-seconds=1"}) {}

    void SetUp() override {
        world_.Publish("platform", "webwaka-platform", "2.0.0", Bundle("2.0.0", false));
        world_.Publish("platform", "webwaka-platform", "2.1.0", Bundle("2.1.0", true));
        world_.CreateManifest("manifest-001", "2.0.0", {}, {});
        world_.CreateManifest("manifest-002", "2.1.0", {}, {});
    }

    // good-01..good-NN and bad-01..bad-MM, every one labelled env=e2e, connected.
    void StartFleet(int bad) {
        std::vector<std::string> ids;
        for (int i = 1; i <= kAgents; ++i) {
            const bool is_bad = i <= bad;
            const int n = is_bad ? i : i - bad;
            ids.push_back((is_bad ? "bad-" : "good-") + std::string(n < 10 ? "0" : "") +
                          std::to_string(n));
        }
        world_.AddAgents(ids);
        ids_ = ids;
    }

    std::string Create(const std::string& body) {
        auto created = world_.Api().Post("/api/v1/rollouts", body);
        EXPECT_EQ(created.status, 201u) << created.body;
        return Text(ParseObject(created.body), "id");
    }

    // Polls the rollout until its state is one of `states`; answers the last body.
    boost::json::object WaitState(const std::string& id, std::vector<std::string> states) {
        boost::json::object rollout;
        const bool reached = WaitFor(
            [&] {
                rollout = world_.GetJson("/api/v1/rollouts/" + id);
                return std::find(states.begin(), states.end(), Text(rollout, "state")) !=
                       states.end();
            },
            kRolloutTimeout);
        EXPECT_TRUE(reached) << boost::json::serialize(rollout) << "\n" << world_.CoordinatorLog();
        return rollout;
    }

    static const boost::json::object* Member(const boost::json::object& rollout,
                                             const std::string& instance) {
        for (const auto& member : rollout.at("members").as_array()) {
            if (Text(member.as_object(), "instance_id") == instance) {
                return &member.as_object();
            }
        }
        return nullptr;
    }

    E2eWorld world_;
    std::vector<std::string> ids_;
};

TEST_F(RolloutE2eTest, AThreePhaseRolloutPutsTheFilesOnEveryDiskButTheFrozenHost) {
    StartFleet(0);
    auto frozen = world_.Api().Post("/api/v1/policies",
                                    R"({"instance_id":"good-05","policy_type":"frozen"})");
    ASSERT_EQ(frozen.status, 201u) << frozen.body;
    const auto id = Create(R"({"manifest_id":"manifest-001","selector":"env=e2e",
        "strategy":{"phases":[{"name":"canary","count":1},{"name":"half","percent":50},
                              {"name":"all","percent":100}],"max_concurrency":4}})");
    auto rollout = WaitState(id, {"succeeded", "paused"});
    ASSERT_EQ(Text(rollout, "state"), "succeeded") << boost::json::serialize(rollout);
    const auto& totals = rollout.at("totals").as_object();
    EXPECT_EQ(totals.at("succeeded").as_int64(), kAgents - 1);
    EXPECT_EQ(totals.at("skipped").as_int64(), 1);
    const auto* skipped = Member(rollout, "good-05");
    ASSERT_NE(skipped, nullptr);
    EXPECT_EQ(Text(*skipped, "status"), "skipped");
    EXPECT_NE(Text(*skipped, "reason").find("frozen"), std::string::npos)
        << Text(*skipped, "reason");
    for (const auto& instance : ids_) {
        const auto& agent = world_.Agent(instance);
        EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"),
                  instance == "good-05" ? "" : "2.0.0")
            << instance;
    }
    // Three phases, each started and finished in turn.
    EXPECT_EQ(world_.SqlText("SELECT count(*) FROM audit_log WHERE action = 'rollout.phase' AND "
                             "target_id = '" +
                             id + "'"),
              "2");
}

TEST_F(RolloutE2eTest, AFailingCanaryPausesAndTheRevertRestoresTheChangedHost) {
    StartFleet(2);
    const auto baseline = Create(R"({"manifest_id":"manifest-001","selector":"env=e2e"})");
    ASSERT_EQ(Text(WaitState(baseline, {"succeeded", "paused"}), "state"), "succeeded");

    // The canaries are chosen: two hosts whose health check fails and one healthy host.
    const auto id = Create(R"({"manifest_id":"manifest-002","selector":"env=e2e",
        "instance_ids":["bad-01","bad-02","good-01"],
        "strategy":{"phases":[{"name":"canary","count":3},{"name":"all","percent":100}],
                    "max_failures":1,"on_failure":"pause"}})");
    auto rollout = WaitState(id, {"paused", "succeeded"});
    ASSERT_EQ(Text(rollout, "state"), "paused");
    EXPECT_NE(Text(rollout, "state_reason").find("phase canary: 2 of 3 members failed"),
              std::string::npos)
        << Text(rollout, "state_reason");
    // The agents on the bad hosts put 2.0.0 back themselves (their health check failed).
    EXPECT_EQ(CurrentVersion(world_.Agent("bad-01"), "platform", "webwaka-platform"), "2.0.0");

    auto reverted = world_.Api().Post("/api/v1/rollouts/" + id + "/revert",
                                      R"({"reason":"canary failed its health checks"})");
    ASSERT_EQ(reverted.status, 200u) << reverted.body;
    rollout = WaitState(id, {"reverted"});
    const auto* good = Member(rollout, "good-01");
    ASSERT_NE(good, nullptr);
    EXPECT_EQ(Text(*good, "deployment_status"), "deployed");
    EXPECT_FALSE(good->at("revert_deployment_id").is_null());
    for (const auto& instance : ids_) {
        EXPECT_EQ(CurrentVersion(world_.Agent(instance), "platform", "webwaka-platform"), "2.0.0")
            << instance;
    }
    // Outside the canary nobody got an instruction of this rollout: no deployment, nothing in the
    // agent's log about it.
    EXPECT_EQ(world_.SqlText("SELECT count(*) FROM deployments WHERE rollout_id = '" + id +
                             "' AND kind = 'deploy'"),
              "3");
    EXPECT_EQ(world_.SqlText("SELECT count(*) FROM deployments WHERE rollout_id = '" + id +
                             "' AND instance_id NOT IN ('bad-01', 'bad-02', 'good-01')"),
              "0");
    EXPECT_EQ(world_.AgentLog("good-07").find("2.1.0"), std::string::npos);
}

// A critical patch's enforcement is a rollout with the default strategy (ADR 0038): a quarter of
// the affected fleet at once. Every disk gets the patched version, and at no moment were more
// than three of the twelve patch deployments open.
TEST_F(RolloutE2eTest, ACriticalPatchRolloutRespectsItsConcurrency) {
    StartFleet(0);
    const auto baseline = Create(R"({"manifest_id":"manifest-001","selector":"env=e2e"})");
    ASSERT_EQ(Text(WaitState(baseline, {"succeeded", "paused"}), "state"), "succeeded");

    auto registered = world_.Api().Post("/api/v1/security/patches", R"({"patch_id":"patch-e2e",
        "component_type":"platform","component_name":"webwaka-platform",
        "affected_versions":"<2.1.0","patched_version":"2.1.0","severity":"critical"})");
    ASSERT_EQ(registered.status, 201u) << registered.body;
    std::string id;
    ASSERT_TRUE(WaitFor(
        [&] {
            id = world_.SqlText(
                "SELECT COALESCE(max(id), '') FROM rollouts WHERE patch_id = "
                "'patch-e2e'");
            return !id.empty();
        },
        kRolloutTimeout))
        << world_.CoordinatorLog();
    auto rollout = WaitState(id, {"succeeded", "paused"});
    ASSERT_EQ(Text(rollout, "state"), "succeeded") << boost::json::serialize(rollout);
    EXPECT_TRUE(rollout.at("enforced").as_bool());
    EXPECT_EQ(rollout.at("totals").as_object().at("succeeded").as_int64(), kAgents);
    for (const auto& instance : ids_) {
        EXPECT_EQ(CurrentVersion(world_.Agent(instance), "platform", "webwaka-platform"), "2.1.0")
            << instance;
    }
    // The most patch deployments open at any creation: those created no later and not finished
    // before it. 25 % of 12 is 3; the first batch starts three together, so exactly 3.
    EXPECT_EQ(world_.SqlText("SELECT max((SELECT count(*) FROM deployments o WHERE o.rollout_id = "
                             "d.rollout_id AND o.created_at <= d.created_at AND (o.completed_at "
                             "IS NULL OR o.completed_at > d.created_at))) FROM deployments d "
                             "WHERE d.rollout_id = '" +
                             id + "'"),
              "3");
    EXPECT_EQ(world_.SqlText("SELECT count(*) FROM deployments d JOIN patch_deployments p ON "
                             "p.deployment_id = d.id WHERE d.kind = 'patch' AND p.enforced AND "
                             "d.rollout_id = '" +
                             id + "'"),
              std::to_string(kAgents));
}

}  // namespace
}  // namespace waka::test
