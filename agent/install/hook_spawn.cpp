#include "agent/install/hook_spawn.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace waka::agent::install {
namespace {

Error Errno(std::string_view what, int error = errno) {
    return MakeError(Errc::kIo, std::string(what) + ": " + std::strerror(error));
}

std::vector<char*> PointersOf(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

// Reset to their default action in the hook whatever the agent does with them.
sigset_t DefaultedSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT}) {
        sigaddset(&set, sig);
    }
    return set;
}

Expected<void> PrepareActions(posix_spawn_file_actions_t* actions, posix_spawnattr_t* attr,
                              int pipe_write, const SpawnRequest& request) {
    posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(actions, pipe_write, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(actions, pipe_write, STDERR_FILENO);
    posix_spawn_file_actions_addchdir_np(actions, request.working_dir.c_str());
    const sigset_t defaults = DefaultedSignals();
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setpgroup(attr, 0);
    posix_spawnattr_setsigmask(attr, &empty);
    posix_spawnattr_setsigdefault(attr, &defaults);
    if (posix_spawnattr_setflags(
            attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0) {
        return MakeError(Errc::kInternal, "posix_spawnattr_setflags failed");
    }
    return {};
}

Expected<pid_t> PosixSpawn(const SpawnRequest& request, int pipe_write) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    std::vector<std::string> env = request.environment;
    std::vector<std::string> args{request.program.string()};
    auto prepared = PrepareActions(&actions, &attr, pipe_write, request);
    pid_t pid = -1;
    int rc = prepared ? ::posix_spawn(&pid, request.program.c_str(), &actions, &attr,
                                      PointersOf(args).data(), PointersOf(env).data())
                      : EINVAL;
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        return Errno("start " + request.program.string(), rc);
    }
    return pid;
}

// The calls the forked child makes, in order; a failure reports its index.
enum class ChildStep : int { kSetpgid, kStdio, kChdir, kSetgroups, kSetgid, kSetuid, kExec };
constexpr const char* kChildStepNames[] = {"setpgid", "redirect stdio", "chdir", "setgroups",
                                           "setgid",  "setuid",         "execve"};

struct ChildFailure {
    ChildStep step;
    int error;
};

// Everything the forked child needs, built before fork(): after it, in a copy of a multi-threaded
// process, the child may only make async-signal-safe calls (no allocation, no locks).
struct ExecPlan {
    const char* program;  // relative to working_dir: see SpawnRequest
    char* const* argv;
    char* const* envp;
    const char* working_dir;
    int output_fd;
    int report_fd;
    const gid_t* groups;
    int group_count;
    uid_t uid;
    gid_t gid;
    sigset_t defaults;
};

[[noreturn]] void FailInChild(const ExecPlan& plan, ChildStep step) noexcept {
    const ChildFailure failure{step, errno};
    [[maybe_unused]] ssize_t ignored = ::write(plan.report_fd, &failure, sizeof failure);
    ::_exit(127);
}

// Handlers the agent installed must not run in the child (they would act on the agent's state):
// signals stay blocked until every caught signal is back at its default action.
void ResetSignalsInChild(const ExecPlan& plan) noexcept {
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
        struct sigaction current {};
        if (::sigaction(sig, nullptr, &current) != 0) {
            continue;
        }
        const bool caught = (current.sa_flags & SA_SIGINFO) != 0 ||
                            (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN);
        if (caught || sigismember(&plan.defaults, sig) == 1) {
            ::sigaction(sig, &default_action, nullptr);
        }
    }
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

// Raw system calls rather than glibc's set*id wrappers: those coordinate every thread of the
// process, machinery with no business in a forked child, while a system call changes only the
// calling thread, which is the whole child.
[[noreturn]] void RunChild(const ExecPlan& plan) noexcept {
    if (::setpgid(0, 0) != 0) {
        FailInChild(plan, ChildStep::kSetpgid);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 ||
        ::dup2(plan.output_fd, STDOUT_FILENO) < 0 || ::dup2(plan.output_fd, STDERR_FILENO) < 0) {
        FailInChild(plan, ChildStep::kStdio);
    }
    if (::chdir(plan.working_dir) != 0) {
        FailInChild(plan, ChildStep::kChdir);
    }
    if (::syscall(SYS_setgroups, plan.group_count, plan.groups) != 0) {
        FailInChild(plan, ChildStep::kSetgroups);
    }
    if (::syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) {
        FailInChild(plan, ChildStep::kSetgid);
    }
    if (::syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) {
        FailInChild(plan, ChildStep::kSetuid);
    }
    ResetSignalsInChild(plan);
    ::execve(plan.program, plan.argv, plan.envp);
    FailInChild(plan, ChildStep::kExec);
}

Error ChildError(const SpawnRequest& request, const ChildFailure& failure) {
    const HookIdentity& who = *request.run_as;
    std::string what = "start " + request.program.string() + " as user '" + who.user + "' (uid " +
                       std::to_string(who.uid) + ", gid " + std::to_string(who.gid) +
                       "): " + kChildStepNames[static_cast<int>(failure.step)];
    Error error = Errno(what, failure.error);
    if (failure.error == EPERM && failure.step >= ChildStep::kSetgroups &&
        failure.step <= ChildStep::kSetuid) {
        error.message += " (running a hook as another user needs an agent running as root)";
    }
    return error;
}

// The child's report: end of file once execve closed the pipe, a ChildFailure otherwise.
Expected<void> AwaitExec(pid_t pid, int report_fd, const SpawnRequest& request) {
    ChildFailure failure{};
    ssize_t n = 0;
    do {
        n = ::read(report_fd, &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        return {};
    }
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (n != static_cast<ssize_t>(sizeof failure)) {
        return Errno("start " + request.program.string() + ": no report from the child");
    }
    return ChildError(request, failure);
}

Expected<pid_t> ForkExec(const SpawnRequest& request, int pipe_write) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        return Errno("pipe");
    }
    UniqueFd report_read(report[0]);
    UniqueFd report_write(report[1]);
    std::vector<std::string> env = request.environment;
    std::vector<std::string> args{request.program.string()};
    std::vector<char*> argv = PointersOf(args);
    std::vector<char*> envp = PointersOf(env);
    const HookIdentity& who = *request.run_as;
    const ExecPlan plan{.program = request.relative.c_str(),
                        .argv = argv.data(),
                        .envp = envp.data(),
                        .working_dir = request.working_dir.c_str(),
                        .output_fd = pipe_write,
                        .report_fd = report_write.get(),
                        .groups = who.groups.data(),
                        .group_count = static_cast<int>(who.groups.size()),
                        .uid = who.uid,
                        .gid = who.gid,
                        .defaults = DefaultedSignals()};
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    // _Fork (glibc 2.34, POSIX.1-2024) is fork without the pthread_atfork handlers: libraries'
    // handlers (OpenSSL's) are not async-signal-safe and the child needs none of them.
    const pid_t pid = ::_Fork();
    if (pid == 0) {
        RunChild(plan);
    }
    const int fork_error = errno;
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (pid < 0) {
        return Errno("fork", fork_error);
    }
    report_write.Reset();
    if (auto started = AwaitExec(pid, report_read.get(), request); !started) {
        return started.error();
    }
    return pid;
}

}  // namespace

void UniqueFd::Reset(int fd) {
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = fd;
}

Expected<Child> SpawnHook(const SpawnRequest& request) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return Errno("pipe");
    }
    Child child;
    child.output.Reset(fds[0]);
    UniqueFd write_end(fds[1]);
    auto pid = request.run_as != nullptr ? ForkExec(request, write_end.get())
                                         : PosixSpawn(request, write_end.get());
    if (!pid) {
        return pid.error();
    }
    child.pid = *pid;
    child.pidfd.Reset(static_cast<int>(::syscall(SYS_pidfd_open, child.pid, 0)));
    if (child.pidfd.get() < 0) {
        Error e = Errno("pidfd_open");
        ::kill(-child.pid, SIGKILL);
        ::waitpid(child.pid, nullptr, 0);
        return e;
    }
    return child;
}

}  // namespace waka::agent::install
