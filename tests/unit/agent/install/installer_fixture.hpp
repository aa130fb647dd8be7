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
    }

    // Hooks of a bundle: name -> exit code (0 logs and succeeds).
    using HookPlan = std::map<std::string, int>;
    static HookPlan AllHooksSucceed() {
        return {
            {"pre-activate", 0}, {"post-activate", 0}, {"health-check", 0}, {"pre-deactivate", 0}};
    }

    ComponentChange Publish(const std::string& type, const std::string& name,
                            const std::string& version, const HookPlan& hooks = AllHooksSucceed()) {
        ArchiveBuilder b;
        b.BundleJson(type, name, version).File("app/version.txt", version);
        for (const auto& [hook, code] : hooks) {
            b.Hook(hook, "echo \"$WAKA_COMPONENT_NAME $WAKA_VERSION " + hook + "\" >> " +
                             hook_log_.string() + "\nexit " + std::to_string(code));
        }
        return PublishArchive(type, name, version, b);
    }

    ComponentChange PublishArchive(const std::string& type, const std::string& name,
                                   const std::string& version, const ArchiveBuilder& b) {
        const std::filesystem::path tmp = artifacts_ / "building.tar.gz";
        b.Write(tmp);
        const std::string sha = *Sha256File(tmp);
        std::filesystem::rename(tmp, artifacts_ / (sha + ".tar.gz"));
        return ComponentChange{
            type,           name, "",
            version,        sha,  std::filesystem::file_size(artifacts_ / (sha + ".tar.gz")),
            sha + ".tar.gz"};
    }

    static ComponentChange From(ComponentChange c, std::string from) {
        c.from_version = std::move(from);
        return c;
    }
    static ComponentChange Deactivate(std::string type, std::string name, std::string from) {
        return ComponentChange{std::move(type), std::move(name), std::move(from), "", "", 0, ""};
    }

    static Operation Op(std::string id, std::vector<ComponentChange> components) {
        return Operation{std::move(id), "deploy", std::move(components), R"({"tenant":"acme"})"};
    }

    InstallerOptions Options(const std::filesystem::path& state) const {
        InstallerOptions o;
        o.state_dir = state;
        o.hook_timeout = std::chrono::seconds(30);
        o.health_check_timeout = std::chrono::seconds(30);
        return o;
    }

    OperationResult Run(const Operation& op) { return Run(op, Options(state_)); }
    OperationResult Run(const Operation& op, InstallerOptions options) {
        Installer installer(std::move(options), fetcher_);
        return installer.Execute(op, [&](const ProgressEvent& e) { events_.push_back(e); });
    }

    std::vector<InstalledComponent> InventoryOf(const std::filesystem::path& state) {
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
    FileFetcher fetcher_{artifacts_};
    std::vector<ProgressEvent> events_;
};

}  // namespace waka::agent::install::testing
