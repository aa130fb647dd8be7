// LookUpHookUser (hooks.hpp): the user database, read once at start-up.

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/install/hooks.hpp"

namespace waka::agent::install {
namespace {

constexpr std::size_t kMaxBuffer = std::size_t{1} << 20;

// getgrouplist answers -1 and the count it needs when the array is too small.
std::vector<gid_t> GroupsOf(const std::string& user, gid_t gid) {
    std::vector<gid_t> groups(16);
    for (;;) {
        int count = static_cast<int>(groups.size());
        if (::getgrouplist(user.c_str(), gid, groups.data(), &count) >= 0) {
            groups.resize(static_cast<std::size_t>(count));
            return groups;
        }
        groups.resize(std::max(static_cast<std::size_t>(count), 2 * groups.size()));
    }
}

}  // namespace

Expected<HookIdentity> LookUpHookUser(std::string_view user) {
    HookIdentity identity{.user = std::string(user)};
    std::vector<char> buffer(4096);
    passwd entry{};
    passwd* found = nullptr;
    int rc = 0;
    while ((rc = ::getpwnam_r(identity.user.c_str(), &entry, buffer.data(), buffer.size(),
                              &found)) == ERANGE &&
           buffer.size() < kMaxBuffer) {
        buffer.resize(buffer.size() * 2);
    }
    if (rc != 0) {
        return MakeError(Errc::kIo, "look up user '" + identity.user + "': " + std::strerror(rc));
    }
    if (found == nullptr) {
        return MakeError(Errc::kNotFound, "no such user '" + identity.user + "'");
    }
    identity.uid = entry.pw_uid;
    identity.gid = entry.pw_gid;
    identity.groups = GroupsOf(identity.user, identity.gid);
    return identity;
}

}  // namespace waka::agent::install
