#include <signal.h>

#include <gtest/gtest.h>

#include <sstream>

#include "tests/e2e/deploy/e2e_fixture.hpp"

namespace waka::test {
namespace {

// Hooks of a healthy component: post-activate leaves a marker the health check looks for.
std::map<std::string, BundleFile> HealthyBundle(const std::string& version) {
    return {{"app/VERSION", {version + "\n", 0644}},
            {"hooks/post-activate", {"#!/bin/sh\necho \"$WAKA_VERSION\" > \"$WAKA_VERSION_DIR/activated\"\n", 0755}},
            {"hooks/health-check", {"#!/bin/sh\ntest -f \"$WAKA_VERSION_DIR/activated\"\n", 0755}}};
}

std::map<std::string, BundleFile> UnhealthyBundle(const std::string& version) {
    auto files = HealthyBundle(version);
    files["hooks/health-check"] = {"#!/bin/sh\necho 'simulated outage: port 8080 refused' >&2\nexit 1\n", 0755};
    return files;
}

// post-activate records its pid and then blocks, so the test can kill the agent mid-install.
std::map<std::string, BundleFile> HangingBundle(const std::string& version) {
    auto files = HealthyBundle(version);
    files["hooks/post-activate"] = {"#!/bin/sh\necho $$ > \"$WAKA_COMPONENT_DIR/hang.pid.tmp\"\n"
                                    "mv \"$WAKA_COMPONENT_DIR/hang.pid.tmp\" \"$WAKA_COMPONENT_DIR/hang.pid\"\n"
                                    "exec sleep 300\n",
                                    0755};
    return files;
}

std::string Status(const boost::json::object& deployment) {
    const auto* status = deployment.if_contains("status");
    return status != nullptr && status->is_string() ? std::string(status->get_string()) : "";
}

// The value of one series of a /metrics answer ("name{labels} value"); -1 when it is absent.
double Sample(const std::string& exposition, const std::string& series) {
    std::istringstream lines(exposition);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
            line[series.size()] == ' ') {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return -1;
}

class DeployE2eTest : public ::testing::Test {
protected:
    void PublishDemoCatalog() {
        world_.Publish("platform", "webwaka-platform", "2.0.0", HealthyBundle("2.0.0"));
        world_.Publish("suite", "commerce", "1.5.0", HealthyBundle("1.5.0"));
        world_.Publish("capability", "reporting", "1.0.0", HealthyBundle("1.0.0"));
        world_.CreateManifest("manifest-001", "2.0.0", {{"commerce", "1.5.0"}}, {{"reporting", "1.0.0"}});
    }

    // Every scrape reads the database: the metrics test compares two scrapes seconds apart, inside
    // the default cache window (ADR 0026).
    E2eWorld world_{{"--metrics-cache-seconds=0"}};
};

TEST_F(DeployE2eTest, ManifestReachesTwoAgentsWithFilesInPlace) {
    PublishDemoCatalog();
    auto& first = world_.AddAgent("instance-prod-01");
    auto& second = world_.AddAgent("instance-prod-02");
    const auto first_id = world_.Deploy("manifest-001", first.instance_id);
    const auto second_id = world_.Deploy("manifest-001", second.instance_id);

    for (const auto& [agent, id] : {std::pair{&first, first_id}, std::pair{&second, second_id}}) {
        auto deployment = world_.WaitTerminal(id);
        ASSERT_EQ(Status(deployment), "deployed") << boost::json::serialize(deployment);
        EXPECT_EQ(CurrentVersion(*agent, "platform", "webwaka-platform"), "2.0.0");
        EXPECT_EQ(CurrentVersion(*agent, "suite", "commerce"), "1.5.0");
        EXPECT_EQ(CurrentVersion(*agent, "capability", "reporting"), "1.0.0");
        const auto current = agent->state_dir / "components" / "suite-commerce" / "current";
        EXPECT_EQ(ReadFile(current / "app" / "VERSION"), "1.5.0\n");
        EXPECT_EQ(ReadFile(current / "activated"), "1.5.0\n");

        auto instance = world_.GetJson("/api/v1/instances/" + agent->instance_id);
        EXPECT_EQ(instance.at("current_manifest_id").as_string(), "manifest-001");
        EXPECT_EQ(instance.at("inventory").as_array().size(), 3u) << boost::json::serialize(instance);
        EXPECT_GE(deployment.at("events").as_array().size(), 4u);
    }
}

TEST_F(DeployE2eTest, MetricsCountTheDeploymentAndItsPolicyDecision) {
    PublishDemoCatalog();
    auto& agent = world_.AddAgent("instance-prod-01");
    const std::string decided =
        "waka_policy_decisions_total{kind=\"operator_deployment\",verdict=\"allow_now\"}";
    const std::string deployed = "waka_deployment_outcomes_total{outcome=\"deployed\"}";
    const auto before = world_.Api().Get("/metrics");
    ASSERT_EQ(before.status, 200u) << before.body;

    ASSERT_EQ(Status(world_.WaitTerminal(world_.Deploy("manifest-001", agent.instance_id))), "deployed");

    const auto after = world_.Api().Get("/metrics");
    ASSERT_EQ(after.status, 200u) << after.body;
    EXPECT_GE(Sample(before.body, decided), 0) << before.body;
    EXPECT_EQ(Sample(after.body, decided), Sample(before.body, decided) + 1) << after.body;
    EXPECT_EQ(Sample(after.body, deployed), Sample(before.body, deployed) + 1) << after.body;
    EXPECT_EQ(Sample(after.body, "waka_agents_connected"), 1) << after.body;
    EXPECT_EQ(Sample(after.body, "waka_rollback_outcomes_total{outcome=\"deployed\"}"), 0);
}

TEST_F(DeployE2eTest, FailingHealthCheckPutsThePreviousVersionBack) {
    PublishDemoCatalog();
    world_.Publish("platform", "webwaka-platform", "2.1.0", UnhealthyBundle("2.1.0"));
    world_.CreateManifest("manifest-002", "2.1.0", {{"commerce", "1.5.0"}}, {{"reporting", "1.0.0"}});
    auto& agent = world_.AddAgent("instance-prod-01");
    ASSERT_EQ(Status(world_.WaitTerminal(world_.Deploy("manifest-001", agent.instance_id))), "deployed");

    auto upgrade = world_.WaitTerminal(world_.Deploy("manifest-002", agent.instance_id));

    EXPECT_EQ(Status(upgrade), "rolled_back") << boost::json::serialize(upgrade);
    EXPECT_NE(boost::json::serialize(upgrade.at("error_message")).find("health"), std::string::npos);
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");
    auto instance = world_.GetJson("/api/v1/instances/" + agent.instance_id);
    EXPECT_EQ(instance.at("current_manifest_id").as_string(), "manifest-001");
}

TEST_F(DeployE2eTest, HostileBundleIsRefusedAndNothingChanges) {
    PublishDemoCatalog();
    auto hostile = HealthyBundle("2.2.0");
    hostile["../escaped"] = {"owned\n", 0644};
    world_.Publish("platform", "webwaka-platform", "2.2.0", hostile);
    world_.CreateManifest("manifest-003", "2.2.0", {{"commerce", "1.5.0"}}, {{"reporting", "1.0.0"}});
    auto& agent = world_.AddAgent("instance-prod-01");
    ASSERT_EQ(Status(world_.WaitTerminal(world_.Deploy("manifest-001", agent.instance_id))), "deployed");

    auto refused = world_.WaitTerminal(world_.Deploy("manifest-003", agent.instance_id));

    EXPECT_EQ(Status(refused), "failed") << boost::json::serialize(refused);
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.0.0");
    EXPECT_FALSE(std::filesystem::exists(agent.state_dir / "components" / "escaped"));
    EXPECT_FALSE(std::filesystem::exists(agent.state_dir / "components" / "platform-webwaka-platform" / "escaped"));
}

TEST_F(DeployE2eTest, AgentKilledMidInstallEndsDeployedOrRolledBackNeverHalfInstalled) {
    PublishDemoCatalog();
    world_.Publish("suite", "commerce", "1.6.0", HangingBundle("1.6.0"));
    world_.CreateManifest("manifest-004", "2.0.0", {{"commerce", "1.6.0"}}, {{"reporting", "1.0.0"}});
    auto& agent = world_.AddAgent("instance-prod-01");
    ASSERT_EQ(Status(world_.WaitTerminal(world_.Deploy("manifest-001", agent.instance_id))), "deployed");

    const auto id = world_.Deploy("manifest-004", agent.instance_id);
    const auto pid_file = agent.state_dir / "components" / "suite-commerce" / "hang.pid";
    ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(pid_file); }, std::chrono::seconds(30)))
        << "the post-activate hook never ran";
    agent.process->Signal(SIGKILL);
    ASSERT_TRUE(agent.process->Wait(std::chrono::seconds(10)).has_value());
    const pid_t hook = std::stoi(ReadFile(pid_file));
    ::kill(hook, SIGKILL);  // the orphaned hook of the killed agent
    world_.StartAgent(agent);

    auto deployment = world_.WaitTerminal(id);
    const auto status = Status(deployment);
    ASSERT_TRUE(status == "deployed" || status == "rolled_back") << boost::json::serialize(deployment);
    const auto expected = status == "deployed" ? "1.6.0" : "1.5.0";
    EXPECT_EQ(CurrentVersion(agent, "suite", "commerce"), expected);
    EXPECT_TRUE(std::filesystem::exists(agent.state_dir / "components" / "suite-commerce" / "current" /
                                        "bundle.json"));
    auto instance = world_.GetJson("/api/v1/instances/" + agent.instance_id);
    bool reported = false;
    for (const auto& item : instance.at("inventory").as_array()) {
        const auto& component = item.as_object();
        if (component.at("name").as_string() == "commerce") {
            reported = component.at("version").as_string() == expected;
        }
    }
    EXPECT_TRUE(reported) << boost::json::serialize(instance);
}

}  // namespace
}  // namespace waka::test
