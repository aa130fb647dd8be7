#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/integration/ctl/wakactl_fixture.hpp"

// wakactl rollout (docs/wakactl.md "Rollouts") against a real coordinator and two agents: create
// with phases and --wait until it succeeds, the live lines per phase, list, get --json, a control
// the state refuses, a phase written wrong refused before anything is sent, and a patch's
// enforcement rollout followed to the end, with a hand-made one refused.
namespace waka::test {
namespace {

TEST_F(WakactlTest, RolloutCreateWaitsThroughItsPhasesAndControlsAreChecked) {
    world_.Publish("platform", "webwaka-platform", "2.0.0", Bundle("2.0.0"));
    world_.CreateManifest("manifest-001", "2.0.0", {}, {});
    world_.AddAgents({"ctl-a", "ctl-b"});

    auto bad = Ctl({"rollout", "create", "--manifest", "manifest-001", "--selector", "env=e2e",
                    "--phase", "canary"});
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_NE(bad.output.find("--phase canary"), std::string::npos) << bad.output;
    EXPECT_EQ(world_.SqlText("SELECT count(*) FROM rollouts"), "0");

    auto created = Ctl({"rollout", "create", "--manifest", "manifest-001", "--selector", "env=e2e",
                        "--phase", "canary:1", "--phase", "all:100%", "--max-concurrency", "1",
                        "--reason", "first install", "--wait", "--timeout", "120"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    EXPECT_NE(created.output.find("canary"), std::string::npos) << created.output;
    EXPECT_NE(created.output.find("1/1 succeeded"), std::string::npos) << created.output;
    EXPECT_NE(created.output.find(" succeeded: every phase finished"), std::string::npos)
        << created.output;
    EXPECT_EQ(CurrentVersion(world_.Agent("ctl-a"), "platform", "webwaka-platform"), "2.0.0");
    EXPECT_EQ(CurrentVersion(world_.Agent("ctl-b"), "platform", "webwaka-platform"), "2.0.0");

    auto listed = Ctl({"--json", "rollout", "list", "--state", "succeeded"});
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    const auto rollouts = boost::json::parse(listed.output).as_array();
    ASSERT_EQ(rollouts.size(), 1u);
    const std::string id(rollouts[0].at("id").as_string());
    EXPECT_EQ(rollouts[0].at("reason"), "first install");

    auto shown = Ctl({"--json", "rollout", "get", id});
    ASSERT_EQ(shown.exit_code, 0) << shown.output;
    const auto rollout = boost::json::parse(shown.output).as_object();
    EXPECT_EQ(rollout.at("members").as_array().size(), 2u);
    EXPECT_EQ(rollout.at("totals").at("succeeded"), 2);

    auto paused = Ctl({"rollout", "pause", id});
    EXPECT_EQ(paused.exit_code, 1) << paused.output;
    EXPECT_NE(paused.output.find("is succeeded"), std::string::npos) << paused.output;

    // A patch goes out as a rollout: registering it starts its enforcement, which get --wait
    // follows to the end; by hand, a patch nobody needs any more is refused naming the selector.
    world_.Publish("platform", "webwaka-platform", "2.0.1", Bundle("2.0.1"));
    auto patch = world_.Api().Post("/api/v1/security/patches", R"({"patch_id":"patch-ctl",
        "component_type":"platform","component_name":"webwaka-platform",
        "affected_versions":"<2.0.1","patched_version":"2.0.1","severity":"high"})");
    ASSERT_EQ(patch.status, 201u) << patch.body;
    std::string enforcement;
    ASSERT_TRUE(WaitFor(
        [&] {
            enforcement = world_.SqlText(
                "SELECT COALESCE(max(id), '') FROM rollouts WHERE patch_id = 'patch-ctl'");
            return !enforcement.empty();
        },
        std::chrono::seconds(60)));
    auto followed = Ctl({"rollout", "get", enforcement, "--wait", "--timeout", "120"});
    ASSERT_EQ(followed.exit_code, 0) << followed.output;
    EXPECT_EQ(CurrentVersion(world_.Agent("ctl-a"), "platform", "webwaka-platform"), "2.0.1");
    EXPECT_EQ(CurrentVersion(world_.Agent("ctl-b"), "platform", "webwaka-platform"), "2.0.1");
    auto listed_patch = Ctl({"rollout", "list"});
    EXPECT_NE(listed_patch.output.find("patch-ctl"), std::string::npos) << listed_patch.output;
    auto nobody = Ctl({"rollout", "create", "--patch", "patch-ctl", "--selector", "env=e2e"});
    EXPECT_EQ(nobody.exit_code, 1) << nobody.output;
    EXPECT_NE(nobody.output.find("the patch affects"), std::string::npos) << nobody.output;
    auto both = Ctl({"rollout", "create", "--patch", "patch-ctl", "--manifest", "manifest-001"});
    EXPECT_EQ(both.exit_code, 1) << both.output;
    EXPECT_NE(both.output.find("not both"), std::string::npos) << both.output;
    EXPECT_EQ(world_.SqlText("SELECT count(*) FROM rollouts WHERE patch_id = 'patch-ctl'"), "1");
    // Constraints go in the body's "constraints": the server names the one it cannot resolve.
    auto ghost = Ctl({"rollout", "create", "--platform-version", "latest", "--suite",
                      "ghost=latest", "--selector", "env=e2e"});
    EXPECT_EQ(ghost.exit_code, 1) << ghost.output;
    EXPECT_NE(ghost.output.find("constraints.suites.ghost"), std::string::npos) << ghost.output;
}

}  // namespace
}  // namespace waka::test
