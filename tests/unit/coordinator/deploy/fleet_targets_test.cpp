#include "coordinator/deploy/fleet_targets.hpp"

#include <gtest/gtest.h>

#include "coordinator/domain/compile_target.hpp"

// The targets of a rollout batch when members get their own manifests (ADR 0038): one patched
// manifest per distinct current manifest, every member that cannot take the patch refused with the
// reason, compiled manifests hashed, stored twins reused, and the stored form of constraints.
namespace waka::coordinator::deploy {
namespace {

domain::SecurityPatch CommercePatch() {
    domain::SecurityPatch patch;
    patch.id = "patch-001";
    patch.component_type = "suite";
    patch.component_name = "commerce";
    patch.affected_versions = ">=1.5.0 <1.5.1";
    patch.patched_version = "1.5.1";
    patch.severity = "critical";
    return patch;
}

domain::Manifest Manifest(std::string id, std::string commerce,
                          std::optional<std::string> owner = std::nullopt) {
    domain::Manifest m;
    m.id = std::move(id);
    m.instance_id = std::move(owner);
    m.platform_name = "webwaka-platform";
    m.platform_version = "2.0.0";
    if (!commerce.empty()) {
        m.suites["commerce"] = std::move(commerce);
    }
    return m;
}

ports::FleetMember Member(std::string id, std::optional<domain::Manifest> current) {
    ports::FleetMember member;
    member.instance.id = std::move(id);
    member.current = std::move(current);
    return member;
}

class PatchTargetsTest : public ::testing::Test {
protected:
    Expected<ports::FleetTargets> Targets(const std::vector<ports::FleetMember>& members,
                                          const std::vector<domain::PatchDeployment>& links = {}) {
        return PatchTargets(CommercePatch(), members, links,
                            [this] { return "manifest-new-" + std::to_string(++made_); });
    }
    int made_ = 0;
};

TEST_F(PatchTargetsTest, MembersSharingAManifestShareOnePatchedManifest) {
    const auto shared = Manifest("manifest-001", "1.5.0");
    const auto owned = Manifest("manifest-c", "1.5.0", "instance-c");
    auto targets = Targets(
        {Member("instance-a", shared), Member("instance-b", shared), Member("instance-c", owned)});
    ASSERT_TRUE(targets) << targets.error().message;
    ASSERT_EQ(targets->new_manifests.size(), 2u);
    EXPECT_TRUE(targets->refused.empty());
    EXPECT_EQ(targets->manifest_of.at("instance-a"), "manifest-new-1");
    EXPECT_EQ(targets->manifest_of.at("instance-b"), "manifest-new-1");
    EXPECT_EQ(targets->manifest_of.at("instance-c"), "manifest-new-2");
    const auto& patched = targets->new_manifests[0];
    EXPECT_EQ(patched.suites.at("commerce"), "1.5.1");
    EXPECT_EQ(patched.platform_version, "2.0.0");   // only the patch's component moves
    EXPECT_FALSE(patched.instance_id.has_value());  // shared stays shared
    EXPECT_FALSE(patched.content_hash.empty());
    EXPECT_EQ(targets->new_manifests[1].instance_id, "instance-c");  // owned stays owned
}

TEST_F(PatchTargetsTest, MembersThatCannotTakeThePatchAreRefusedWithTheReason) {
    domain::PatchDeployment open;
    open.patch_id = "patch-001";
    open.deployment_id = "deploy-9";
    open.instance_id = "instance-busy";
    open.status = domain::DeploymentStatus::kDeploying;
    domain::PatchDeployment old = open;
    old.instance_id = "instance-a";
    old.status = domain::DeploymentStatus::kFailed;  // finished: no obstacle
    auto targets = Targets(
        {Member("instance-a", Manifest("m1", "1.5.0")), Member("instance-none", std::nullopt),
         Member("instance-busy", Manifest("m1", "1.5.0")),
         Member("instance-patched", Manifest("m2", "1.5.1")),
         Member("instance-bare", Manifest("m3", "")),
         Member("instance-above", Manifest("m4", "1.6.0"))},
        {open, old});
    ASSERT_TRUE(targets) << targets.error().message;
    EXPECT_EQ(targets->manifest_of.size(), 1u);
    EXPECT_TRUE(targets->manifest_of.contains("instance-a"));
    std::map<std::string, std::string> why(targets->refused.begin(), targets->refused.end());
    ASSERT_EQ(why.size(), 5u);
    EXPECT_NE(why["instance-none"].find("has no current manifest"), std::string::npos);
    EXPECT_NE(why["instance-busy"].find("already being applied to instance-busy by deploy-9"),
              std::string::npos)
        << why["instance-busy"];
    for (const char* id : {"instance-patched", "instance-bare", "instance-above"}) {
        EXPECT_FALSE(why[id].empty()) << id;
    }
}

TEST_F(PatchTargetsTest, ANewManifestWithAStoredTwinIsReplacedByIt) {
    const auto shared = Manifest("manifest-001", "1.5.0");
    const auto other = Manifest("manifest-002", "1.5.0", "instance-c");
    auto targets = Targets(
        {Member("instance-a", shared), Member("instance-b", shared), Member("instance-c", other)});
    ASSERT_TRUE(targets);
    ReuseStored(*targets, {{"manifest-new-1", "manifest-stored"}});
    EXPECT_EQ(targets->manifest_of.at("instance-a"), "manifest-stored");
    EXPECT_EQ(targets->manifest_of.at("instance-b"), "manifest-stored");
    EXPECT_EQ(targets->manifest_of.at("instance-c"), "manifest-new-2");
    ASSERT_EQ(targets->new_manifests.size(), 1u);
    EXPECT_EQ(targets->new_manifests[0].id, "manifest-new-2");
}

TEST(CompiledTargetsTest, CompiledMembersGetTheirHashedManifestAndTheOthersTheReason) {
    std::vector<Expected<domain::Manifest>> compiled;
    compiled.emplace_back(Manifest("manifest-a", "1.5.1", "instance-a"));
    compiled.emplace_back(MakeError(Errc::kConflict, "no set of versions satisfies the pin"));
    auto targets =
        CompiledTargets({Member("instance-a", std::nullopt), Member("instance-b", std::nullopt)},
                        std::move(compiled));
    ASSERT_TRUE(targets) << targets.error().message;
    EXPECT_EQ(targets->manifest_of.at("instance-a"), "manifest-a");
    ASSERT_EQ(targets->new_manifests.size(), 1u);
    EXPECT_FALSE(targets->new_manifests[0].content_hash.empty());
    ASSERT_EQ(targets->refused.size(), 1u);
    EXPECT_EQ(targets->refused[0].first, "instance-b");
    EXPECT_EQ(targets->refused[0].second, "no set of versions satisfies the pin");
}

TEST(CompileTargetTest, RoundTripsThroughItsStoredFormAndRefusesOtherShapes) {
    domain::CompileTarget target;
    target.constraints = {{"platform:webwaka-platform", "^2.1"}, {"suite:commerce", "latest"}};
    target.configuration_json = R"({"region":"lagos"})";
    auto back = domain::CompileTargetFromJson(domain::CompileTargetToJson(target));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, target);
    for (const char* bad : {"[]", "{}",
                            R"({"platform_name":"p","constraints":{"a":1},)"
                            R"("configuration":{}})",
                            "not json"}) {
        EXPECT_FALSE(domain::CompileTargetFromJson(bad)) << bad;
    }
}

}  // namespace
}  // namespace waka::coordinator::deploy
