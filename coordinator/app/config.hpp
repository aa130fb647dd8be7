#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "shared/config/config.hpp"
#include "shared/release/trusted_keys.hpp"

namespace waka::coordinator::app {

// Every setting of waka-coordinator with its default. Sources, in rising precedence:
// /etc/waka/coordinator.toml (or --config), WAKA_* environment, command-line flags.
struct CoordinatorConfig {
    std::string log_level = "info";
    std::string http_address = "127.0.0.1";
    // HTTPS when both are set (PEM chain and key; reloaded on SIGHUP).
    std::filesystem::path http_tls_cert_file;
    std::filesystem::path http_tls_key_file;
    // A non-loopback address without TLS needs this set on purpose.
    bool http_allow_plain_http = false;
    std::uint16_t http_port = 8000;
    // CIDR blocks or addresses allowed to connect ("" : any); others are closed at accept.
    std::string http_allowed_networks;
    int http_threads = 2;
    std::uint64_t http_max_body_bytes = 1 << 20;
    std::uint64_t http_max_upload_bytes = 2ULL << 30;
    std::uint32_t http_max_concurrent_uploads = 4;
    std::uint32_t http_upload_timeout_seconds = 3600;
    std::uint64_t http_upload_min_bytes_per_second = 16 * 1024;  // 0: no minimum
    std::uint32_t http_upload_rate_grace_seconds = 10;
    // Connections one client address may hold open on the API at once (0: no cap; ADR 0031).
    std::uint32_t http_max_connections_per_address = 256;
    // Per-client limits of the API (ADR 0032); loopback is exempt so local tools never wait.
    double http_rate_limit_per_second = 20;
    double http_rate_limit_burst = 40;
    double http_auth_failures_per_minute = 10;
    double http_auth_failure_burst = 5;
    std::uint32_t http_rate_limit_max_addresses = 65536;
    std::string http_rate_limit_exempt_networks = "127.0.0.0/8, ::1";
    std::string gateway_address = "0.0.0.0";
    std::uint16_t gateway_port = 8443;
    std::string gateway_allowed_networks;
    std::filesystem::path gateway_cert_file;
    std::filesystem::path gateway_key_file;
    std::uint32_t gateway_heartbeat_seconds = 15;
    // Largest WebSocket message before the Hello is accepted (then 1 MiB; ADR 0031).
    std::uint32_t gateway_max_pre_hello_bytes = 64 * 1024;
    // Generous: agents are one connection per host, but NAT puts many hosts behind one address.
    std::uint32_t gateway_max_connections_per_address = 1000;  // 0: no cap
    // Token bucket per client address on new gateway connections (TLS handshakes).
    std::uint32_t gateway_handshakes_per_second_per_address = 50;  // 0: no rate limit
    std::uint32_t gateway_handshake_burst_per_address = 200;
    // The agent CA (ADR 0034): signs agents' client certificates; both or neither.
    std::filesystem::path gateway_agent_ca_cert_file;
    std::filesystem::path gateway_agent_ca_key_file;  // a secret: 0600, never logged
    // The CAs client certificates are checked against (default: gateway.agent_ca_cert_file; the
    // old and the new CA during a rotation).
    std::filesystem::path gateway_client_ca_file;
    std::uint32_t gateway_agent_certificate_lifetime_seconds = 30 * 24 * 3600;
    bool gateway_require_client_certificate = false;
    std::string database_url;  // never logged: may hold a password
    // Read for every connection the pool opens, so that a rotated password needs no restart.
    std::filesystem::path database_password_file;
    std::uint32_t database_pool_size = 4;
    std::uint32_t database_statement_timeout_ms = 30'000;
    std::uint32_t database_max_queued = 1024;
    std::filesystem::path storage_dir = "/var/lib/waka-coordinator";
    std::string auth_bootstrap_token;  // admin token made at start; never logged
    std::string auth_bootstrap_token_name = "bootstrap-admin";
    std::filesystem::path
        ready_file;  // when set, {"http_port","gateway_port"} is written here once serving
    // Seals audit entries (HMAC-SHA256, ADR 0028); usually from audit.key_file. Never logged.
    std::string audit_key;
    std::uint32_t audit_verify_interval_seconds = 3600;  // 0: no scheduled verification
    // GET /metrics reads the fleet figures from the database at most once per this many seconds.
    std::uint32_t metrics_cache_seconds = 15;
    bool scheduler_enabled = true;
    std::uint32_t scheduler_interval_seconds = 30;
    bool scheduler_auto_update = true;
    // Publisher keys the coordinator checks uploads against (ADR 0020); read for each upload.
    std::filesystem::path release_keys_dir{release::kDefaultKeysDir};
    std::string release_revoked_keys;  // comma-separated key ids
    bool release_require_signed = true;
    // Test-only: shifts the coordinator's clock (windows, expiry, timestamps) so end-to-end tests
    // can stand inside or outside a maintenance window. Refused unless testing_enabled.
    bool testing_enabled = false;
    std::int64_t testing_clock_offset_seconds = 0;
    // The agents' own database pool and the resolver's worker pool (capacity_config.cpp, ADR
    // 0033), so that an API flood can starve neither heartbeats nor the I/O threads.
    std::uint32_t database_agent_pool_size = 2;
    std::uint32_t database_agent_max_queued = 1024;
    std::uint32_t resolver_threads = 1;
    std::uint32_t resolver_max_queued = 16;
    std::uint32_t resolver_max_steps = 100'000;
    std::uint32_t rollouts_batch_size = 10'000;
    // The strategy of a patch's enforcement rollout, as the API's "strategy" JSON (ADR 0038);
    // empty: domain::PatchEnforcementStrategy().
    std::string patches_rollout_strategy;
};

// Binds every field to its key ("http.port" <- WAKA_HTTP_PORT <- --http-port).
void BindConfig(config::Schema& schema, CoordinatorConfig& config);

// The release trust of the configuration (ValidateConfig has checked the revoked key ids).
[[nodiscard]] release::TrustSettings ReleaseTrustOf(const CoordinatorConfig& config);

// True when the API is to speak HTTPS (both TLS files set).
[[nodiscard]] bool HttpsConfigured(const CoordinatorConfig& config);

// Checks what the schema cannot: required settings and consistency. Answers one sentence.
[[nodiscard]] Expected<void> ValidateConfig(const CoordinatorConfig& config);

}  // namespace waka::coordinator::app
