// Steps before the first switch: nothing here changes what is current, so any failure ends the
// operation as kFailed with the instance unchanged.
#include <system_error>

#include "agent/install/bundle.hpp"
#include "agent/install/extract.hpp"
#include "agent/install/installer.hpp"
#include "agent/install/installer_run.hpp"
#include "agent/install/release_check.hpp"
#include "agent/journal/durable_file.hpp"
#include "shared/core/crypto.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::install {
namespace fs = std::filesystem;
using journal::ComponentRecord;
using journal::Phase;

namespace {

std::string Describe(const model::ComponentChange& c) { return c.Key() + " " + c.to_version; }

bool IsDirectory(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

Expected<void> RemovePartial(const fs::path& partial) {
    std::error_code ec;
    fs::remove(partial, ec);
    if (ec) {
        return MakeError(Errc::kIo, "remove " + partial.string() + ": " + ec.message());
    }
    return {};
}

Expected<void> Verify(const model::ComponentChange& c, const fs::path& partial) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(partial, ec);
    if (ec) {
        return MakeError(Errc::kIo, "stat " + partial.string() + ": " + ec.message());
    }
    if (size != c.size) {
        return MakeError(Errc::kInvalidArgument, "artifact of " + Describe(c) + " has " +
                                                     std::to_string(size) + " bytes, expected " +
                                                     std::to_string(c.size));
    }
    auto sha = Sha256File(partial);
    if (!sha) {
        return sha.error();
    }
    if (*sha != c.artifact_sha256) {
        return MakeError(Errc::kInvalidArgument, "sha256 mismatch for the artifact of " +
                                                     Describe(c) + ": expected " +
                                                     c.artifact_sha256 + ", got " + *sha);
    }
    return {};
}

}  // namespace

Expected<void> Installer::Prepare(Run& run) {
    for (ComponentRecord& c : run.record.components) {
        if (Installs(c) && c.previous_version == c.change.to_version &&
            IsDirectory(layout_.VersionDir(c.change.type, c.change.name, c.change.to_version))) {
            c.phase = Phase::kUnchanged;
        } else if (!Installs(c) && c.previous_version.empty()) {
            c.phase = Phase::kUnchanged;  // deactivating what is not active: nothing to do
        }
    }
    if (auto verified = VerifyReleases(run); !verified) {
        return verified;
    }
    for (ComponentRecord& c : run.record.components) {
        if (auto downloaded = Download(run, c); !downloaded) {
            return downloaded;
        }
    }
    for (ComponentRecord& c : run.record.components) {
        if (auto unpacked = Unpack(run, c); !unpacked) {
            return unpacked;
        }
    }
    return {};
}

// Before a byte is downloaded: every version this operation installs must carry a statement that a
// locally trusted key signed for exactly that release (ADR 0020). The downloaded file is then held
// to the instruction's SHA-256 and size, which the statement has just been checked to name.
Expected<void> Installer::VerifyReleases(const Run& run) {
    auto keys = release::LoadTrustedKeys(options_.release_trust);
    if (!keys) {
        return keys.error();
    }
    // Floors first: the instruction that carries a new floor is already held to it.
    auto floors = floors_.Merge(run.floors, *keys);
    if (!floors) {
        return floors.error();
    }
    for (const ComponentRecord& c : run.record.components) {
        if (!Installs(c) || c.phase == Phase::kUnchanged) {
            continue;
        }
        if (auto verified = VerifyReleaseOf(c.change, *keys, options_.release_trust.require_signed);
            !verified) {
            return verified;
        }
        if (auto above = CheckAboveFloor(c.change, *floors); !above) {
            return above;
        }
    }
    return {};
}

Expected<void> Installer::Download(Run& run, ComponentRecord& c) {
    const fs::path version_dir =
        layout_.VersionDir(c.change.type, c.change.name, c.change.to_version);
    if (!Installs(c) || c.phase == Phase::kUnchanged || IsDirectory(version_dir)) {
        return {};  // a complete version directory is reused as is
    }
    auto archive = FetchVerified(run, c.change);
    if (!archive) {
        return archive.error().WithContext("download " + Describe(c.change));
    }
    c.phase = Phase::kDownloaded;
    return Persist(run);
}

// Resumes `<sha>.partial` through the fetcher, verifies size and SHA-256, then renames it to
// `<sha>.tar.gz`. A mismatch deletes the partial file so that a retry starts afresh.
Expected<fs::path> Installer::FetchVerified(Run& run, const model::ComponentChange& c) {
    const fs::path final_path = layout_.Download(c.artifact_sha256);
    std::error_code ec;
    if (fs::file_size(final_path, ec) == c.size && !ec) {
        return final_path;  // verified when it was renamed into place
    }
    const fs::path partial = layout_.PartialDownload(c.artifact_sha256);
    if (fs::file_size(partial, ec) > c.size && !ec) {
        if (auto removed = RemovePartial(partial); !removed) {
            return removed.error();
        }
    }
    if (auto injected = Step("download " + c.Key()); !injected) {
        return injected.error();
    }
    auto fetched = fetcher_.Fetch(
        c, partial, [&](std::uint64_t done) { Report(run, "download", &c, done, c.size); });
    if (!fetched) {
        return fetched.error();
    }
    if (auto verified = Verify(c, partial); !verified) {
        (void)RemovePartial(partial);
        return verified.error();
    }
    if (auto injected = Step("rename download " + c.Key()); !injected) {
        return injected.error();
    }
    fs::rename(partial, final_path, ec);
    if (ec) {
        return MakeError(Errc::kIo, "rename " + partial.string() + ": " + ec.message());
    }
    if (auto synced = journal::FsyncDirectory(final_path.parent_path()); !synced) {
        return synced.error();
    }
    return final_path;
}

// Unpacks into `<version>.staging-<random>`, checks bundle.json, then renames the directory into
// place: a version directory that exists is always complete.
Expected<void> Installer::Unpack(Run& run, ComponentRecord& c) {
    if (!Installs(c) || c.phase == Phase::kUnchanged) {
        return {};
    }
    const fs::path component_dir = layout_.ComponentDir(c.change.type, c.change.name);
    const fs::path version_dir = component_dir / c.change.to_version;
    Report(run, "unpack", &c.change);
    if (!IsDirectory(version_dir)) {
        if (auto unpacked = UnpackNew(c.change, component_dir); !unpacked) {
            return unpacked;
        }
    } else if (auto reusable = CheckReusedVersion(
                   StateLayout::ArtifactNote(component_dir, c.change.to_version), c.change);
               !reusable) {
        return reusable;
    } else if (auto checked = CheckBundle(version_dir, c.change); !checked) {
        return checked.error().WithContext("existing version " + Describe(c.change));
    }
    c.phase = Phase::kUnpacked;
    return Persist(run);
}

Expected<void> Installer::UnpackNew(const model::ComponentChange& c,
                                    const fs::path& component_dir) {
    std::error_code ec;
    fs::create_directories(component_dir, ec);
    const fs::path staging = component_dir / (c.to_version + ".staging-" + RandomHex(6));
    if (auto injected = Step("extract " + c.Key()); !injected) {
        return injected.error();
    }
    const ExtractLimits limits{options_.max_bundle_bytes, options_.max_unpacked_bytes,
                               options_.max_bundle_entries};
    if (auto stats = ExtractBundle(layout_.Download(c.artifact_sha256), staging, limits); !stats) {
        return stats.error().WithContext(stats.error().Is(Errc::kUnsafe)
                                             ? "refused unsafe bundle " + Describe(c)
                                             : "unpack " + Describe(c));
    }
    auto placed = CheckBundle(staging, c);
    if (placed) {
        placed = PlaceVersion(c, staging, component_dir);
    }
    if (!placed) {
        fs::remove_all(staging, ec);
        return placed.error().WithContext("bundle " + Describe(c));
    }
    return {};
}

Expected<void> Installer::PlaceVersion(const model::ComponentChange& c, const fs::path& staging,
                                       const fs::path& component_dir) {
    if (auto injected = Step("rename version " + c.Key()); !injected) {
        return injected.error();
    }
    auto noted = journal::WriteFileAtomically(
        StateLayout::ArtifactNote(component_dir, c.to_version), c.artifact_sha256);
    if (!noted) {
        return noted.error();
    }
    std::error_code ec;
    fs::rename(staging, component_dir / c.to_version, ec);
    if (ec) {
        return MakeError(Errc::kIo, "rename " + staging.string() + ": " + ec.message());
    }
    return journal::FsyncDirectory(component_dir);
}

}  // namespace waka::agent::install
