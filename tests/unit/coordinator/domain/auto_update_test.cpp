#include "coordinator/domain/auto_update.hpp"

#include <gtest/gtest.h>

// Auto-update planning as tables: which release each component moves to, and why not.
namespace waka::coordinator::domain {
namespace {

domain::Release Release(const std::string& type, const std::string& name,
                        const std::string& version,
                        std::map<std::string, std::string> dependencies = {}, bool stable = true,
                        bool artifact = true) {
    domain::Release release;
    release.component_type = type;
    release.component_name = name;
    release.version = version;
    release.is_stable = stable;
    release.dependencies = std::move(dependencies);
    if (artifact) {
        release.artifact_sha256 = std::string(64, 'a');
    }
    return release;
}

domain::Manifest Current() {
    domain::Manifest m;
    m.id = "manifest-001";
    m.platform_version = "2.0.0";
    m.suites = {{"commerce", "1.0.0"}};
    return m;
}

const std::map<std::string, std::string> kNeedsPlatform2{{"platform:webwaka-platform", "^2.0.0"}};

struct Case {
    std::string name;
    std::vector<domain::Release> extra;  // besides platform 2.0.0 and commerce 1.0.0 (^2.0.0)
    std::string platform;                // expected target platform ("": no update)
    std::string commerce;
    Quarantined quarantined = {};  // on the instance
};

class PlanAutoUpdateTest : public ::testing::TestWithParam<Case> {};

TEST_P(PlanAutoUpdateTest, MovesEachComponentToItsNewestCompatibleRelease) {
    std::vector<domain::Release> releases{Release("platform", "webwaka-platform", "2.0.0"),
                                          Release("suite", "commerce", "1.0.0", kNeedsPlatform2)};
    releases.insert(releases.end(), GetParam().extra.begin(), GetParam().extra.end());
    auto plan = PlanAutoUpdate(Current(), DeployableCatalog(releases), GetParam().quarantined);
    if (GetParam().platform.empty()) {
        EXPECT_FALSE(plan) << plan->changes.front();
        return;
    }
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->target.platform_version, GetParam().platform);
    EXPECT_EQ(plan->target.suites.at("commerce"), GetParam().commerce);
    EXPECT_TRUE(plan->target.id.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, PlanAutoUpdateTest,
    ::testing::Values(
        Case{"NothingNewer", {}, "", ""},
        Case{"NewerPatch", {Release("platform", "webwaka-platform", "2.0.1")}, "2.0.1", "1.0.0"},
        Case{"NewestCompatibleWins",
             {Release("platform", "webwaka-platform", "2.1.0"),
              Release("platform", "webwaka-platform", "2.4.0"),
              Release("platform", "webwaka-platform", "3.0.0")},
             "2.4.0",
             "1.0.0"},
        Case{"OnlyIncompatibleNewer", {Release("platform", "webwaka-platform", "3.0.0")}, "", ""},
        Case{"PreReleaseUnstableAndArtifactlessAreIgnored",
             {Release("platform", "webwaka-platform", "2.2.0-rc.1"),
              Release("platform", "webwaka-platform", "2.3.0", {}, false),
              Release("platform", "webwaka-platform", "2.4.0", {}, true, false)},
             "",
             ""},
        Case{"ASuiteThatNeedsANewerPlatformWaitsForIt",
             {Release("suite", "commerce", "1.1.0", {{"platform:webwaka-platform", ">=2.1.0"}})},
             "",
             ""},
        Case{"PlatformFirstThenTheSuiteThatNeedsIt",
             {Release("platform", "webwaka-platform", "2.1.0"),
              Release("suite", "commerce", "1.1.0",
                      {{"platform:webwaka-platform", ">=2.1.0 <3.0.0"}})},
             "2.1.0",
             "1.1.0"},
        Case{"ADependencyOutsideTheManifestIsNotMet",
             {Release("suite", "commerce", "1.2.0", {{"capability:reporting", "^1.0.0"}})},
             "",
             ""},
        Case{"AQuarantinedVersionGivesWayToTheNewestOther",
             {Release("platform", "webwaka-platform", "2.1.0"),
              Release("platform", "webwaka-platform", "2.2.0")},
             "2.1.0",
             "1.0.0",
             {{"platform:webwaka-platform", {"2.2.0"}}}},
        Case{"OnlyAQuarantinedNewerMeansNoUpdate",
             {Release("platform", "webwaka-platform", "2.1.0")},
             "",
             "",
             {{"platform:webwaka-platform", {"2.1.0"}}}},
        Case{"AQuarantinedPlatformDoesNotHoldBackTheSuite",
             {Release("platform", "webwaka-platform", "2.1.0"),
              Release("suite", "commerce", "1.1.0", kNeedsPlatform2)},
             "2.0.0",
             "1.1.0",
             {{"platform:webwaka-platform", {"2.1.0"}}}}),
    [](const auto& test_info) { return test_info.param.name; });

TEST(CheckCompatibleTest, NamesTheUnmetRange) {
    auto catalog = DeployableCatalog({Release("platform", "webwaka-platform", "3.0.0"),
                                      Release("suite", "commerce", "1.0.0", kNeedsPlatform2)});
    auto m = Current();
    m.platform_version = "3.0.0";
    auto checked = CheckCompatible(m, catalog);
    ASSERT_FALSE(checked);
    EXPECT_EQ(
        checked.error().message,
        "suite:commerce 1.0.0 needs platform:webwaka-platform ^2.0.0, the manifest has 3.0.0");
}

TEST(StableIdTest, SameKeySameIdOtherKeyOtherId) {
    EXPECT_EQ(StableId("deploy", "instance-1|manifest-001|abc"),
              StableId("deploy", "instance-1|manifest-001|abc"));
    EXPECT_NE(StableId("deploy", "instance-1|manifest-001|abc"),
              StableId("deploy", "instance-2|manifest-001|abc"));
    const auto id = StableId("deploy", "k");
    EXPECT_EQ(id.rfind("deploy-", 0), 0u);
    EXPECT_EQ(id.size(), std::string("deploy-").size() + 36);
    EXPECT_EQ(id[7 + 14], '5');  // UUID version 5
}

}  // namespace
}  // namespace waka::coordinator::domain
