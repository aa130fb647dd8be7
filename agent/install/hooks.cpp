#include "agent/install/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "shared/core/log.hpp"

namespace waka::agent::install {
namespace {
using Clock = std::chrono::steady_clock;

constexpr const char* kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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
    void Reset(int fd = -1) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

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

std::vector<char*> PointersOf(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
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

struct Child {
    pid_t pid = -1;
    UniqueFd output;  // read end of the stdout+stderr pipe
    UniqueFd pidfd;   // readable once the child exited
};

Error Errno(std::string_view what) {
    return MakeError(Errc::kIo, std::string(what) + ": " + std::strerror(errno));
}

Expected<void> PrepareActions(posix_spawn_file_actions_t* actions, posix_spawnattr_t* attr,
                              int pipe_write, const HookContext& context) {
    posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(actions, pipe_write, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(actions, pipe_write, STDERR_FILENO);
    posix_spawn_file_actions_addchdir_np(actions, context.version_dir.c_str());
    // Own process group, so a timeout kills everything the hook started; default signal
    // dispositions and an empty mask whatever the agent set for itself.
    sigset_t defaults;
    sigset_t empty;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT}) {
        sigaddset(&defaults, sig);
    }
    posix_spawnattr_setpgroup(attr, 0);
    posix_spawnattr_setsigmask(attr, &empty);
    posix_spawnattr_setsigdefault(attr, &defaults);
    if (posix_spawnattr_setflags(
            attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0) {
        return MakeError(Errc::kInternal, "posix_spawnattr_setflags failed");
    }
    return {};
}

Expected<Child> Spawn(const std::filesystem::path& program, const HookContext& context) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return Errno("pipe");
    }
    Child child;
    child.output.Reset(fds[0]);
    UniqueFd write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    std::vector<std::string> env = BuildEnvironment(context);
    std::vector<std::string> args{program.string()};
    auto prepared = PrepareActions(&actions, &attr, write_end.get(), context);
    int rc = prepared ? ::posix_spawn(&child.pid, program.c_str(), &actions, &attr,
                                      PointersOf(args).data(), PointersOf(env).data())
                      : EINVAL;
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        return Errno("start " + program.string());
    }
    child.pidfd.Reset(static_cast<int>(::syscall(SYS_pidfd_open, child.pid, 0)));
    if (child.pidfd.get() < 0) {
        Error e = Errno("pidfd_open");
        ::kill(-child.pid, SIGKILL);
        ::waitpid(child.pid, nullptr, 0);
        return e;
    }
    return child;
}

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

// Waits for the child to exit, collecting output, escalating SIGTERM -> SIGKILL on the process
// group past the deadline. Returns true when it had to be killed for the timeout.
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

// Output still buffered after the exit; never blocks on grandchildren holding the pipe open.
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

}  // namespace

Expected<void> RunHook(std::string_view name, const HookContext& context,
                       const HookLimits& limits) {
    const std::filesystem::path program = context.version_dir / "hooks" / std::string(name);
    if (!IsRunnable(program, name)) {
        return {};
    }
    log::Info("running hook hook={} component={}:{} version={} op_id={}", name,
              context.component_type, context.component_name, context.version, context.op_id);
    auto child = Spawn(program, context);
    if (!child) {
        return child.error().WithContext("hook '" + std::string(name) + "'");
    }
    OutputTail tail(limits.output_tail_bytes);
    const bool timed_out = AwaitExit(*child, limits, tail);
    int status = 0;
    while (::waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        ::kill(-child->pid, SIGKILL);  // stragglers of the group outlive their leader
    }
    DrainOutput(child->output.get(), tail);
    if (!timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return {};
    }
    return MakeError(timed_out ? Errc::kTimeout : Errc::kIo,
                     Describe(name, status, timed_out, limits, tail.Text()));
}

}  // namespace waka::agent::install
