#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "shared/core/error.hpp"

// The swarm's credentials file: one "instance_id secret" line per simulated agent, where the
// secret is the instance's one-time enrollment token until the agent has enrolled, its stored
// credential afterwards (the swarm rewrites the file when it stops). Secrets: written 0600, kept
// under the bench's own scratch directory, never printed.
namespace waka::bench::swarm {

struct AgentIdentity {
    std::string instance_id;
    std::string secret;
};

// Errc::kIo when the file cannot be read, Errc::kInvalidArgument naming the line that is not
// "id secret".
[[nodiscard]] Expected<std::vector<AgentIdentity>> ReadCredentials(
    const std::filesystem::path& file);
// Replaces `file` (through a temporary, mode 0600). Errc::kIo on failure.
[[nodiscard]] Expected<void> WriteCredentials(const std::filesystem::path& file,
                                              const std::vector<AgentIdentity>& identities);

}  // namespace waka::bench::swarm
