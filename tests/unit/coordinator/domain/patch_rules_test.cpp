#include <gtest/gtest.h>

#include "coordinator/domain/deployment_status.hpp"
#include "coordinator/domain/patching.hpp"

// The patch applicability rules of coordinator/domain/patching.hpp, as tables.
namespace waka::coordinator::domain {
namespace {

domain::SecurityPatch Commerce(std::string range, std::string patched) {
    domain::SecurityPatch p;
    p.id = "patch-001";
    p.component_type = "suite";
    p.component_name = "commerce";
    p.affected_versions = std::move(range);
    p.patched_version = std::move(patched);
    p.severity = "critical";
    return p;
}

domain::Manifest WithCommerce(std::optional<std::string> version) {
    domain::Manifest m;
    m.id = "manifest-001";
    m.platform_version = "2.0.0";
    if (version) {
        m.suites["commerce"] = *version;
    }
    m.capabilities["reporting"] = "1.0.0";
    return m;
}

TEST(CheckPatch, Table) {
    struct Case {
        std::string range, patched;
        std::optional<std::string> installed;
        PatchFit fit;
    };
    const Case cases[] = {
        {">=1.5.0 <1.5.1", "1.5.1", "1.5.0", PatchFit::kAffected},
        {"<1.5.1", "1.5.1", "1.4.9", PatchFit::kAffected},
        {">=1.5.0 <1.5.1", "1.5.1", "1.4.0", PatchFit::kNotAffected},
        {">=1.5.0 <1.5.1", "1.5.1", "1.5.1", PatchFit::kAlreadyPatched},
        {">=1.5.0 <1.5.1", "1.5.1", "2.0.0", PatchFit::kAlreadyPatched},
        {"1.5.x || 1.6.0", "1.6.1", "1.6.0", PatchFit::kAffected},
        {"~1.5.0", "1.6.0", "1.5.9", PatchFit::kAffected},
        {"<1.5.1", "1.5.1", std::nullopt, PatchFit::kNotInstalled},
        // A patch registered before ADR 0019, or a medium one, may name an older version.
        {"<2.0.0", "1.2.0", "1.5.0", PatchFit::kWouldDowngrade},
        {"<2.0.0", "1.2.0", "1.1.0", PatchFit::kAffected},
        {">=1.3.0 <1.6.0", "1.2.0", "1.3.0", PatchFit::kWouldDowngrade},
        {">=1.3.0 <1.6.0", "1.2.0", "1.6.0", PatchFit::kAlreadyPatched},
    };
    for (const auto& c : cases) {
        auto check = CheckPatch(Commerce(c.range, c.patched), WithCommerce(c.installed));
        EXPECT_EQ(check.fit, c.fit)
            << c.range << " " << c.installed.value_or("-") << ": " << check.detail;
        EXPECT_FALSE(check.detail.empty());
    }
    auto platform = Commerce("<2.1.0", "2.1.0");
    platform.component_type = "platform";
    platform.component_name = "webwaka-platform";
    EXPECT_EQ(CheckPatch(platform, WithCommerce("1.5.0")).fit, PatchFit::kAffected);
    platform.component_name = "other-platform";
    EXPECT_EQ(CheckPatch(platform, WithCommerce("1.5.0")).fit, PatchFit::kNotInstalled);
}

TEST(CheckReportedNotAbove, RefusesOnlyWhenTheAgentRunsANewerVersionOfTheComponent) {
    const auto patch = Commerce("<2.0.0", "1.5.1");
    struct Case {
        std::vector<InstalledComponent> inventory;
        bool refused;
    };
    const Case cases[] = {
        {{}, false},
        {{{"suite", "commerce", "1.5.0"}}, false},
        {{{"suite", "commerce", "1.5.1"}}, false},
        {{{"suite", "commerce", "1.6.0"}}, true},
        {{{"suite", "commerce", "1.5.1-rc.1"}}, false},
        {{{"suite", "billing", "9.0.0"}}, false},
        {{{"capability", "commerce", "9.0.0"}}, false},
        {{{"platform", "webwaka-platform", "2.0.0"}, {"suite", "commerce", "2.0.0"}}, true},
    };
    for (const auto& c : cases) {
        auto refusal = CheckReportedNotAbove(patch, c.inventory);
        EXPECT_EQ(refusal.has_value(), c.refused) << refusal.value_or("not refused");
    }
    auto refusal = CheckReportedNotAbove(patch, {{"suite", "commerce", "1.6.0"}});
    ASSERT_TRUE(refusal);
    EXPECT_NE(refusal->find("would move suite:commerce down from 1.6.0 to 1.5.1"),
              std::string::npos)
        << *refusal;
}

TEST(PatchedManifest, MovesOnlyThePatchedComponentAndScopesToTheInstance) {
    auto patched = PatchedManifest(WithCommerce("1.5.0"), Commerce("<1.5.1", "1.5.1"),
                                   "manifest-new", "instance-prod-01");
    EXPECT_EQ(patched.id, "manifest-new");
    EXPECT_EQ(patched.instance_id, "instance-prod-01");
    EXPECT_EQ(patched.suites.at("commerce"), "1.5.1");
    EXPECT_EQ(patched.platform_version, "2.0.0");
    EXPECT_EQ(patched.capabilities.at("reporting"), "1.0.0");
}

TEST(StateOf, FollowsTheManifestAndTheLatestPatchDeployment) {
    const auto patch = Commerce("<1.5.1", "1.5.1");
    auto link = [](std::string status) {
        domain::PatchDeployment l;
        l.patch_id = "patch-001";
        l.status = *ParseDeploymentStatus(status);
        return l;
    };
    EXPECT_EQ(StateOf(patch, WithCommerce("1.5.1"), {}), PatchState::kApplied);
    EXPECT_EQ(StateOf(patch, WithCommerce(std::nullopt), {}), PatchState::kNotAffected);
    EXPECT_EQ(StateOf(patch, WithCommerce("1.5.0"), {}), PatchState::kAvailable);
    EXPECT_EQ(StateOf(patch, WithCommerce("1.5.0"), {link("queued")}), PatchState::kPending);
    EXPECT_EQ(StateOf(patch, WithCommerce("1.5.0"), {link("rolled_back")}), PatchState::kFailed);
    EXPECT_EQ(StateOf(patch, WithCommerce("1.5.0"), {link("cancelled"), link("failed")}),
              PatchState::kAvailable);
    const auto older = Commerce("<2.0.0", "1.2.0");
    EXPECT_EQ(StateOf(older, WithCommerce("1.5.0"), {}), PatchState::kConflict);
    EXPECT_EQ(ToString(PatchState::kConflict), "conflict");
    EXPECT_EQ(PatchApplicationStatus(*ParseDeploymentStatus("awaiting_approval")), "pending");
    EXPECT_EQ(PatchApplicationStatus(*ParseDeploymentStatus("deployed")), "applied");
    EXPECT_EQ(PatchApplicationStatus(*ParseDeploymentStatus("rolled_back")), "failed");
}

}  // namespace
}  // namespace waka::coordinator::domain
