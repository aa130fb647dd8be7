#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "shared/core/error.hpp"

// The agent's long-lived coordinator credential, `<state_dir>/credential`, mode 0600.
namespace waka::agent::daemon {

// Creates state_dir with mode 0700 when missing (parents as needed); an existing directory is left
// as it is. Errc::kIo on failure.
[[nodiscard]] Expected<void> EnsureStateDir(const std::filesystem::path& state_dir);

// The stored credential, or nullopt when none is stored (missing or empty file). Errc::kIo when
// the file exists but cannot be read.
[[nodiscard]] Expected<std::optional<std::string>> LoadCredential(
    const std::filesystem::path& state_dir);

// Replaces the credential atomically: a temp file created with mode 0600, fsync, rename over
// `credential`, fsync of the directory. A crash leaves either the old or the new credential.
// Errc::kInvalidArgument for an empty credential or one with line breaks; Errc::kIo otherwise.
[[nodiscard]] Expected<void> StoreCredential(const std::filesystem::path& state_dir,
                                             const std::string& credential);

}  // namespace waka::agent::daemon
