#pragma once

#include <sys/types.h>

#include <chrono>

// Internal to hooks.cpp: ending what is left of a hook's process group. Blocking; no state.
namespace waka::agent::install {

enum class GroupEnd {
    kEmpty,       // nothing was running in the group
    kTerminated,  // members were running and ended after SIGTERM
    kKilled,      // members were still running after the grace and got SIGKILL
};

// True while a process that is not a zombie has process group `pgid` (from /proc; true when
// /proc cannot be read). Zombies do not count: they are dead, only not yet reaped by the parent
// they were orphaned to, and an init that never reaps would otherwise keep them "running".
[[nodiscard]] bool GroupHasLiveMembers(pid_t pgid);

// SIGTERM to every member of `pgid`, then SIGKILL to the group if a live member is left once
// `grace` has passed (checked every few milliseconds, so an obedient group ends the wait early).
// A group without members (ESRCH) is kEmpty. Call it before reaping the group's leader: the
// leader's unreaped zombie keeps the group id from being reused by an unrelated process.
GroupEnd EndProcessGroup(pid_t pgid, std::chrono::milliseconds grace);

}  // namespace waka::agent::install
