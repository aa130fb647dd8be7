#include "agent/install/layout.hpp"

#include <algorithm>
#include <system_error>

#include "agent/journal/durable_file.hpp"
#include "shared/core/crypto.hpp"

namespace waka::agent::install {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kCurrent = "current";

Error FsError(std::string_view what, const fs::path& p, const std::error_code& ec) {
    return MakeError(Errc::kIo, std::string(what) + " " + p.string() + ": " + ec.message());
}

}  // namespace

fs::path StateLayout::ComponentDir(std::string_view type, std::string_view name) const {
    return ComponentsDir() / (std::string(type) + "-" + std::string(name));
}

fs::path StateLayout::VersionDir(std::string_view type, std::string_view name,
                                 std::string_view version) const {
    return ComponentDir(type, name) / std::string(version);
}

fs::path StateLayout::PartialDownload(std::string_view sha256) const {
    return DownloadsDir() / (std::string(sha256) + ".partial");
}

fs::path StateLayout::Download(std::string_view sha256) const {
    return DownloadsDir() / (std::string(sha256) + ".tar.gz");
}

fs::path StateLayout::ConfigFile(std::string_view op_id) const {
    return RunDir() / (std::string(op_id) + ".config.json");
}

fs::path StateLayout::ArtifactNote(const fs::path& component_dir, std::string_view version) {
    return component_dir / (".artifact-" + std::string(version));
}

Expected<void> StateLayout::Create() const {
    for (const fs::path& dir : {ComponentsDir(), DownloadsDir(), RunDir()}) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) {
            return FsError("create", dir, ec);
        }
    }
    return {};
}

Expected<std::optional<std::string>> ReadCurrent(const fs::path& component_dir) {
    std::error_code ec;
    fs::path target = fs::read_symlink(component_dir / kCurrent, ec);
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
        return std::optional<std::string>{};
    }
    if (ec) {
        return FsError("read link", component_dir / kCurrent, ec);
    }
    return std::optional<std::string>(target.string());
}

Expected<void> PointCurrentAt(const fs::path& component_dir, const std::string& version) {
    const fs::path temp = component_dir / (".current.tmp-" + RandomHex(6));
    std::error_code ec;
    fs::create_directory_symlink(version, temp, ec);
    if (ec) {
        return FsError("create link", temp, ec);
    }
    fs::rename(temp, component_dir / kCurrent, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(temp, ignored);
        return FsError("switch", component_dir / kCurrent, ec);
    }
    return journal::FsyncDirectory(component_dir);
}

Expected<void> RemoveCurrent(const fs::path& component_dir) {
    std::error_code ec;
    fs::remove(component_dir / kCurrent, ec);
    if (ec) {
        return FsError("remove", component_dir / kCurrent, ec);
    }
    return journal::FsyncDirectory(component_dir);
}

int TypeRank(std::string_view type) {
    if (type == "platform") {
        return 0;
    }
    if (type == "suite") {
        return 1;
    }
    return type == "capability" ? 2 : 3;
}

std::vector<model::InstalledComponent> ListInstalled(const StateLayout& layout) {
    std::vector<model::InstalledComponent> out;
    std::error_code ec;
    for (fs::directory_iterator it(layout.ComponentsDir(), ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string dir_name = it->path().filename().string();
        const std::size_t dash = dir_name.find('-');
        auto current = ReadCurrent(it->path());
        if (dash == std::string::npos || !current || !*current) {
            continue;
        }
        std::error_code dir_ec;
        if (fs::is_directory(it->path() / **current, dir_ec)) {
            out.push_back({dir_name.substr(0, dash), dir_name.substr(dash + 1), **current});
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::make_pair(TypeRank(a.type), a.name) < std::make_pair(TypeRank(b.type), b.name);
    });
    return out;
}

}  // namespace waka::agent::install
