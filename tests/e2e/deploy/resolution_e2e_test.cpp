#include <gtest/gtest.h>

#include "tests/e2e/deploy/e2e_fixture.hpp"

// Issue 4's "done when", with the real coordinator and agent: pin suite:commerce to 1.5.0 on
// instance-prod-01, compile a manifest asking for the latest of everything, and the manifest keeps
// commerce at 1.5.0 with the newest platform compatible with it; the agent then runs exactly that.
namespace waka::test {
namespace {

std::map<std::string, BundleFile> Bundle(const std::string& version) {
    return {{"app/VERSION", {version + "\n", 0644}},
            {"hooks/health-check", {"#!/bin/sh\ntrue\n", 0755}}};
}

class ResolutionE2eTest : public ::testing::Test {
protected:
    // POST /versions with dependencies, then the artifact.
    void Publish(const std::string& type, const std::string& name, const std::string& version,
                 const boost::json::object& dependencies = {}) {
        boost::json::object release{{"component_type", type},
                                    {"component_name", name},
                                    {"version", version},
                                    {"dependencies", dependencies}};
        auto created = world_.Api().Post("/api/v1/versions", boost::json::serialize(release));
        ASSERT_EQ(created.status, 201u) << created.body;
        const auto bundle =
            MakeBundle(world_.Dir() / "bundles", type, name, version, Bundle(version));
        auto uploaded = world_.UploadSigned(type, name, version, bundle);
        ASSERT_EQ(uploaded.status, 201u) << uploaded.body;
    }

    E2eWorld world_;
};

TEST_F(ResolutionE2eTest, PinnedSuiteSurvivesCompileOfLatestAndIsDeployed) {
    Publish("platform", "webwaka-platform", "2.0.0");
    Publish("platform", "webwaka-platform", "2.1.0");
    Publish("platform", "webwaka-platform", "2.2.0");
    Publish("suite", "commerce", "1.5.0", {{"platform:webwaka-platform", ">=2.0.0 <2.2.0"}});
    Publish("suite", "commerce", "1.6.0", {{"platform:webwaka-platform", ">=2.2.0"}});
    Publish("capability", "reporting", "1.0.0", {{"suite:commerce", ">=1.5"}});
    AgentHandle& agent = world_.AddAgent("instance-prod-01");

    auto pin = world_.Api().Post("/api/v1/versions/pin?instance_id=instance-prod-01", R"({
        "component_type": "suite", "component_name": "commerce", "pinned_version": "1.5.0",
        "reason": "Compatibility with legacy system"})");
    ASSERT_EQ(pin.status, 201u) << pin.body;

    auto compiled = world_.Api().Post("/api/v1/manifests/compile", R"({
        "instance_id": "instance-prod-01", "id": "manifest-latest",
        "platform_version": "latest", "suites": {"commerce": "latest"},
        "capabilities": {"reporting": "latest"}})");
    ASSERT_EQ(compiled.status, 201u) << compiled.body;
    const auto manifest = ParseObject(compiled.body);
    EXPECT_EQ(manifest.at("suites").at("commerce").as_string(), "1.5.0") << compiled.body;
    EXPECT_EQ(manifest.at("platform_version").as_string(), "2.1.0") << compiled.body;
    EXPECT_EQ(manifest.at("capabilities").at("reporting").as_string(), "1.0.0") << compiled.body;

    const auto id = world_.Deploy("manifest-latest", "instance-prod-01");
    const auto deployment = world_.WaitTerminal(id);
    ASSERT_EQ(deployment.at("status").as_string(), "deployed")
        << boost::json::serialize(deployment);
    EXPECT_EQ(CurrentVersion(agent, "platform", "webwaka-platform"), "2.1.0");
    EXPECT_EQ(CurrentVersion(agent, "suite", "commerce"), "1.5.0");
    EXPECT_EQ(CurrentVersion(agent, "capability", "reporting"), "1.0.0");

    const auto explained =
        world_.GetJson("/api/v1/instances/instance-prod-01/explain?component=suite:commerce");
    EXPECT_EQ(explained.at("current_version").as_string(), "1.5.0");
    EXPECT_EQ(explained.at("newest_version").as_string(), "1.6.0");
    ASSERT_TRUE(explained.at("chain").is_string()) << boost::json::serialize(explained);
    EXPECT_NE(
        std::string(explained.at("chain").as_string()).find("suite:commerce is pinned to 1.5.0"),
        std::string::npos)
        << boost::json::serialize(explained);

    // A manifest breaking the pin is refused before it reaches the agent.
    auto newer = world_.Api().Post("/api/v1/manifests", R"({"id": "manifest-newer",
        "instance_id": "instance-prod-01", "platform_version": "2.2.0",
        "suites": {"commerce": "1.6.0"}, "capabilities": {"reporting": "1.0.0"}})");
    EXPECT_EQ(newer.status, 409u) << newer.body;
}

}  // namespace
}  // namespace waka::test
