#include "coordinator/app/config.hpp"

#include <tuple>

#include "coordinator/app/capacity_config.hpp"
#include "coordinator/db/conninfo.hpp"
#include "shared/net/peer_gate.hpp"

namespace waka::coordinator::app {

void BindConfig(config::Schema& schema, CoordinatorConfig& c) {
    schema.SetDefaultConfigFile("/etc/waka/coordinator.toml");
    schema.Add("log_level", &c.log_level, "trace, debug, info, warn, error or off.");
    schema.Add("http.address", &c.http_address, "Address of the HTTP API listener.");
    schema.Add("http.tls_cert_file", &c.http_tls_cert_file,
               "PEM certificate chain of the API: with http.tls_key_file the API speaks HTTPS "
               "(both re-read on SIGHUP).");
    schema.Add("http.tls_key_file", &c.http_tls_key_file, "PEM private key of the API.");
    schema.Add("http.allow_plain_http", &c.http_allow_plain_http,
               "Allow a non-loopback http.address without http.tls_cert_file (tokens would cross "
               "the network in clear text).");
    schema.Add("http.port", &c.http_port, "Port of the HTTP API listener (0: any free port).");
    schema.Add("http.allowed_networks", &c.http_allowed_networks,
               "Comma-separated CIDR blocks or addresses that may connect to the API (empty: "
               "any); others are closed at accept, before TLS.");
    schema.Add("http.threads", &c.http_threads, "I/O threads serving HTTP and agents.");
    schema.Add("http.max_body_bytes", &c.http_max_body_bytes, "Largest JSON request body.");
    schema.Add("http.max_upload_bytes", &c.http_max_upload_bytes, "Largest artifact upload.");
    schema.Add("http.max_concurrent_uploads", &c.http_max_concurrent_uploads,
               "Artifact uploads received at once (1..1024); beyond: 503 with Retry-After.");
    schema.Add("http.upload_timeout_seconds", &c.http_upload_timeout_seconds,
               "Longest time one artifact upload may take (1..86400 seconds).");
    schema.Add("http.upload_min_bytes_per_second", &c.http_upload_min_bytes_per_second,
               "Slowest average rate of an upload after the grace period (0: no minimum).");
    schema.Add("http.upload_rate_grace_seconds", &c.http_upload_rate_grace_seconds,
               "Seconds an upload may start slower than the minimum rate (0..3600).");
    schema.Add("http.max_connections_per_address", &c.http_max_connections_per_address,
               "Connections one client address may hold open on the API at once (0: no cap); "
               "one more is closed at accept, before TLS.");
    schema.Add("http.rate_limit_per_second", &c.http_rate_limit_per_second,
               "API requests per second per client address, IPv6 per /64 (0: no limit); "
               "beyond: 429 with Retry-After.");
    schema.Add("http.rate_limit_burst", &c.http_rate_limit_burst,
               "API requests a client address may make at once above that rate (>= 1).");
    schema.Add("http.auth_failures_per_minute", &c.http_auth_failures_per_minute,
               "Failed authentications (unknown or revoked token) per minute per client address "
               "(0: no limit); beyond: 429 before the token is looked up.");
    schema.Add("http.auth_failure_burst", &c.http_auth_failure_burst,
               "Failed authentications a client address may make at once (>= 1).");
    schema.Add("http.rate_limit_max_addresses", &c.http_rate_limit_max_addresses,
               "Client addresses each rate limit remembers (1..10000000); the least recently "
               "seen is forgotten beyond.");
    schema.Add("http.rate_limit_exempt_networks", &c.http_rate_limit_exempt_networks,
               "CIDR list never rate limited (default: loopback; \"\": nobody).");
    schema.Add("gateway.address", &c.gateway_address,
               "Address of the agent gateway (TLS WebSocket).");
    schema.Add("gateway.port", &c.gateway_port, "Port of the agent gateway (0: any free port).");
    schema.Add("gateway.allowed_networks", &c.gateway_allowed_networks,
               "Comma-separated CIDR blocks or addresses that may connect to the gateway "
               "(empty: any); others are closed at accept, before TLS.");
    schema.Add("gateway.cert_file", &c.gateway_cert_file, "PEM certificate chain of the gateway.");
    schema.Add("gateway.key_file", &c.gateway_key_file, "PEM private key of the gateway.");
    schema.Add("gateway.heartbeat_seconds", &c.gateway_heartbeat_seconds,
               "Heartbeat interval told to agents.");
    schema.Add("gateway.max_pre_hello_bytes", &c.gateway_max_pre_hello_bytes,
               "Largest WebSocket message before the agent's Hello is accepted (1024..1048576); "
               "a larger one closes the connection with 1009.");
    schema.Add("gateway.max_connections_per_address", &c.gateway_max_connections_per_address,
               "Connections one client address may hold open on the gateway at once (0: no "
               "cap); one more is closed at accept, before TLS.");
    schema.Add("gateway.handshakes_per_second_per_address",
               &c.gateway_handshakes_per_second_per_address,
               "New gateway connections one client address may open per second on average (0: "
               "no limit); beyond, they are closed at accept, before TLS.");
    schema.Add("gateway.handshake_burst_per_address", &c.gateway_handshake_burst_per_address,
               "New gateway connections one client address may open at once after a quiet "
               "spell (1..1000000).");
    schema.Add("gateway.agent_ca_cert_file", &c.gateway_agent_ca_cert_file,
               "PEM certificate of the agent CA that signs agents' client certificates (ADR "
               "0034; with gateway.agent_ca_key_file).");
    schema.Add("gateway.agent_ca_key_file", &c.gateway_agent_ca_key_file,
               "PEM private key of the agent CA (mode 0600; LoadCredential= in the unit).");
    schema.Add("gateway.client_ca_file", &c.gateway_client_ca_file,
               "PEM CA certificates client certificates are checked against (default: "
               "gateway.agent_ca_cert_file; old and new CA while rotating).");
    schema.Add("gateway.agent_certificate_lifetime_seconds",
               &c.gateway_agent_certificate_lifetime_seconds,
               "Lifetime of an agent's client certificate (10..34214400, default 30 days); "
               "agents renew with a third of it left.");
    schema.Add("gateway.require_client_certificate", &c.gateway_require_client_certificate,
               "Agents must connect with their client certificate; only an enrollment may come "
               "without one (needs the agent CA).");
    schema.AddSecret("database.url", &c.database_url,
                     "PostgreSQL URL, e.g. postgresql://waka@db/waka (may hold a password).");
    schema.Add("database.password_file", &c.database_password_file,
               "File holding the database password, read for every connection opened (a rotated "
               "password needs no restart); database.url then holds none.");
    schema.Add("database.pool_size", &c.database_pool_size, "PostgreSQL connections (DB threads).");
    schema.Add("database.statement_timeout_ms", &c.database_statement_timeout_ms,
               "Longest one statement may run (0: no limit; migrations are never limited).");
    schema.Add("database.max_queued", &c.database_max_queued,
               "Database calls waiting or running at once; more answer 503 at once.");
    schema.Add("storage.dir", &c.storage_dir, "State directory: artifacts and upload spool.");
    schema.AddSecret("auth.bootstrap_token", &c.auth_bootstrap_token,
                     "Admin API token ensured at start (stored hashed).");
    schema.Add("auth.bootstrap_token_name", &c.auth_bootstrap_token_name, "Name of that token.");
    schema.Add("ready_file", &c.ready_file,
               "Written with the bound ports once serving (for scripts and tests).");
    schema.AddSecret("audit.key", &c.audit_key,
                     "Secret (32 bytes or more) sealing audit entries with HMAC-SHA256, kept "
                     "outside the database; usually audit.key_file. Unset: unkeyed hashes.");
    schema.Add("audit.verify_interval_seconds", &c.audit_verify_interval_seconds,
               "Seconds between verifications of the audit chain (0..604800; 0: none).");
    schema.Add("metrics.cache_seconds", &c.metrics_cache_seconds,
               "Seconds GET /metrics serves the fleet figures (deployments, patch compliance) "
               "it read from the database before reading them again (0..3600; 0: every scrape).");
    schema.Add("scheduler.enabled", &c.scheduler_enabled,
               "Run the scheduler (windows, approval expiry, auto-update) when holding its lock.");
    schema.Add("scheduler.interval_seconds", &c.scheduler_interval_seconds,
               "Seconds between scheduler passes (1..3600).");
    schema.Add("scheduler.auto_update", &c.scheduler_auto_update,
               "Propose auto-updates when a newer compatible release is registered.");
    schema.Add("release.keys_dir", &c.release_keys_dir,
               "Directory of the trusted release keys (*.pub), read for each upload.");
    schema.Add("release.revoked_keys", &c.release_revoked_keys,
               "Comma-separated ids of release keys whose statements are refused.");
    schema.Add("release.require_signed", &c.release_require_signed,
               "Refuse uploads and deployments of releases no trusted key signed.");
    schema.Add("testing.enabled", &c.testing_enabled,
               "Allow the testing.* settings. Never in production.");
    schema.Add("testing.clock_offset_seconds", &c.testing_clock_offset_seconds,
               "Test-only: seconds added to the coordinator's clock (needs testing.enabled).");
    BindCapacityConfig(schema, c);
}

namespace {

bool IsLoopbackAddress(const std::string& address) {
    return address == "localhost" || address == "::1" || address.starts_with("127.");
}

Expected<void> ValidateRateLimits(const CoordinatorConfig& c) {
    constexpr double kMaxRate = 1'000'000;
    for (const auto& [key, value, minimum] :
         {std::tuple{"http.rate_limit_per_second", c.http_rate_limit_per_second, 0.0},
          std::tuple{"http.rate_limit_burst", c.http_rate_limit_burst, 1.0},
          std::tuple{"http.auth_failures_per_minute", c.http_auth_failures_per_minute, 0.0},
          std::tuple{"http.auth_failure_burst", c.http_auth_failure_burst, 1.0}}) {
        if (!(value >= minimum && value <= kMaxRate)) {
            return MakeError(Errc::kInvalidArgument, std::string(key) + " must be between " +
                                                         std::to_string(static_cast<int>(minimum)) +
                                                         " and 1000000");
        }
    }
    if (c.http_rate_limit_max_addresses < 1 || c.http_rate_limit_max_addresses > 10'000'000) {
        return MakeError(Errc::kInvalidArgument,
                         "http.rate_limit_max_addresses must be between 1 and 10000000");
    }
    return {};
}

Expected<void> ValidateConnectionLimits(const CoordinatorConfig& c) {
    if (c.gateway_max_pre_hello_bytes < 1024 || c.gateway_max_pre_hello_bytes > 1U << 20) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway.max_pre_hello_bytes must be between 1024 and 1048576");
    }
    for (const auto& [key, value] :
         {std::pair{"http.max_connections_per_address", c.http_max_connections_per_address},
          std::pair{"gateway.max_connections_per_address", c.gateway_max_connections_per_address},
          std::pair{"gateway.handshakes_per_second_per_address",
                    c.gateway_handshakes_per_second_per_address}}) {
        if (value > 1'000'000) {
            return MakeError(Errc::kInvalidArgument,
                             std::string(key) + " must be between 0 (off) and 1000000");
        }
    }
    if (c.gateway_handshake_burst_per_address < 1 ||
        c.gateway_handshake_burst_per_address > 1'000'000) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway.handshake_burst_per_address must be between 1 and 1000000");
    }
    return {};
}

Expected<void> ValidateAgentCertificates(const CoordinatorConfig& c) {
    const bool has_ca = !c.gateway_agent_ca_cert_file.empty();
    if (has_ca != !c.gateway_agent_ca_key_file.empty()) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway.agent_ca_cert_file and gateway.agent_ca_key_file go together: "
                         "set both to issue agent certificates, or neither");
    }
    if (c.gateway_require_client_certificate && !has_ca) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway.require_client_certificate needs the agent CA "
                         "(gateway.agent_ca_cert_file and gateway.agent_ca_key_file)");
    }
    if (!c.gateway_client_ca_file.empty() && !has_ca) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway.client_ca_file needs the agent CA that issues the certificates "
                         "(gateway.agent_ca_cert_file and gateway.agent_ca_key_file)");
    }
    if (c.gateway_agent_certificate_lifetime_seconds < 10 ||
        c.gateway_agent_certificate_lifetime_seconds > 396U * 24 * 3600) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway.agent_certificate_lifetime_seconds must be between 10 and "
                         "34214400 (396 days)");
    }
    return {};
}

}  // namespace

bool HttpsConfigured(const CoordinatorConfig& c) {
    return !c.http_tls_cert_file.empty() && !c.http_tls_key_file.empty();
}

Expected<void> ValidateConfig(const CoordinatorConfig& c) {
    if (c.http_tls_cert_file.empty() != c.http_tls_key_file.empty()) {
        return MakeError(Errc::kInvalidArgument,
                         "http.tls_cert_file and http.tls_key_file go together: set both for "
                         "HTTPS, or neither");
    }
    if (!HttpsConfigured(c) && !IsLoopbackAddress(c.http_address) && !c.http_allow_plain_http) {
        return MakeError(Errc::kInvalidArgument,
                         "http.address " + c.http_address +
                             " is not a loopback address and the API has no TLS: bearer tokens "
                             "would cross the network in clear text; set http.tls_cert_file and "
                             "http.tls_key_file, or bind 127.0.0.1 behind a TLS-terminating "
                             "proxy, or set http.allow_plain_http = true");
    }
    if (c.database_url.empty()) {
        return MakeError(Errc::kInvalidArgument,
                         "database.url is required (set WAKA_DATABASE_URL or database.url_file)");
    }
    if (!c.database_password_file.empty() && db::HasPassword(c.database_url)) {
        return MakeError(Errc::kInvalidArgument,
                         "database.url holds a password and database.password_file is set: give "
                         "the password in one place (the file, to rotate it without a restart)");
    }
    if (c.gateway_cert_file.empty() || c.gateway_key_file.empty()) {
        return MakeError(
            Errc::kInvalidArgument,
            "gateway.cert_file and gateway.key_file are required: agents connect over TLS");
    }
    if (c.http_threads < 1 || c.http_threads > 256) {
        return MakeError(Errc::kInvalidArgument, "http.threads must be between 1 and 256");
    }
    if (c.http_max_concurrent_uploads < 1 || c.http_max_concurrent_uploads > 1024) {
        return MakeError(Errc::kInvalidArgument,
                         "http.max_concurrent_uploads must be between 1 and 1024");
    }
    if (c.http_upload_timeout_seconds < 1 || c.http_upload_timeout_seconds > 86400) {
        return MakeError(Errc::kInvalidArgument,
                         "http.upload_timeout_seconds must be between 1 and 86400");
    }
    if (c.http_upload_rate_grace_seconds > 3600) {
        return MakeError(Errc::kInvalidArgument,
                         "http.upload_rate_grace_seconds must be between 0 and 3600");
    }
    if (auto limits = ValidateConnectionLimits(c); !limits) {
        return limits;
    }
    if (auto certificates = ValidateAgentCertificates(c); !certificates) {
        return certificates;
    }
    if (c.database_pool_size < 1 || c.database_pool_size > 256) {
        return MakeError(Errc::kInvalidArgument, "database.pool_size must be between 1 and 256");
    }
    if (c.database_max_queued < c.database_pool_size || c.database_max_queued > 1'000'000) {
        return MakeError(Errc::kInvalidArgument,
                         "database.max_queued must be between database.pool_size and 1000000");
    }
    if (c.scheduler_interval_seconds < 1 || c.scheduler_interval_seconds > 3600) {
        return MakeError(Errc::kInvalidArgument,
                         "scheduler.interval_seconds must be between 1 and 3600");
    }
    if (!c.audit_key.empty() && c.audit_key.size() < 32) {
        return MakeError(Errc::kInvalidArgument,
                         "audit.key must be at least 32 bytes; make one with: openssl rand -hex 32 "
                         "> /etc/waka/audit.key");
    }
    if (c.audit_verify_interval_seconds > 604800) {
        return MakeError(Errc::kInvalidArgument,
                         "audit.verify_interval_seconds must be between 0 and 604800");
    }
    if (c.metrics_cache_seconds > 3600) {
        return MakeError(Errc::kInvalidArgument,
                         "metrics.cache_seconds must be between 0 and 3600");
    }
    if (c.testing_clock_offset_seconds != 0 && !c.testing_enabled) {
        return MakeError(Errc::kInvalidArgument,
                         "testing.clock_offset_seconds is a test-only setting: it needs "
                         "testing.enabled = true");
    }
    if (!c.auth_bootstrap_token.empty() && c.auth_bootstrap_token.size() < 16) {
        return MakeError(Errc::kInvalidArgument,
                         "auth.bootstrap_token must be at least 16 characters");
    }
    if (auto limits = ValidateRateLimits(c); !limits) {
        return limits;
    }
    if (auto capacity = ValidateCapacityConfig(c); !capacity) {
        return capacity;
    }
    for (const auto& [key, list] :
         {std::pair{"http.allowed_networks", &c.http_allowed_networks},
          std::pair{"gateway.allowed_networks", &c.gateway_allowed_networks},
          std::pair{"http.rate_limit_exempt_networks", &c.http_rate_limit_exempt_networks}}) {
        if (auto parsed = net::AllowedNetworks::Parse(*list); !parsed) {
            return MakeError(Errc::kInvalidArgument,
                             std::string(key) + ": " + parsed.error().message);
        }
    }
    if (auto revoked = release::ParseKeyIdList(c.release_revoked_keys); !revoked) {
        return MakeError(Errc::kInvalidArgument,
                         "release.revoked_keys: " + revoked.error().message);
    }
    return {};
}

release::TrustSettings ReleaseTrustOf(const CoordinatorConfig& c) {
    auto revoked = release::ParseKeyIdList(c.release_revoked_keys);
    return {c.release_keys_dir, revoked ? *revoked : std::set<std::string>{},
            c.release_require_signed};
}

}  // namespace waka::coordinator::app
