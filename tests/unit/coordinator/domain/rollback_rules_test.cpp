#include "coordinator/domain/rollback_rules.hpp"

#include <gtest/gtest.h>

// The rollback rules of coordinator/domain/rollback_rules.hpp, as tables.
namespace waka::coordinator::domain {
namespace {

domain::ManifestRun Run(std::string manifest_id) {
    return {"deploy-" + manifest_id, "deploy", std::move(manifest_id), std::nullopt, TimePoint{}};
}

// Instance on manifest-003, which ran 002 before (002 and 001 are candidates, newest first).
domain::InstanceHistory History() {
    domain::InstanceHistory h;
    h.found = true;
    h.current_manifest_id = "manifest-003";
    h.runs = {Run("manifest-003"), Run("manifest-002"), Run("manifest-001")};
    h.available = {Run("manifest-002"), Run("manifest-001")};
    return h;
}

TEST(RollbackTarget, TableOfRefusalsAndTargets) {
    struct Case {
        const char* name;
        domain::InstanceHistory history;
        std::optional<std::string> requested;
        Errc error;  // kOk: the answer is `target`
        std::string target;
    };
    auto unknown = History();
    unknown.found = false;
    auto decommissioned = History();
    decommissioned.decommissioned = true;
    auto fresh = History();
    fresh.current_manifest_id.reset();
    auto only_one = History();
    only_one.available.clear();
    auto ran = History();
    ran.target_exists = ran.target_ran = true;
    auto never_ran = History();
    never_ran.target_exists = true;
    const Case cases[] = {
        {"default is the previous", History(), std::nullopt, Errc::kOk, "manifest-002"},
        {"named and ran", ran, "manifest-001", Errc::kOk, "manifest-001"},
        {"unknown instance", unknown, std::nullopt, Errc::kNotFound, ""},
        {"decommissioned", decommissioned, std::nullopt, Errc::kConflict, ""},
        {"no current manifest", fresh, std::nullopt, Errc::kConflict, ""},
        {"nothing before", only_one, std::nullopt, Errc::kConflict, ""},
        {"target is current", ran, "manifest-003", Errc::kConflict, ""},
        {"unknown manifest", History(), "manifest-404", Errc::kNotFound, ""},
        {"never ran here", never_ran, "manifest-009", Errc::kConflict, ""},
    };
    for (const auto& c : cases) {
        auto target = ChooseRollbackTarget("instance-prod-01", c.history, c.requested);
        if (c.error == Errc::kOk) {
            ASSERT_TRUE(target) << c.name << ": " << target.error().message;
            EXPECT_EQ(*target, c.target) << c.name;
        } else {
            ASSERT_FALSE(target) << c.name;
            EXPECT_TRUE(target.error().Is(c.error)) << c.name << ": " << target.error().message;
        }
    }
}

TEST(RollbackStatus, MapsEveryDeploymentStatusToThePrototypeStrings) {
    const std::pair<const char*, const char*> cases[] = {
        {"pending", "pending"},   {"awaiting_approval", "pending"}, {"scheduled", "pending"},
        {"queued", "pending"},    {"deploying", "in_progress"},     {"deployed", "completed"},
        {"failed", "failed"},     {"rolled_back", "failed"},        {"rejected", "cancelled"},
        {"expired", "cancelled"}, {"cancelled", "cancelled"},
    };
    for (const auto& [status, expected] : cases) {
        EXPECT_EQ(RollbackStatus(*ParseDeploymentStatus(status)), expected) << status;
    }
}

TEST(RemovedVersions, RollbacksRemoveTheirFromVersionsFailuresTheirToVersions) {
    domain::Deployment d;
    d.plan = {{"platform", "webwaka-platform", "2.1.0", "2.0.0", "", 0},
              {"suite", "commerce", "", "1.5.0", "", 0},
              {"capability", "reporting", "1.0.0", "", "", 0}};
    auto text = [](const std::vector<domain::InstalledComponent>& items) {
        std::string out;
        for (const auto& item : items) {
            out += item.type + ":" + item.name + "@" + item.version + " ";
        }
        return out;
    };
    d.kind = "rollback";
    d.status = *ParseDeploymentStatus("deployed");
    EXPECT_EQ(text(RemovedVersions(d)),
              "platform:webwaka-platform@2.1.0 capability:reporting@1.0.0 ");
    d.status = *ParseDeploymentStatus("queued");
    EXPECT_EQ(text(RemovedVersions(d)), "");
    d.kind = "deploy";
    d.status = *ParseDeploymentStatus("deployed");
    EXPECT_EQ(text(RemovedVersions(d)), "");  // a successful deployment quarantines nothing
    d.status = *ParseDeploymentStatus("rolled_back");
    EXPECT_EQ(text(RemovedVersions(d)), "platform:webwaka-platform@2.0.0 suite:commerce@1.5.0 ");
    d.status = *ParseDeploymentStatus("failed");
    EXPECT_EQ(text(RemovedVersions(d)), "platform:webwaka-platform@2.0.0 suite:commerce@1.5.0 ");
}

TEST(QuarantineReason, NamesTheRollbackOrTheFailedDeploymentWithItsError) {
    domain::Deployment d;
    d.id = "deploy-1";
    d.kind = "rollback";
    d.status = *ParseDeploymentStatus("deployed");
    EXPECT_EQ(QuarantineReason(d), "removed by rollback deploy-1");
    d.kind = "deploy";
    d.status = *ParseDeploymentStatus("rolled_back");
    d.error_message = "health check failed";
    EXPECT_EQ(QuarantineReason(d), "rolled_back in deployment deploy-1: health check failed");
    d.status = *ParseDeploymentStatus("failed");
    d.error_message.reset();
    EXPECT_EQ(QuarantineReason(d), "failed in deployment deploy-1");
}

}  // namespace
}  // namespace waka::coordinator::domain
