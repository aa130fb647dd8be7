#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/install/hooks.hpp"
#include "shared/core/error.hpp"

// Internal to hooks.cpp: starting a hook's process. Blocking; no state.
namespace waka::agent::install {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { Reset(); }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        Reset(std::exchange(other.fd_, -1));
        return *this;
    }
    [[nodiscard]] int get() const { return fd_; }
    void Reset(int fd = -1);

private:
    int fd_ = -1;
};

// A started hook: the leader of its own process group (pgid == pid), not yet reaped.
struct Child {
    pid_t pid = -1;
    UniqueFd output;  // read end of the stdout+stderr pipe
    UniqueFd pidfd;   // readable once the child exited
};

struct SpawnRequest {
    std::filesystem::path program;  // absolute
    // The same program relative to working_dir. A hook run as another user is started by this
    // path, after entering working_dir as root: the state directory above it is 0700 root.
    std::filesystem::path relative;
    std::filesystem::path working_dir;
    std::vector<std::string> environment;  // NAME=value
    const HookIdentity* run_as = nullptr;  // nullptr: the agent's own user
};

// Starts the program with stdin /dev/null, stdout and stderr into one pipe, default signal
// dispositions and an empty signal mask, in a new process group. Without run_as through
// posix_spawn; with run_as through _Fork(), the child making only async-signal-safe calls up to
// execve and reporting a failure (with the call that failed) through a close-on-exec pipe.
[[nodiscard]] Expected<Child> SpawnHook(const SpawnRequest& request);

}  // namespace waka::agent::install
