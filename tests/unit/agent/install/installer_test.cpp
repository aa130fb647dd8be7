#include "agent/install/installer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "tests/unit/agent/install/installer_fixture.hpp"

namespace waka::agent::install {
namespace {
namespace fs = std::filesystem;
using testing::ArchiveBuilder;
using testing::InstallerFixture;

using Inventory = std::vector<model::InstalledComponent>;

bool HasStagingLeftovers(const fs::path& state) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(state / "components", ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->path().filename().string().find(".staging-") != std::string::npos) {
            return true;
        }
    }
    return false;
}

class InstallerTest : public InstallerFixture {};

TEST_F(InstallerTest, DeploysTwoComponentsInOrder) {
    auto suite = Publish("suite", "commerce", "1.0.0");
    auto platform = Publish("platform", "webwaka-platform", "2.0.0");
    auto r = Run(Op("op-1", {suite, platform}));
    ASSERT_EQ(r.outcome, model::Outcome::kSucceeded) << r.error;
    EXPECT_EQ(r.op_id, "op-1");
    const Inventory expected{{"platform", "webwaka-platform", "2.0.0"},
                             {"suite", "commerce", "1.0.0"}};
    EXPECT_EQ(r.inventory, expected);
    EXPECT_EQ(InventoryOf(state_), expected);
    EXPECT_EQ(fs::read_symlink(ComponentDir("suite-commerce") / "current"), "1.0.0");
    EXPECT_EQ(HookLog(), (std::vector<std::string>{
                             "webwaka-platform 2.0.0 pre-activate",
                             "webwaka-platform 2.0.0 post-activate",
                             "commerce 1.0.0 pre-activate",
                             "commerce 1.0.0 post-activate",
                             "webwaka-platform 2.0.0 health-check",
                             "commerce 1.0.0 health-check",
                         }));
    EXPECT_TRUE(fs::exists(state_ / "downloads" / (suite.artifact_sha256 + ".tar.gz")));
    auto has_step = [&](std::string_view step) {
        return std::any_of(events_.begin(), events_.end(),
                           [&](const auto& e) { return e.step == step && e.op_id == "op-1"; });
    };
    for (auto step : {"download", "unpack", "pre_activate", "switch", "post_activate",
                      "health_check", "commit"}) {
        EXPECT_TRUE(has_step(step)) << step;
    }
    auto last_download = std::find_if(events_.rbegin(), events_.rend(), [](const auto& e) {
        return e.step == "download" && e.component == "suite:commerce";
    });
    ASSERT_NE(last_download, events_.rend());
    EXPECT_EQ(last_download->bytes_done, suite.size);
    EXPECT_EQ(last_download->bytes_total, suite.size);
}

TEST_F(InstallerTest, HealthCheckFailureRollsBackToPreviousVersion) {
    auto v1 = Publish("suite", "commerce", "1.0.0");
    ASSERT_EQ(Run(Op("op-1", {v1})).outcome, model::Outcome::kSucceeded);
    auto plan = AllHooksSucceed();
    plan["health-check"] = 7;
    auto v2 = Publish("suite", "commerce", "2.0.0", plan);
    auto r = Run(Op("op-2", {From(v2, "1.0.0")}));
    EXPECT_EQ(r.outcome, model::Outcome::kRolledBack);
    EXPECT_NE(r.error.find("hook 'health-check' failed with exit code 7"), std::string::npos)
        << r.error;
    EXPECT_EQ(r.inventory, (Inventory{{"suite", "commerce", "1.0.0"}}));
    EXPECT_EQ(fs::read_symlink(ComponentDir("suite-commerce") / "current"), "1.0.0");
    EXPECT_EQ(HookLog().back(), "commerce 1.0.0 health-check");  // restored version re-checked
    EXPECT_TRUE(fs::exists(ComponentDir("suite-commerce") / "2.0.0"));  // kept for diagnosis
}

TEST_F(InstallerTest, PreActivateFailureOnSecondComponentSwitchesFirstBack) {
    auto p1 = Publish("platform", "webwaka-platform", "1.0.0");
    ASSERT_EQ(Run(Op("op-1", {p1})).outcome, model::Outcome::kSucceeded);
    auto p2 = Publish("platform", "webwaka-platform", "2.0.0");
    auto plan = AllHooksSucceed();
    plan["pre-activate"] = 1;
    auto suite = Publish("suite", "commerce", "1.0.0", plan);
    auto r = Run(Op("op-2", {suite, From(p2, "1.0.0")}));
    EXPECT_EQ(r.outcome, model::Outcome::kRolledBack);
    EXPECT_NE(r.error.find("pre-activate"), std::string::npos) << r.error;
    EXPECT_EQ(r.inventory, (Inventory{{"platform", "webwaka-platform", "1.0.0"}}));
    EXPECT_FALSE(fs::exists(fs::symlink_status(ComponentDir("suite-commerce") / "current")));
}

TEST_F(InstallerTest, PreActivateFailureOnFirstComponentLeavesInstanceUnchanged) {
    auto p1 = Publish("platform", "webwaka-platform", "1.0.0");
    ASSERT_EQ(Run(Op("op-1", {p1})).outcome, model::Outcome::kSucceeded);
    auto plan = AllHooksSucceed();
    plan["pre-activate"] = 1;
    auto p2 = Publish("platform", "webwaka-platform", "2.0.0", plan);
    auto r = Run(Op("op-2", {From(p2, "1.0.0")}));
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_EQ(r.inventory, (Inventory{{"platform", "webwaka-platform", "1.0.0"}}));
}

TEST_F(InstallerTest, DeactivationRemovesLinkKeepsFiles) {
    auto s1 = Publish("suite", "commerce", "1.0.0");
    auto c1 = Publish("capability", "reporting", "1.0.0");
    ASSERT_EQ(Run(Op("op-1", {s1, c1})).outcome, model::Outcome::kSucceeded);
    auto r = Run(Op("op-2", {Deactivate("capability", "reporting", "1.0.0")}));
    ASSERT_EQ(r.outcome, model::Outcome::kSucceeded) << r.error;
    EXPECT_EQ(r.inventory, (Inventory{{"suite", "commerce", "1.0.0"}}));
    EXPECT_TRUE(fs::exists(ComponentDir("capability-reporting") / "1.0.0" / "bundle.json"));
    EXPECT_EQ(HookLog().back(), "reporting 1.0.0 pre-deactivate");
}

TEST_F(InstallerTest, FailureAfterDeactivationRecreatesTheLink) {
    auto c1 = Publish("capability", "reporting", "1.0.0");
    ASSERT_EQ(Run(Op("op-1", {c1})).outcome, model::Outcome::kSucceeded);
    auto plan = AllHooksSucceed();
    plan["health-check"] = 1;
    auto s1 = Publish("suite", "commerce", "1.0.0", plan);
    auto r = Run(Op("op-2", {s1, Deactivate("capability", "reporting", "1.0.0")}));
    EXPECT_EQ(r.outcome, model::Outcome::kRolledBack);
    EXPECT_EQ(r.inventory, (Inventory{{"capability", "reporting", "1.0.0"}}));
}

TEST_F(InstallerTest, ShaMismatchFailsWithoutChange) {
    auto v1 = Publish("suite", "commerce", "1.0.0");
    ASSERT_EQ(Run(Op("op-1", {v1})).outcome, model::Outcome::kSucceeded);
    auto v2 = Publish("suite", "commerce", "2.0.0");
    // The served file changes after signing (same size): the download check catches it.
    const auto served = artifacts_ / (v2.artifact_sha256 + ".tar.gz");
    std::string bytes(static_cast<std::size_t>(fs::file_size(served)), 'x');
    std::ofstream(served, std::ios::binary | std::ios::trunc) << bytes;
    auto r = Run(Op("op-2", {From(v2, "1.0.0")}));
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_NE(r.error.find("sha256 mismatch"), std::string::npos) << r.error;
    EXPECT_EQ(r.inventory, (Inventory{{"suite", "commerce", "1.0.0"}}));
    EXPECT_FALSE(fs::exists(state_ / "downloads" / (v2.artifact_sha256 + ".partial")));
    EXPECT_FALSE(fs::exists(ComponentDir("suite-commerce") / "2.0.0"));
}

TEST_F(InstallerTest, ResumesAPartialDownload) {
    auto v1 = Publish("suite", "commerce", "1.0.0");
    fs::create_directories(state_ / "downloads");
    fs::copy_file(artifacts_ / v1.download_path,
                  state_ / "downloads" / (v1.artifact_sha256 + ".partial"));
    fs::resize_file(state_ / "downloads" / (v1.artifact_sha256 + ".partial"), v1.size / 2);
    ASSERT_EQ(Run(Op("op-1", {v1})).outcome, model::Outcome::kSucceeded);
    EXPECT_EQ(fetcher_.resumed_from, (std::vector<std::uint64_t>{v1.size / 2}));
}

TEST_F(InstallerTest, AnswersStoredResultWithoutRerunning) {
    auto v1 = Publish("suite", "commerce", "1.0.0");
    auto first = Run(Op("op-1", {v1}));
    ASSERT_EQ(first.outcome, model::Outcome::kSucceeded);
    const auto hooks_run = HookLog().size();
    auto again = Run(Op("op-1", {v1}));
    EXPECT_EQ(again.outcome, model::Outcome::kSucceeded);
    EXPECT_EQ(again.inventory, first.inventory);
    EXPECT_EQ(HookLog().size(), hooks_run);
    EXPECT_EQ(fetcher_.resumed_from.size(), 1u);
    Installer installer(Options(state_), fetcher_);
    auto stored = installer.StoredResult("op-1");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->outcome, model::Outcome::kSucceeded);
    EXPECT_FALSE(installer.StoredResult("op-unknown"));
}

TEST_F(InstallerTest, RefusesUnsafeComponentFieldsBeforeTouchingDisk) {
    auto v1 = Publish("suite", "commerce", "1.0.0");
    int attempt = 0;
    for (auto mutate : std::vector<std::function<void(model::ComponentChange&)>>{
             [](model::ComponentChange& c) { c.name = "../evil"; },
             [](model::ComponentChange& c) { c.to_version = "../../evil"; },
             [](model::ComponentChange& c) { c.type = "rootkit"; },
             [](model::ComponentChange& c) { c.artifact_sha256 = "../../../etc/passwd"; },
         }) {
        model::ComponentChange bad = v1;
        mutate(bad);
        auto r = Run(Op("op-bad-" + std::to_string(++attempt), {bad}));
        EXPECT_EQ(r.outcome, model::Outcome::kFailed);
        EXPECT_NE(r.error.find("invalid component"), std::string::npos) << r.error;
    }
    EXPECT_FALSE(fs::exists(dir_.path() / "evil"));
    EXPECT_FALSE(fs::exists(state_ / "evil"));
    EXPECT_TRUE(InventoryOf(state_).empty());
    auto r = Run(Op("../op", {v1}));
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
}

TEST_F(InstallerTest, RefusesBundleNamingAnotherVersion) {
    ArchiveBuilder b;
    b.BundleJson("suite", "commerce", "6.6.6");
    auto c = PublishArchive("suite", "commerce", "1.0.0", b);
    auto r = Run(Op("op-1", {c}));
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_NE(r.error.find("bundle.json version does not match"), std::string::npos) << r.error;
    EXPECT_FALSE(fs::exists(ComponentDir("suite-commerce") / "1.0.0"));
    EXPECT_FALSE(HasStagingLeftovers(state_));
}

TEST_F(InstallerTest, PrunesOldVersionsAndTheirDownloads) {
    std::vector<model::ComponentChange> versions;
    std::string previous;
    for (int i = 1; i <= 5; ++i) {
        versions.push_back(Publish("suite", "commerce", std::to_string(i) + ".0.0"));
        auto r = Run(Op("op-" + std::to_string(i), {From(versions.back(), previous)}));
        ASSERT_EQ(r.outcome, model::Outcome::kSucceeded) << r.error;
        previous = versions.back().to_version;
    }
    for (int i = 1; i <= 5; ++i) {
        const bool kept = i >= 3;
        const auto& v = versions[static_cast<std::size_t>(i - 1)];
        EXPECT_EQ(fs::exists(ComponentDir("suite-commerce") / v.to_version), kept) << i;
        EXPECT_EQ(fs::exists(state_ / "downloads" / (v.artifact_sha256 + ".tar.gz")), kept) << i;
    }
}

TEST_F(InstallerTest, ReinstallingTheCurrentVersionIsANoOp) {
    auto v1 = Publish("suite", "commerce", "1.0.0");
    ASSERT_EQ(Run(Op("op-1", {v1})).outcome, model::Outcome::kSucceeded);
    const auto hooks_run = HookLog().size();
    auto r = Run(Op("op-2", {From(v1, "1.0.0")}));
    EXPECT_EQ(r.outcome, model::Outcome::kSucceeded);
    EXPECT_EQ(HookLog().size(), hooks_run);
}

struct HostileCase {
    std::string name;
    std::function<void(ArchiveBuilder&)> add;
};

class HostileBundleTest : public InstallerFixture,
                          public ::testing::WithParamInterface<HostileCase> {};

TEST_P(HostileBundleTest, IsRefusedWithNothingChanged) {
    auto v1 = Publish("suite", "commerce", "1.0.0");
    ASSERT_EQ(Run(Op("op-1", {v1})).outcome, model::Outcome::kSucceeded);
    ArchiveBuilder b;
    b.BundleJson("suite", "commerce", "2.0.0").Hook("pre-activate", "touch " + hook_log_.string());
    GetParam().add(b);
    auto v2 = PublishArchive("suite", "commerce", "2.0.0", b);
    InstallerOptions options = Options(state_);
    options.max_unpacked_bytes = 64 * 1024;
    auto r = Run(Op("op-2", {From(v2, "1.0.0")}), options);
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_NE(r.error.find("refused unsafe bundle"), std::string::npos) << r.error;
    EXPECT_EQ(r.inventory, (Inventory{{"suite", "commerce", "1.0.0"}}));
    EXPECT_FALSE(fs::exists(ComponentDir("suite-commerce") / "2.0.0"));
    EXPECT_FALSE(HasStagingLeftovers(state_));
    EXPECT_FALSE(fs::exists(dir_.path() / "evil"));
    EXPECT_FALSE(fs::exists(state_ / "evil"));
}

INSTANTIATE_TEST_SUITE_P(
    Archives, HostileBundleTest,
    ::testing::Values(
        HostileCase{"DotDot", [](ArchiveBuilder& b) { b.File("../evil", "x"); }},
        HostileCase{"DeepDotDot", [](ArchiveBuilder& b) { b.File("app/../../../evil", "x"); }},
        HostileCase{"Absolute", [](ArchiveBuilder& b) { b.File("/etc/x", "x"); }},
        HostileCase{"SymlinkToEtc", [](ArchiveBuilder& b) { b.Symlink("etc", "/etc"); }},
        HostileCase{"SymlinkUpAndOut",
                    [](ArchiveBuilder& b) { b.Directory("a").Symlink("a/b", "../../x"); }},
        HostileCase{"HardlinkOutside", [](ArchiveBuilder& b) { b.Hardlink("h", "../../evil"); }},
        HostileCase{"CharDevice", [](ArchiveBuilder& b) { b.CharDevice("dev/null"); }},
        HostileCase{"Oversize",
                    [](ArchiveBuilder& b) { b.File("big", std::string(128 * 1024, 'z')); }}),
    [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace waka::agent::install

namespace waka::agent::install {
namespace {

class InstallerEdgeTest : public testing::InstallerFixture {};

TEST_F(InstallerEdgeTest, FailedRestoreIsReportedAsFailedWithBothErrors) {
    auto v1 = Publish("suite", "commerce", "1.0.0");
    ASSERT_EQ(Run(Op("op-1", {v1})).outcome, model::Outcome::kSucceeded);
    auto v2 = Publish("suite", "commerce", "2.0.0");
    InstallerOptions options = Options(state_);
    options.before_step = [](std::string_view step) -> Expected<void> {
        if (step == "hook health-check suite:commerce" || step == "restore suite:commerce") {
            return MakeError(Errc::kIo, "injected at " + std::string(step));
        }
        return {};
    };
    auto r = Run(Op("op-2", {From(v2, "1.0.0")}), options);
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_NE(r.error.find("injected at hook health-check"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("rollback failed"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("injected at restore"), std::string::npos) << r.error;
}

TEST_F(InstallerEdgeTest, HooksReadTheOperationConfiguration) {
    ArchiveBuilder b;
    b.BundleJson("suite", "commerce", "1.0.0")
        .Hook("post-activate", "cat \"$WAKA_CONFIG_FILE\" >> " + hook_log_.string() + "; echo >> " +
                                   hook_log_.string());
    auto c = PublishArchive("suite", "commerce", "1.0.0", b);
    ASSERT_EQ(Run(Op("op-1", {c})).outcome, model::Outcome::kSucceeded);
    EXPECT_EQ(HookLog(), (std::vector<std::string>{R"({"tenant":"acme"})"}));
    EXPECT_FALSE(fs::exists(state_ / "run" / "op-1.config.json"));  // removed once finished
}

TEST_F(InstallerEdgeTest, FetchFailureFailsWithoutChange) {
    auto v1 = Publish("suite", "commerce", "1.0.0");
    v1.download_path = "missing.tar.gz";
    auto r = Run(Op("op-1", {v1}));
    EXPECT_EQ(r.outcome, model::Outcome::kFailed);
    EXPECT_NE(r.error.find("download suite:commerce 1.0.0"), std::string::npos) << r.error;
    EXPECT_TRUE(r.inventory.empty());
}

}  // namespace
}  // namespace waka::agent::install
