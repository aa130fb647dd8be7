#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"

// Crash-safe file primitives for the agent's state directory. All functions are blocking and
// thread-compatible (callers serialise writes to the same path).
namespace waka::agent::journal {

// Replaces `path` with `content` so that after a crash either the old or the new content is there,
// never a mix: write a temp file in the same directory, fsync it, rename it over `path`, fsync the
// directory. The file gets `mode` (default 0644).
[[nodiscard]] Expected<void> WriteFileAtomically(const std::filesystem::path& path,
                                                 std::string_view content, unsigned mode = 0644);

// fsync of a directory, making a rename/unlink/symlink inside it durable.
[[nodiscard]] Expected<void> FsyncDirectory(const std::filesystem::path& dir);

// Reads a whole file of at most `max_bytes`. kNotFound when it does not exist, kTooLarge above the
// bound.
[[nodiscard]] Expected<std::string> ReadSmallFile(const std::filesystem::path& path,
                                                  std::size_t max_bytes);

}  // namespace waka::agent::journal
