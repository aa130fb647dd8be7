#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "agent/install/installer.hpp"
#include "shared/core/crypto.hpp"
#include "tests/support/release/test_publisher.hpp"
#include "tests/unit/agent/install/archive_builder.hpp"
#include "tests/unit/agent/install/file_fetcher.hpp"
#include "tests/unit/agent/install/temp_dir.hpp"

namespace waka::agent::install::testing {

// A state directory, an artifact directory served by a FileFetcher, and bundles whose hooks
// append "<name> <version> <hook>" to a log file the tests read.
class InstallerFixture : public ::testing::Test {
protected:
    InstallerFixture() {
        std::filesystem::create_directories(artifacts_);
        std::filesystem::create_directories(state_);
        publisher_.InstallPublicKey(release_keys_);
    }

    // Hooks of a bundle: name -> exit code (0 logs and succeeds).
    using HookPlan = std::map<std::string, int>;
    static HookPlan AllHooksSucceed() {
        return {
            {"pre-activate", 0}, {"post-activate", 0}, {"health-check", 0}, {"pre-deactivate", 0}};
    }

    model::ComponentChange Publish(const std::string& type, const std::string& name,
                                   const std::string& version,
                                   const HookPlan& hooks = AllHooksSucceed()) {
        ArchiveBuilder b;
        b.BundleJson(type, name, version).File("app/version.txt", version);
        for (const auto& [hook, code] : hooks) {
            b.Hook(hook, "echo \"$WAKA_COMPONENT_NAME $WAKA_VERSION " + hook + "\" >> " +
                             hook_log_.string() + "\nexit " + std::to_string(code));
        }
        return PublishArchive(type, name, version, b);
    }

    model::ComponentChange PublishArchive(const std::string& type, const std::string& name,
                                          const std::string& version, const ArchiveBuilder& b) {
        const std::filesystem::path tmp = artifacts_ / "building.tar.gz";
        b.Write(tmp);
        const std::string sha = *Sha256File(tmp);
        std::filesystem::rename(tmp, artifacts_ / (sha + ".tar.gz"));
        const auto size = std::filesystem::file_size(artifacts_ / (sha + ".tar.gz"));
        auto signed_statement = publisher_.Sign(type, name, version, sha, size);
        return model::ComponentChange{type,
                                      name,
                                      "",
                                      version,
                                      sha,
                                      size,
                                      sha + ".tar.gz",
                                      signed_statement.statement,
                                      signed_statement.signature};
    }

    static model::ComponentChange From(model::ComponentChange c, std::string from) {
        c.from_version = std::move(from);
        return c;
    }
    static model::ComponentChange Deactivate(std::string type, std::string name, std::string from) {
        return model::ComponentChange{
            std::move(type), std::move(name), std::move(from), "", "", 0, ""};
    }

    static model::Operation Op(std::string id, std::vector<model::ComponentChange> components) {
        return model::Operation{std::move(id), "deploy", std::move(components),
                                R"({"tenant":"acme"})"};
    }

    InstallerOptions Options(const std::filesystem::path& state) const {
        InstallerOptions o;
        o.state_dir = state;
        o.hook_timeout = std::chrono::seconds(30);
        o.health_check_timeout = std::chrono::seconds(30);
        o.release_trust.keys_dir = release_keys_;
        return o;
    }

    model::OperationResult Run(const model::Operation& op) { return Run(op, Options(state_)); }
    model::OperationResult Run(const model::Operation& op, InstallerOptions options) {
        Installer installer(std::move(options), fetcher_);
        return installer.Execute(op, [&](const model::ProgressEvent& e) { events_.push_back(e); });
    }

    std::vector<model::InstalledComponent> InventoryOf(const std::filesystem::path& state) {
        Installer installer(Options(state), fetcher_);
        return installer.Inventory();
    }

    std::vector<std::string> HookLog() const {
        std::ifstream in(hook_log_);
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) {
            lines.push_back(line);
        }
        return lines;
    }

    std::filesystem::path ComponentDir(const std::string& key) const {
        return state_ / "components" / key;
    }

    TempDir dir_{TempDir::FastBase()};
    std::filesystem::path artifacts_ = dir_.path() / "artifacts";
    std::filesystem::path state_ = dir_.path() / "state";
    std::filesystem::path hook_log_ = dir_.path() / "hooks.log";
    std::filesystem::path release_keys_ = dir_.path() / "release-keys";
    test::TestPublisher publisher_;  // every Publish is signed by it; release_keys_ trusts it
    FileFetcher fetcher_{artifacts_};
    std::vector<model::ProgressEvent> events_;
};

}  // namespace waka::agent::install::testing
