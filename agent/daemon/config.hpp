#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "agent/install/hooks.hpp"
#include "agent/link/endpoint.hpp"
#include "shared/core/error.hpp"
#include "shared/release/trusted_keys.hpp"

namespace waka::agent::daemon {

// Settings of waka-agent (/etc/waka/agent.toml, WAKA_* environment, --flags; keys are flat, e.g.
// `instance_id`, WAKA_INSTANCE_ID, --instance-id).
struct AgentConfig {
    std::string log_level = "info";
    std::string instance_id;
    std::string coordinator_url = "wss://localhost:8443/agent/v1/connect";
    std::filesystem::path ca_file;  // PEM CA bundle that signed the coordinator's certificate
    std::string server_name;        // name in the coordinator's certificate; empty: the URL's host
    std::filesystem::path state_dir = "/var/lib/waka-agent";
    // One-time token, used only while no credential is stored. Prefer WAKA_ENROLLMENT_TOKEN (a flag
    // shows in the process list). Never logged.
    std::string enrollment_token;
    std::uint32_t heartbeat_seconds_default = 15;  // the coordinator's Welcome value wins
    std::uint32_t connect_timeout_seconds = 10;
    std::uint32_t reconnect_initial_ms = 500;
    std::uint32_t reconnect_max_ms = 30'000;
    std::uint32_t hook_timeout_seconds = 300;
    std::uint32_t health_check_timeout_seconds = 60;
    std::string hook_user;  // user the bundle hooks run as; empty: the agent's own (root)
    std::uint32_t keep_versions = 3;
    std::uint64_t max_bundle_bytes = std::uint64_t{1} << 30;
    std::uint64_t max_unpacked_bytes = std::uint64_t{4} << 30;
    // Start-up recoveries of one interrupted operation before it is reported failed instead.
    std::uint32_t max_recovery_attempts = 3;
    // Publisher keys this host trusts (ADR 0020): every *.pub file, read for each operation.
    std::filesystem::path release_keys_dir{release::kDefaultKeysDir};
    std::string revoked_release_keys;     // comma-separated key ids ("ed25519:…"), refused
    bool require_signed_releases = true;  // false installs unsigned releases (development only)
};

inline constexpr std::string_view kDefaultConfigFile = "/etc/waka/agent.toml";

// Result of reading the configuration sources.
struct ConfigLoad {
    bool exit_now = false;  // --help / --version: print message to stdout, exit with exit_code
    int exit_code = 0;
    std::string message;
};

// Fills config from defaults < TOML file (--config, WAKA_CONFIG or /etc/waka/agent.toml if present)
// < WAKA_* environment < flags. `env` injects the environment (tests); nullptr reads the process's.
[[nodiscard]] Expected<ConfigLoad> LoadAgentConfig(
    AgentConfig& config, int argc, const char* const* argv,
    const std::map<std::string, std::string>* env = nullptr);

// Start-up checks that need no disk: instance_id present and valid, ca_file set, coordinator_url a
// wss:// URL, sane timeouts. Answers the parsed endpoint. Errc::kInvalidArgument with one line.
[[nodiscard]] Expected<link::Endpoint> ValidateAgentConfig(const AgentConfig& config);

// The identity hooks run as, looked up once at start-up: nullopt when hook_user is empty.
// Errc::kInvalidArgument naming the setting when there is no such user; blocking (user database).
[[nodiscard]] Expected<std::optional<install::HookIdentity>> ResolveHookUser(
    const AgentConfig& config);

// The revoked key ids of revoked_release_keys (validated by ValidateAgentConfig).
[[nodiscard]] std::set<std::string> RevokedReleaseKeys(const AgentConfig& config);

// The agent needs a stored credential or an enrollment token to authenticate.
[[nodiscard]] Expected<void> RequireCredentialOrToken(const AgentConfig& config,
                                                      bool has_stored_credential);

// The version this build reports (Hello.agent_version, --version).
[[nodiscard]] std::string_view AgentVersion();

}  // namespace waka::agent::daemon
