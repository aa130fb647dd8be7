#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// The user a hook runs as instead of the agent's own (the agent setting `hook_user`).
struct HookIdentity {
    std::string user;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups, as initgroups(3) would set them
};

// The user's uid, primary gid and supplementary groups from the user database (getpwnam_r,
// getgrouplist). Errc::kNotFound when there is no such user, kIo when the lookup itself fails.
// Blocking (NSS may ask a directory service): call it at start-up, not per hook.
[[nodiscard]] Expected<HookIdentity> LookUpHookUser(std::string_view user);

struct HookLimits {
    std::chrono::milliseconds timeout{300'000};
    // SIGTERM to the process group, then SIGKILL once this grace has passed (see RunHook).
    std::chrono::milliseconds kill_grace{5'000};
    std::size_t output_tail_bytes = 4096;  // last bytes of stdout+stderr kept for the message
    std::optional<HookIdentity> run_as;    // nullopt: the agent's own user (root in production)
};

// Runs `<version_dir>/hooks/<name>` when it exists and is executable; a missing or non-executable
// hook is skipped (success). The hook runs in its own process group, cwd = version_dir, stdin
// /dev/null, stdout and stderr captured (bounded), only the HookContext environment.
//
// Containment: nothing the hook starts in its process group outlives it. Once the hook has exited
// (or been killed for its timeout) the group gets SIGTERM; whatever is still running in it after
// limits.kill_grace gets SIGKILL (at once after a timeout). An empty group is success. Output is
// read until the hook exits and then only what is already buffered: a process holding the pipe
// open (one that left the group with setsid, say) never keeps RunHook waiting. Processes that
// leave the group are not contained.
//
// With limits.run_as, the hook runs as that user with its groups (setgroups, setgid, setuid after
// entering the working directory, so only the version directory needs to be searchable by that
// user, not the directories above it); this needs root. When switching fails (the agent is not
// root: EPERM) the hook is not run and the error names the user and the failing call.
//
// Errors: kTimeout when it outlives limits.timeout, kIo when it exits non-zero, dies by a signal
// or cannot be started. The message names the hook, the exit code or signal and the tail of its
// output. Blocking; safe to call from any one thread at a time per context (posix_spawn, or with
// run_as _Fork() followed only by async-signal-safe calls until execve).
[[nodiscard]] Expected<void> RunHook(std::string_view name, const HookContext& context,
                                     const HookLimits& limits);

}  // namespace waka::agent::install
