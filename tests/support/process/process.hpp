#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace waka::test {

// A child process for end-to-end tests: started with its own environment additions, its stdout
// and stderr appended to a log file, and always reaped. The destructor kills what is still running.
class Process {
public:
    // Starts `program` with `args` (argv[1..]); `env` adds to or overrides the test's environment.
    Process(std::filesystem::path program, std::vector<std::string> args,
            std::map<std::string, std::string> env, std::filesystem::path log_file);
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    [[nodiscard]] pid_t Pid() const { return pid_; }
    [[nodiscard]] bool Running();
    // Sends a signal; no-op when the process is gone.
    void Signal(int signal);
    // Waits for exit up to `timeout`; answers the exit status as from waitpid, or nullopt on timeout.
    std::optional<int> Wait(std::chrono::milliseconds timeout);
    // SIGTERM, then SIGKILL after `grace`; answers the wait status.
    int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
    [[nodiscard]] std::string Log() const;

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path log_file_;
};

// Polls `condition` every few milliseconds until it holds or `timeout` passes. Answers whether it held.
template <class Condition>
bool WaitFor(Condition condition, std::chrono::milliseconds timeout);

[[nodiscard]] std::string ReadFile(const std::filesystem::path& path);

}  // namespace waka::test

#include "tests/support/process/wait_for.inl"
