#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "agent/daemon/config.hpp"
#include "shared/core/error.hpp"

// `waka-agent enroll`: provisions a host in one command. It writes the agent configuration
// (instance, coordinator URL, CA; mode 0644, no secret in it) and stores the one-time enrollment
// token in `<state_dir>/enrollment-token` (mode 0600, state_dir 0700). It does not connect: the
// daemon reads the token file at its next start while no credential is stored, sends it in its
// first Hello, and deletes the file once the coordinator's credential is stored.
namespace waka::agent::daemon {

// argv[1] is "enroll". Answers the process exit code: 0 done, 2 bad arguments, 1 local failure.
// Flags: --url URL --instance ID --ca FILE, the token from --token-file FILE ('-': stdin) or
// WAKA_ENROLLMENT_TOKEN (never from the command line, which shows in `ps`: --token is refused with
// exit code 2); optional --config FILE (default /etc/waka/agent.toml), --state-dir DIR,
// --server-name NAME, --force (replace a stored credential).
[[nodiscard]] int EnrollMain(int argc, const char* const* argv);

// The token `enroll` stored, or nullopt when there is none. Errc::kIo when unreadable.
[[nodiscard]] Expected<std::optional<std::string>> LoadEnrollmentTokenFile(
    const std::filesystem::path& state_dir);

// Before the daemon connects: with a stored credential a leftover token file is deleted; without
// one and without a configured token, the token `enroll` stored becomes config.enrollment_token.
[[nodiscard]] Expected<void> UseStoredEnrollmentToken(AgentConfig& config,
                                                      bool has_stored_credential);

// Deletes the token file (once a credential is stored); a missing file is fine.
void RemoveEnrollmentTokenFile(const std::filesystem::path& state_dir);

}  // namespace waka::agent::daemon
