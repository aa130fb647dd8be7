#include "agent/install/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "agent/install/hook_spawn.hpp"
#include "agent/install/process_group.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::install {
namespace {
using Clock = std::chrono::steady_clock;

constexpr const char* kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::vector<std::string> BuildEnvironment(const HookContext& c) {
    return {
        kPath,
        "WAKA_COMPONENT_TYPE=" + c.component_type,
        "WAKA_COMPONENT_NAME=" + c.component_name,
        "WAKA_VERSION=" + c.version,
        "WAKA_PREVIOUS_VERSION=" + c.previous_version,
        "WAKA_COMPONENT_DIR=" + c.component_dir.string(),
        "WAKA_VERSION_DIR=" + c.version_dir.string(),
        "WAKA_CONFIG_FILE=" + c.config_file.string(),
        "WAKA_OP_ID=" + c.op_id,
    };
}

// Keeps the last `limit` bytes of everything appended.
class OutputTail {
public:
    explicit OutputTail(std::size_t limit) : limit_(limit) {}
    void Append(const char* data, std::size_t size) {
        text_.append(data, size);
        if (text_.size() > 2 * limit_) {
            text_.erase(0, text_.size() - limit_);
        }
    }
    [[nodiscard]] std::string Text() const {
        return text_.size() > limit_ ? "..." + text_.substr(text_.size() - limit_) : text_;
    }

private:
    std::size_t limit_;
    std::string text_;
};

// Reads what is available; false at end of file or on error.
bool ReadSome(int fd, OutputTail& tail) {
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
        tail.Append(buffer, static_cast<std::size_t>(n));
        return true;
    }
    return n < 0 && (errno == EINTR || errno == EAGAIN);
}

// Waits for the hook (the group's leader) to exit, collecting output, escalating SIGTERM ->
// SIGKILL on the process group past the deadline. Returns true when it had to be killed for the
// timeout. Returns on the leader's exit even while others still hold the output pipe open.
bool AwaitExit(Child& child, const HookLimits& limits, OutputTail& tail) {
    bool timed_out = false;
    bool output_open = true;
    auto deadline = Clock::now() + limits.timeout;
    for (;;) {
        pollfd fds[2] = {{child.pidfd.get(), POLLIN, 0},
                         {output_open ? child.output.get() : -1, POLLIN, 0}};
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        const int ready = ::poll(fds, 2, static_cast<int>(std::max<std::int64_t>(0, left.count())));
        if (ready < 0 && errno != EINTR) {
            ::kill(-child.pid, SIGKILL);
            return timed_out;
        }
        if (ready > 0 && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
            output_open = ReadSome(child.output.get(), tail);
        }
        if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
            return timed_out;
        }
        if (ready == 0) {
            ::kill(-child.pid, timed_out ? SIGKILL : SIGTERM);
            deadline = Clock::now() + limits.kill_grace;
            timed_out = true;
        }
    }
}

// Output still buffered after the exit; never blocks on a process outside the group holding the
// pipe open.
void DrainOutput(int fd, OutputTail& tail) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) {
            return;
        }
        tail.Append(buffer, static_cast<std::size_t>(n));
    }
}

// Ends what the hook left running in its group; the leader is still unreaped (see
// EndProcessGroup). After a timeout the group already had its SIGTERM and grace.
void ContainLeftovers(std::string_view name, const Child& child, bool timed_out,
                      const HookLimits& limits) {
    const auto grace = timed_out ? std::chrono::milliseconds(0) : limits.kill_grace;
    const GroupEnd end = EndProcessGroup(child.pid, grace);
    if (end != GroupEnd::kEmpty) {
        log::Warn("hook left processes running in its group; ended them hook={} pgid={} how={}",
                  name, child.pid, end == GroupEnd::kKilled ? "SIGKILL" : "SIGTERM");
    }
}

int Reap(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

std::string Describe(std::string_view name, int status, bool timed_out, const HookLimits& limits,
                     const std::string& output) {
    std::string what = "hook '" + std::string(name) + "' ";
    if (timed_out) {
        what += "timed out after " + std::to_string(limits.timeout.count()) + " ms";
    } else if (WIFEXITED(status)) {
        what += "failed with exit code " + std::to_string(WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        what += "was killed by signal " + std::to_string(WTERMSIG(status));
    }
    return output.empty() ? what : what + "; output: " + output;
}

bool IsRunnable(const std::filesystem::path& program, std::string_view name) {
    std::error_code ec;
    if (!std::filesystem::exists(program, ec)) {
        return false;
    }
    if (!std::filesystem::is_regular_file(program, ec) || ::access(program.c_str(), X_OK) != 0) {
        log::Warn("skipping hook that is not an executable file hook={} path={}", name,
                  program.string());
        return false;
    }
    return true;
}

SpawnRequest MakeRequest(std::string_view name, const HookContext& context,
                         const HookLimits& limits) {
    const std::filesystem::path relative = std::filesystem::path("hooks") / std::string(name);
    return SpawnRequest{.program = context.version_dir / relative,
                        .relative = relative,
                        .working_dir = context.version_dir,
                        .environment = BuildEnvironment(context),
                        .run_as = limits.run_as ? &*limits.run_as : nullptr};
}

}  // namespace

Expected<void> RunHook(std::string_view name, const HookContext& context,
                       const HookLimits& limits) {
    const SpawnRequest request = MakeRequest(name, context, limits);
    if (!IsRunnable(request.program, name)) {
        return {};
    }
    log::Info("running hook hook={} component={}:{} version={} op_id={} user={}", name,
              context.component_type, context.component_name, context.version, context.op_id,
              limits.run_as ? limits.run_as->user : std::string("(agent's)"));
    auto child = SpawnHook(request);
    if (!child) {
        return child.error().WithContext("hook '" + std::string(name) + "'");
    }
    OutputTail tail(limits.output_tail_bytes);
    const bool timed_out = AwaitExit(*child, limits, tail);
    ContainLeftovers(name, *child, timed_out, limits);
    const int status = Reap(child->pid);
    DrainOutput(child->output.get(), tail);
    if (!timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return {};
    }
    return MakeError(timed_out ? Errc::kTimeout : Errc::kIo,
                     Describe(name, status, timed_out, limits, tail.Text()));
}

}  // namespace waka::agent::install
