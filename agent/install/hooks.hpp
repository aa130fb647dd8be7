#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"

namespace waka::agent::install {

// Bundle hook names (docs/design.md §3): executables at `<version_dir>/hooks/<name>`.
inline constexpr std::string_view kPreActivate = "pre-activate";
inline constexpr std::string_view kPostActivate = "post-activate";
inline constexpr std::string_view kHealthCheck = "health-check";
inline constexpr std::string_view kPreDeactivate = "pre-deactivate";

// What a hook sees in its environment (WAKA_* variables) besides a fixed PATH.
struct HookContext {
    std::string component_type;
    std::string component_name;
    std::string version;
    std::string previous_version;
    std::filesystem::path component_dir;
    std::filesystem::path version_dir;  // also the hook's working directory
    std::filesystem::path config_file;
    std::string op_id;
};

struct HookLimits {
    std::chrono::milliseconds timeout{300'000};
    // After the timeout the process group gets SIGTERM, then SIGKILL once this grace has passed.
    std::chrono::milliseconds kill_grace{5'000};
    std::size_t output_tail_bytes = 4096;  // last bytes of stdout+stderr kept for the message
};

// Runs `<version_dir>/hooks/<name>` when it exists and is executable; a missing or non-executable
// hook is skipped (success). The hook runs in its own process group, cwd = version_dir, stdin
// /dev/null, stdout and stderr captured (bounded), only the HookContext environment.
// Errors: kTimeout when it outlives limits.timeout (its whole process group is killed), kIo when it
// exits non-zero, dies by a signal or cannot be started. The message names the hook, the exit code
// or signal and the tail of its output. Blocking; safe to call from any one thread at a time per
// context (uses posix_spawn, no fork of a multi-threaded process's state).
[[nodiscard]] Expected<void> RunHook(std::string_view name, const HookContext& context,
                                     const HookLimits& limits);

}  // namespace waka::agent::install
