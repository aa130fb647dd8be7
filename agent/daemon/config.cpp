#include "agent/daemon/config.hpp"

#include "shared/config/config.hpp"
#include "shared/core/ids.hpp"
#include "shared/release/trusted_keys.hpp"

#ifndef WAKA_AGENT_VERSION
#define WAKA_AGENT_VERSION "0.0.0"
#endif

namespace waka::agent::daemon {
namespace {

void Bind(config::Schema& schema, AgentConfig& c) {
    schema.Add("log_level", &c.log_level,
               "Log level: trace, debug, info, warn, error, critical, off.");
    schema.Add("instance_id", &c.instance_id, "Id of this instance, as registered (required).");
    schema.Add("coordinator_url", &c.coordinator_url, "Agent gateway URL (wss:// only).");
    schema.Add("ca_file", &c.ca_file,
               "PEM CA certificate(s) trusted for the coordinator (required).");
    schema.Add("server_name", &c.server_name,
               "Name expected in the coordinator's certificate (default: the URL's host).");
    schema.Add("state_dir", &c.state_dir, "Agent state: credential, journal, components.");
    schema.AddSecret("enrollment_token", &c.enrollment_token,
                     "One-time enrollment token, used while no credential is stored.");
    schema.Add("heartbeat_seconds_default", &c.heartbeat_seconds_default,
               "Heartbeat interval until the coordinator's Welcome sets one.");
    schema.Add("connect_timeout_seconds", &c.connect_timeout_seconds,
               "Deadline of each connect, TLS, WebSocket and Welcome step.");
    schema.Add("reconnect_initial_ms", &c.reconnect_initial_ms, "First reconnect backoff ceiling.");
    schema.Add("reconnect_max_ms", &c.reconnect_max_ms, "Largest reconnect backoff ceiling.");
    schema.Add("hook_timeout_seconds", &c.hook_timeout_seconds, "Deadline of each bundle hook.");
    schema.Add("health_check_timeout_seconds", &c.health_check_timeout_seconds,
               "Deadline of each health check.");
    schema.Add("hook_user", &c.hook_user,
               "User the bundle hooks run as (needs an agent running as root; default: the "
               "agent's own user).");
    schema.Add("keep_versions", &c.keep_versions, "Version directories kept per component.");
    schema.Add("max_bundle_bytes", &c.max_bundle_bytes, "Largest artifact accepted.");
    schema.Add("max_unpacked_bytes", &c.max_unpacked_bytes, "Largest unpacked bundle accepted.");
    schema.Add("max_recovery_attempts", &c.max_recovery_attempts,
               "Recoveries of an interrupted operation (each at a start-up) before it is "
               "reported failed instead.");
    schema.Add("release_keys_dir", &c.release_keys_dir,
               "Directory of the trusted release keys (*.pub); re-read for every operation.");
    schema.Add("revoked_release_keys", &c.revoked_release_keys,
               "Comma-separated ids of release keys whose statements are refused.");
    schema.Add("require_signed_releases", &c.require_signed_releases,
               "Refuse to install a release no trusted key signed (false: development only).");
}

Error Invalid(std::string message) { return MakeError(Errc::kInvalidArgument, std::move(message)); }

}  // namespace

std::string_view AgentVersion() { return WAKA_AGENT_VERSION; }

Expected<ConfigLoad> LoadAgentConfig(AgentConfig& config, int argc, const char* const* argv,
                                     const std::map<std::string, std::string>* env) {
    config::Schema schema;
    Bind(schema, config);
    schema.SetDefaultConfigFile(std::filesystem::path(kDefaultConfigFile));
    auto outcome = config::Load(schema, "waka-agent", AgentVersion(), argc, argv, env);
    if (!outcome) {
        return outcome.error();
    }
    return ConfigLoad{outcome->exit_now, outcome->exit_code, outcome->message};
}

Expected<link::Endpoint> ValidateAgentConfig(const AgentConfig& config) {
    if (config.instance_id.empty()) {
        return Invalid("instance_id is required (--instance-id, WAKA_INSTANCE_ID or agent.toml)");
    }
    if (!IsValidId(config.instance_id)) {
        return Invalid("instance_id '" + config.instance_id +
                       "' is invalid: 1-128 characters of [A-Za-z0-9._-], starting alphanumeric");
    }
    if (config.ca_file.empty()) {
        return Invalid("ca_file is required: the CA that signed the coordinator's certificate");
    }
    auto endpoint = link::ParseCoordinatorUrl(config.coordinator_url);
    if (!endpoint) {
        return endpoint.error();
    }
    if (config.state_dir.empty()) {
        return Invalid("state_dir must not be empty");
    }
    if (config.heartbeat_seconds_default == 0 || config.connect_timeout_seconds == 0) {
        return Invalid("heartbeat_seconds_default and connect_timeout_seconds must be positive");
    }
    if (config.reconnect_max_ms == 0 || config.reconnect_initial_ms > config.reconnect_max_ms) {
        return Invalid("reconnect_max_ms must be positive and at least reconnect_initial_ms");
    }
    if (config.keep_versions == 0 || config.max_bundle_bytes == 0 ||
        config.max_unpacked_bytes == 0) {
        return Invalid("keep_versions, max_bundle_bytes and max_unpacked_bytes must be positive");
    }
    if (config.max_recovery_attempts == 0 || config.max_recovery_attempts > 1000) {
        return Invalid("max_recovery_attempts must be between 1 and 1000");
    }
    if (auto revoked = release::ParseKeyIdList(config.revoked_release_keys); !revoked) {
        return Invalid("revoked_release_keys: " + revoked.error().message);
    }
    return endpoint;
}

std::set<std::string> RevokedReleaseKeys(const AgentConfig& config) {
    auto ids = release::ParseKeyIdList(config.revoked_release_keys);
    return ids ? *ids : std::set<std::string>{};
}

Expected<std::optional<install::HookIdentity>> ResolveHookUser(const AgentConfig& config) {
    if (config.hook_user.empty()) {
        return std::optional<install::HookIdentity>();
    }
    auto identity = install::LookUpHookUser(config.hook_user);
    if (!identity) {
        return Invalid("hook_user: " + identity.error().message);
    }
    return std::optional<install::HookIdentity>(std::move(*identity));
}

Expected<void> RequireCredentialOrToken(const AgentConfig& config, bool has_stored_credential) {
    if (has_stored_credential || !config.enrollment_token.empty()) {
        return {};
    }
    return Invalid("no credential stored in " + (config.state_dir / "credential").string() +
                   " and no enrollment token: set WAKA_ENROLLMENT_TOKEN to the token from "
                   "POST /api/v1/instances");
}

}  // namespace waka::agent::daemon
