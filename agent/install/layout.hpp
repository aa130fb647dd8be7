#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"

// The agent's on-disk layout (docs/design.md §6) and the `current` symlink primitives. Blocking; no
// state.
namespace waka::agent::install {

class StateLayout {
public:
    explicit StateLayout(std::filesystem::path state_dir) : root_(std::move(state_dir)) {}

    [[nodiscard]] const std::filesystem::path& Root() const { return root_; }
    [[nodiscard]] std::filesystem::path ComponentsDir() const { return root_ / "components"; }
    [[nodiscard]] std::filesystem::path DownloadsDir() const { return root_ / "downloads"; }
    [[nodiscard]] std::filesystem::path RunDir() const { return root_ / "run"; }
    // components/<type>-<name>
    [[nodiscard]] std::filesystem::path ComponentDir(std::string_view type,
                                                     std::string_view name) const;
    [[nodiscard]] std::filesystem::path VersionDir(std::string_view type, std::string_view name,
                                                   std::string_view version) const;
    [[nodiscard]] std::filesystem::path PartialDownload(std::string_view sha256) const;
    [[nodiscard]] std::filesystem::path Download(std::string_view sha256) const;
    // Per-operation configuration handed to hooks as $WAKA_CONFIG_FILE.
    [[nodiscard]] std::filesystem::path ConfigFile(std::string_view op_id) const;
    // Sidecar remembering which artifact a version came from, to prune its download with it.
    [[nodiscard]] static std::filesystem::path ArtifactNote(
        const std::filesystem::path& component_dir, std::string_view version);

    // Creates components/, downloads/ and run/.
    [[nodiscard]] Expected<void> Create() const;

private:
    std::filesystem::path root_;
};

// The version `<component_dir>/current` points at; nullopt when there is no link.
[[nodiscard]] Expected<std::optional<std::string>> ReadCurrent(
    const std::filesystem::path& component_dir);
// Points `current` at `version` atomically (temp symlink renamed over it, directory fsynced):
// a crash leaves either the old or the new link. Idempotent.
[[nodiscard]] Expected<void> PointCurrentAt(const std::filesystem::path& component_dir,
                                            const std::string& version);
// Removes `current` (durably); succeeds when it is already absent. Version files are kept.
[[nodiscard]] Expected<void> RemoveCurrent(const std::filesystem::path& component_dir);

// Components whose `current` link names an existing version directory, ordered platform, suites,
// capabilities, then by name.
[[nodiscard]] std::vector<model::InstalledComponent> ListInstalled(const StateLayout& layout);

// 0 platform, 1 suite, 2 capability, 3 anything else: the order operations are applied in.
[[nodiscard]] int TypeRank(std::string_view type);

}  // namespace waka::agent::install
