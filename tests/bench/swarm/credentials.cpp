#include "tests/bench/swarm/credentials.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace waka::bench::swarm {

Expected<std::vector<AgentIdentity>> ReadCredentials(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        return MakeError(Errc::kIo, "read credentials " + file.string() + ": cannot open");
    }
    std::vector<AgentIdentity> identities;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        std::istringstream fields(line);
        AgentIdentity identity;
        std::string extra;
        if (!(fields >> identity.instance_id >> identity.secret) || (fields >> extra)) {
            return MakeError(Errc::kInvalidArgument, "credentials " + file.string() + " line " +
                                                         std::to_string(number) +
                                                         ": expected \"instance_id secret\"");
        }
        identities.push_back(std::move(identity));
    }
    return identities;
}

Expected<void> WriteCredentials(const std::filesystem::path& file,
                                const std::vector<AgentIdentity>& identities) {
    const auto temporary = std::filesystem::path(file.string() + ".tmp");
    const mode_t previous = ::umask(077);
    {
        std::ofstream out(temporary, std::ios::trunc);
        for (const auto& identity : identities) {
            out << identity.instance_id << ' ' << identity.secret << '\n';
        }
        out.flush();
        if (!out) {
            ::umask(previous);
            return MakeError(Errc::kIo, "write credentials " + temporary.string());
        }
    }
    ::umask(previous);
    std::error_code ec;
    std::filesystem::rename(temporary, file, ec);
    if (ec) {
        return MakeError(Errc::kIo, "rename " + temporary.string() + ": " + ec.message());
    }
    return {};
}

}  // namespace waka::bench::swarm
