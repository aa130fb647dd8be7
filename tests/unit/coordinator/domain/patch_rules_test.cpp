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
    EXPECT_EQ(PatchApplicationStatus(*ParseDeploymentStatus("awaiting_approval")), "pending");
    EXPECT_EQ(PatchApplicationStatus(*ParseDeploymentStatus("deployed")), "applied");
    EXPECT_EQ(PatchApplicationStatus(*ParseDeploymentStatus("rolled_back")), "failed");
}

}  // namespace
}  // namespace waka::coordinator::domain
