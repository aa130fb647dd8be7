#include "coordinator/domain/planner.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::domain {
namespace {

domain::Release MakeRelease(std::string type, std::string name, std::string version,
                            std::optional<std::string> sha = std::string(64, 'a')) {
    domain::Release release;
    release.component_type = std::move(type);
    release.component_name = std::move(name);
    release.version = std::move(version);
    release.artifact_sha256 = std::move(sha);
    release.artifact_size = 10;
    // The planner only forwards the statement (the API verified it, the agent verifies it again).
    release.release_key_id = "ed25519:0123456789abcdef";
    release.release_statement = "{\"statement of\":\"" + release.version + "\"}";
    release.release_signature = std::string(64, 's');
    return release;
}

domain::Manifest DemoManifest() {
    domain::Manifest manifest;
    manifest.id = "manifest-001";
    manifest.platform_version = "2.0.0";
    manifest.suites = {{"commerce", "1.5.0"}};
    manifest.capabilities = {{"reporting", "1.0.0"}};
    return manifest;
}

std::map<std::string, domain::Release> DemoReleases() {
    return {{"platform:webwaka-platform", MakeRelease("platform", "webwaka-platform", "2.0.0")},
            {"suite:commerce", MakeRelease("suite", "commerce", "1.5.0")},
            {"capability:reporting", MakeRelease("capability", "reporting", "1.0.0")}};
}

TEST(PlannerTest, FreshInstanceInstallsEverythingPlatformFirst) {
    auto plan = PlanChanges(DemoManifest(), {}, DemoReleases());
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_EQ(plan->size(), 3u);
    EXPECT_EQ((*plan)[0].type, "platform");
    EXPECT_EQ((*plan)[1].type, "suite");
    EXPECT_EQ((*plan)[2].type, "capability");
    for (const auto& change : *plan) {
        EXPECT_TRUE(change.from_version.empty());
        EXPECT_FALSE(change.to_version.empty());
        EXPECT_EQ(change.artifact_sha256, std::string(64, 'a'));
        EXPECT_EQ(change.release_statement, "{\"statement of\":\"" + change.to_version + "\"}");
        EXPECT_EQ(change.release_signature, std::string(64, 's'));
    }
}

TEST(PlannerTest, UnsignedReleaseIsNotPlannedWhileSignaturesAreRequired) {
    auto releases = DemoReleases();
    releases["suite:commerce"].release_key_id.clear();
    releases["suite:commerce"].release_statement.clear();
    auto refused = PlanChanges(DemoManifest(), {}, releases);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().Is(Errc::kInvalidArgument));
    EXPECT_NE(refused.error().message.find("suite:commerce 1.5.0 has no signed release statement"),
              std::string::npos)
        << refused.error().message;
    auto allowed = PlanChanges(DemoManifest(), {}, releases, PlanRules{false});
    ASSERT_TRUE(allowed) << allowed.error().message;
    EXPECT_EQ(allowed->size(), 3u);
}

TEST(PlannerTest, ComponentsAlreadyAtTheWantedVersionAreLeftOut) {
    std::vector<domain::InstalledComponent> inventory{{"platform", "webwaka-platform", "1.9.0"},
                                                      {"suite", "commerce", "1.5.0"}};
    auto plan = PlanChanges(DemoManifest(), inventory, DemoReleases());
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_EQ(plan->size(), 2u);
    EXPECT_EQ((*plan)[0].name, "webwaka-platform");
    EXPECT_EQ((*plan)[0].from_version, "1.9.0");
    EXPECT_EQ((*plan)[0].to_version, "2.0.0");
    EXPECT_EQ((*plan)[1].name, "reporting");
}

TEST(PlannerTest, InstalledComponentsOutsideTheManifestAreDeactivatedLast) {
    std::vector<domain::InstalledComponent> inventory{{"capability", "legacy", "0.1.0"},
                                                      {"suite", "old", "3.0.0"}};
    auto plan = PlanChanges(DemoManifest(), inventory, DemoReleases());
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_EQ(plan->size(), 5u);
    EXPECT_EQ((*plan)[3].name, "old");
    EXPECT_TRUE((*plan)[3].to_version.empty());
    EXPECT_EQ((*plan)[4].name, "legacy");
    EXPECT_TRUE((*plan)[4].artifact_sha256.empty());
}

TEST(PlannerTest, MissingReleaseAndMissingArtifactAreBothNamed) {
    auto releases = DemoReleases();
    releases.erase("suite:commerce");
    releases["capability:reporting"].artifact_sha256.reset();
    auto plan = PlanChanges(DemoManifest(), {}, releases);
    ASSERT_FALSE(plan);
    EXPECT_TRUE(plan.error().Is(Errc::kInvalidArgument));
    EXPECT_NE(plan.error().message.find("suite:commerce 1.5.0 is not a registered release"),
              std::string::npos);
    EXPECT_NE(plan.error().message.find("capability:reporting 1.0.0 has no uploaded artifact"),
              std::string::npos);
}

TEST(PlannerTest, NothingToChangeGivesAnEmptyPlan) {
    std::vector<domain::InstalledComponent> inventory{{"platform", "webwaka-platform", "2.0.0"},
                                                      {"suite", "commerce", "1.5.0"},
                                                      {"capability", "reporting", "1.0.0"}};
    auto plan = PlanChanges(DemoManifest(), inventory, DemoReleases());
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_TRUE(plan->empty());
}

}  // namespace
}  // namespace waka::coordinator::domain
