#include "tests/support/process/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace waka::test {
namespace {

std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& overrides) {
    std::map<std::string, std::string> merged;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string text(*entry);
        auto eq = text.find('=');
        if (eq != std::string::npos) {
            merged[text.substr(0, eq)] = text.substr(eq + 1);
        }
    }
    for (const auto& [key, value] : overrides) {
        merged[key] = value;
    }
    std::vector<std::string> out;
    for (const auto& [key, value] : merged) {
        out.push_back(key + "=" + value);
    }
    return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

}  // namespace

Process::Process(std::filesystem::path program, std::vector<std::string> args,
                 std::map<std::string, std::string> env, std::filesystem::path log_file)
    : log_file_(std::move(log_file)) {
    std::vector<std::string> argv_strings{program.string()};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    auto env_strings = MergedEnvironment(env);
    auto argv = Pointers(argv_strings);
    auto envp = Pointers(env_strings);
    const int log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        throw std::runtime_error("cannot open " + log_file_.string());
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(log_fd, STDOUT_FILENO);
        ::dup2(log_fd, STDERR_FILENO);
        const int null_fd = ::open("/dev/null", O_RDONLY);
        ::dup2(null_fd, STDIN_FILENO);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(log_fd);
    if (pid_ < 0) {
        throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    }
}

Process::~Process() {
    if (Running()) {
        Signal(SIGKILL);
        Wait(std::chrono::seconds(10));
    }
}

bool Process::Running() {
    if (status_ || pid_ <= 0) {
        return false;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        return false;
    }
    return true;
}

void Process::Signal(int signal) {
    if (Running()) {
        ::kill(pid_, signal);
    }
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
    WaitFor([this] { return !Running(); }, timeout);
    return status_;
}

int Process::Stop(std::chrono::milliseconds grace) {
    Signal(SIGTERM);
    if (auto status = Wait(grace)) {
        return *status;
    }
    Signal(SIGKILL);
    return Wait(std::chrono::seconds(10)).value_or(-1);
}

std::string Process::Log() const { return ReadFile(log_file_); }

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace waka::test
