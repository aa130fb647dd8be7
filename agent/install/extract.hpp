#pragma once

#include <cstdint>
#include <filesystem>

#include "shared/core/error.hpp"

namespace waka::agent::install {

struct ExtractLimits {
    std::uint64_t max_archive_bytes = 1ULL << 30;   // size of the .tar.gz file itself
    std::uint64_t max_unpacked_bytes = 4ULL << 30;  // sum of regular file contents
    std::uint64_t max_entries = 100'000;
};

struct ExtractStats {
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;
};

// Unpacks the tar.gz `archive` into `dest_dir`, which must not exist yet (it is created 0755).
// Only regular files, directories, symlinks and hard links whose targets stay inside the tree are
// accepted. Refused with Errc::kUnsafe and a message naming the entry: absolute paths, `..`
// components, symlinks whose target is absolute or may resolve outside the tree, hard links to
// anything but a regular file of the tree, device files, FIFOs, sockets, duplicate entries, more
// than max_entries entries, more than max_unpacked_bytes of content, an archive file larger than
// max_archive_bytes. A corrupt archive is kInvalidArgument. setuid/setgid/sticky bits and
// ownership are dropped (files get the archive's rwx bits minus the process umask).
// On any error nothing is left behind: `dest_dir` is removed. Blocking; thread-safe (no chdir).
[[nodiscard]] Expected<ExtractStats> ExtractBundle(const std::filesystem::path& archive,
                                                   const std::filesystem::path& dest_dir,
                                                   const ExtractLimits& limits);

}  // namespace waka::agent::install
