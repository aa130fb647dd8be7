#include "agent/install/process_group.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace waka::agent::install {
namespace {
using Clock = std::chrono::steady_clock;

// The state letter and process group of /proc/<pid>/stat, or false when it is gone.
bool ReadStat(const char* pid, char& state, long& pgrp) {
    const std::string path = std::string("/proc/") + pid + "/stat";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    char buffer[512];
    const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (n <= 0) {
        return false;
    }
    buffer[n] = '\0';
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so parse after the
    // last ')'.
    const char* close_paren = std::strrchr(buffer, ')');
    long ppid = 0;
    return close_paren != nullptr &&
           std::sscanf(close_paren + 1, " %c %ld %ld", &state, &ppid, &pgrp) == 3;
}

bool IsPid(const char* name) {
    return *name != '\0' &&
           std::all_of(name, name + std::strlen(name), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool GroupHasLiveMembers(pid_t pgid) {
    if (::kill(-pgid, 0) != 0 && errno == ESRCH) {
        return false;
    }
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        return true;
    }
    bool live = false;
    while (const dirent* entry = ::readdir(proc)) {
        char state = 0;
        long pgrp = 0;
        if (IsPid(entry->d_name) && ReadStat(entry->d_name, state, pgrp) && pgrp == pgid &&
            state != 'Z' && state != 'X') {
            live = true;
            break;
        }
    }
    ::closedir(proc);
    return live;
}

GroupEnd EndProcessGroup(pid_t pgid, std::chrono::milliseconds grace) {
    if (!GroupHasLiveMembers(pgid)) {
        return GroupEnd::kEmpty;
    }
    if (::kill(-pgid, SIGTERM) != 0 && errno == ESRCH) {
        return GroupEnd::kEmpty;
    }
    ::kill(-pgid, SIGCONT);  // a stopped member acts on its SIGTERM only once continued
    const auto deadline = Clock::now() + grace;
    std::chrono::milliseconds pause{1};
    while (GroupHasLiveMembers(pgid)) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            ::kill(-pgid, SIGKILL);
            return GroupEnd::kKilled;
        }
        ::poll(nullptr, 0, static_cast<int>(std::min(pause, left).count()));
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
    return GroupEnd::kTerminated;
}

}  // namespace waka::agent::install
