#include "coordinator/app/app.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "coordinator/api/api.hpp"
#include "coordinator/app/capacity_config.hpp"
#include "coordinator/app/config.hpp"
#include "coordinator/app/core.hpp"
#include "coordinator/db/database.hpp"
#include "coordinator/deploy/audit_verifier.hpp"
#include "coordinator/deploy/scheduler.hpp"
#include "coordinator/gateway/gateway_server.hpp"
#include "coordinator/http/server.hpp"
#include "coordinator/http/spool_file.hpp"
#include "shared/core/log.hpp"
#include "shared/core/notify.hpp"
#include "shared/core/version.hpp"
#include "shared/net/peer_gate.hpp"
#include "shared/net/tls_server.hpp"
#include "shared/pki/certificate_authority.hpp"

namespace waka::coordinator::app {
namespace {

namespace asio = boost::asio;

// In-flight requests get this long to finish after SIGTERM before the process exits.
constexpr auto kDrainTimeout = std::chrono::seconds(10);

// A listener's gate from its allowed_networks setting (ValidateConfig has parsed it once) and its
// per-address limits.
std::shared_ptr<net::PeerGate> GateOf(std::string listener, const std::string& allowed,
                                      const net::AddressLimitSettings& limits) {
    auto networks = net::AllowedNetworks::Parse(allowed);
    auto gate = std::make_shared<net::PeerGate>(
        std::move(listener), networks ? std::move(*networks) : net::AllowedNetworks{}, limits);
    log::Info(
        "listener limits listener={} networks={} max_connections_per_address={} "
        "handshakes_per_second_per_address={} handshake_burst_per_address={}",
        gate->Listener(), gate->Networks().Describe(), limits.max_connections_per_address,
        limits.connections_per_second, limits.connection_burst);
    return gate;
}

net::AddressLimitSettings GatewayLimitsOf(const CoordinatorConfig& config) {
    net::AddressLimitSettings limits;
    limits.max_connections_per_address = config.gateway_max_connections_per_address;
    limits.connections_per_second = config.gateway_handshakes_per_second_per_address;
    limits.connection_burst = config.gateway_handshake_burst_per_address;
    return limits;
}

net::AddressLimitSettings HttpLimitsOf(const CoordinatorConfig& config) {
    net::AddressLimitSettings limits;
    limits.max_connections_per_address = config.http_max_connections_per_address;
    return limits;
}

gateway::GatewayOptions GatewayOptionsOf(const CoordinatorConfig& config,
                                         std::shared_ptr<net::PeerGate> gate) {
    gateway::GatewayOptions options;
    options.peer_gate = std::move(gate);
    options.address = config.gateway_address;
    options.port = config.gateway_port;
    options.cert_file = config.gateway_cert_file;
    options.key_file = config.gateway_key_file;
    options.heartbeat_seconds = config.gateway_heartbeat_seconds;
    options.max_pre_hello_bytes = config.gateway_max_pre_hello_bytes;
    options.idle_timeout_seconds = config.gateway_heartbeat_seconds * 4;
    options.client_ca_file = config.gateway_client_ca_file.empty()
                                 ? config.gateway_agent_ca_cert_file
                                 : config.gateway_client_ca_file;
    options.require_client_certificate = config.gateway_require_client_certificate;
    return options;
}

// The agent CA and its rules (ADR 0034); none when no CA is configured.
Expected<deploy::AgentIdentityOptions> AgentIdentityOf(const CoordinatorConfig& config) {
    deploy::AgentIdentityOptions options;
    options.lifetime = std::chrono::seconds(config.gateway_agent_certificate_lifetime_seconds);
    options.require_certificate = config.gateway_require_client_certificate;
    if (config.gateway_agent_ca_cert_file.empty()) {
        log::Warn(
            "no gateway.agent_ca_cert_file: agents authenticate with a bearer credential "
            "alone (docs/security.md, agent certificates)");
        return options;
    }
    auto ca = pki::CertificateAuthority::Load(config.gateway_agent_ca_cert_file,
                                              config.gateway_agent_ca_key_file);
    if (!ca) {
        return ca.error();
    }
    options.ca = std::move(*ca);
    log::Info("agent certificates issued by {} lifetime_seconds={} required={}",
              config.gateway_agent_ca_cert_file.string(), options.lifetime.count(),
              options.require_certificate);
    return options;
}

Expected<void> PrepareStorage(const CoordinatorConfig& config) {
    std::error_code ec;
    for (const auto& dir : {config.storage_dir / "artifacts", config.storage_dir / "spool"}) {
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            return MakeError(Errc::kIo, "cannot create " + dir.string() + ": " + ec.message());
        }
    }
    // Uploads a crash cut short; the spool belongs to this coordinator alone (storage.dir).
    auto removed = http::SpoolFile::RemoveStale(config.storage_dir / "spool");
    if (!removed) {
        return removed.error().WithContext("clean the upload spool");
    }
    if (*removed > 0) {
        log::Info("removed stale upload spool files count={}", *removed);
    }
    return {};
}

Expected<void> WriteReadyFile(const std::filesystem::path& path, std::uint16_t http_port,
                              std::uint16_t gateway_port) {
    const auto temp = path.string() + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << "{\"http_port\":" << http_port << ",\"gateway_port\":" << gateway_port << "}\n";
        if (!out) {
            return MakeError(Errc::kIo, "cannot write " + temp);
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);  // readers never see a half-written file
    if (ec) {
        return MakeError(Errc::kIo, "cannot write " + path.string() + ": " + ec.message());
    }
    return {};
}

// The audit key of the configuration, logged by its id only (never the secret). Without one the
// chain is unkeyed: anyone who can write to the database can rewrite it unseen (ADR 0028).
Expected<pg::AuditKey> AuditKeyOf(const CoordinatorConfig& config) {
    if (config.audit_key.empty()) {
        log::Warn(
            "no audit.key_file: audit entries get unkeyed hashes, which anyone with write "
            "access to the database can recompute (docs/security.md)");
        return pg::AuditKey{};
    }
    auto key = pg::AuditKey::FromSecret(config.audit_key);
    if (!key) {
        return key.error().WithContext("audit.key");
    }
    log::Info("audit entries sealed with HMAC-SHA256 audit_key_id={}", key->Id());
    return key;
}

// Runs a coroutine to completion on the io_context before the server threads start.
template <class T>
T RunToCompletion(asio::io_context& io, asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.run();
    io.restart();
    return future.get();
}

class Coordinator {
public:
    explicit Coordinator(CoordinatorConfig config)
        : config_(std::move(config)),
          clock_(std::chrono::seconds(config_.testing_clock_offset_seconds)) {}

    int Run() {
        if (auto prepared = Prepare(); !prepared) {
            log::Error("start-up failed: {}", prepared.error().message);
            return 1;
        }
        Serve();
        return 0;
    }

private:
    Expected<void> Prepare();
    Expected<void> StartListeners();
    void Serve();
    void StopOnSignal();
    void ReloadOnHangUp();
    void ReloadTls();

    CoordinatorConfig config_;
    OffsetClock clock_;  // the system clock unless testing.clock_offset_seconds is set
    asio::io_context io_;
    std::unique_ptr<db::Database> database_;
    std::unique_ptr<db::Database> agent_database_;  // the agents' own pool (ADR 0033)
    // Declared before the gateway so that the gateway, whose connections call the core's agent
    // sessions, goes first.
    std::unique_ptr<CoordinatorCore> core_;
    std::unique_ptr<gateway::GatewayServer> gateway_;
    std::unique_ptr<api::ApiContext> api_context_;
    std::shared_ptr<net::PeerGate> gateway_gate_;         // gateway.allowed_networks
    std::shared_ptr<net::PeerGate> http_gate_;            // http.allowed_networks
    std::unique_ptr<net::ReloadableTlsServer> http_tls_;  // set when the API speaks HTTPS
    std::unique_ptr<http::Server> http_;
    std::unique_ptr<deploy::Scheduler> scheduler_;
    std::unique_ptr<deploy::AuditVerifier> audit_verifier_;
    asio::signal_set signals_{io_, SIGINT, SIGTERM};
    asio::signal_set hang_up_{io_, SIGHUP};
    notify::Watchdog watchdog_{io_.get_executor()};
    std::mutex stop_mutex_;
    std::condition_variable stop_changed_;
    bool stopping_ = false;
    bool stopped_ = false;
};

Expected<void> Coordinator::Prepare() {
    if (auto storage = PrepareStorage(config_); !storage) {
        return storage;
    }
    auto database =
        db::Database::Open({.url = config_.database_url,
                            .password_file = config_.database_password_file,
                            .pool_size = config_.database_pool_size,
                            .statement_timeout_ms = config_.database_statement_timeout_ms,
                            .max_queued = config_.database_max_queued});
    if (!database) {
        return database.error().WithContext("open database");
    }
    database_ = std::move(*database);
    auto version = database_->Migrate();
    if (!version) {
        return version.error().WithContext("migrate database");
    }
    log::Info("database ready schema_version={}", *version);
    auto agent_database = db::Database::Open(AgentDatabaseOptionsOf(config_));
    if (!agent_database) {
        return agent_database.error().WithContext("open the agents' database pool");
    }
    agent_database_ = std::move(*agent_database);
    release::LogTrustAtStartUp(ReleaseTrustOf(config_));
    auto audit_key = AuditKeyOf(config_);
    if (!audit_key) {
        return audit_key.error();
    }
    auto agent_identity = AgentIdentityOf(config_);
    if (!agent_identity) {
        return agent_identity.error();
    }
    // The gateway first: it is the use cases' way to the agents (ports::AgentChannel); the agent
    // sessions it calls back are handed to it when it starts.
    gateway_gate_ = GateOf("gateway", config_.gateway_allowed_networks, GatewayLimitsOf(config_));
    gateway_ =
        std::make_unique<gateway::GatewayServer>(io_, GatewayOptionsOf(config_, gateway_gate_));
    core_ = std::make_unique<CoordinatorCore>(
        *database_, clock_, config_.storage_dir / "artifacts", *gateway_, io_.get_executor(),
        ReleaseTrustOf(config_), std::move(*audit_key),
        CoreOptions{.agent_database = agent_database_.get(),
                    .resolution = ResolutionOptionsOf(config_),
                    .agent_identity = std::move(*agent_identity),
                    .rollouts = {.batch_size = config_.rollouts_batch_size},
                    .patches = PatchOptionsOf(config_)});
    if (auto checked = RunToCompletion(io_, core_->postgres.CheckAuditKey()); !checked) {
        return checked.error().WithContext("check the audit key");
    }
    if (!config_.auth_bootstrap_token.empty()) {
        auto ensured =
            RunToCompletion(io_, core_->Repositories().tokens.EnsureBootstrapToken(
                                     config_.auth_bootstrap_token_name,
                                     config_.auth_bootstrap_token, domain::Role::kAdmin));
        if (!ensured) {
            return ensured.error().WithContext("ensure bootstrap token");
        }
    }
    if (config_.testing_clock_offset_seconds != 0) {
        log::Warn("test-only clock offset in use offset_seconds={}",
                  config_.testing_clock_offset_seconds);
    }
    if (config_.scheduler_enabled) {
        deploy::SchedulerOptions options;
        options.interval = std::chrono::seconds(config_.scheduler_interval_seconds);
        options.auto_update = config_.scheduler_auto_update;
        scheduler_ = core_->MakeScheduler(io_.get_executor(), options);
        // A rollout's member finishing may let its phase finish: the next pass runs now, not at
        // the next interval.
        core_->sessions.OnDeploymentFinished([this](const domain::Deployment& deployment) {
            if (deployment.rollout_id && scheduler_) {
                scheduler_->Wake();
            }
        });
        core_->rollouts.OnChange([this] { scheduler_->Wake(); });
    }
    if (config_.audit_verify_interval_seconds > 0) {
        audit_verifier_ = core_->MakeAuditVerifier(
            io_.get_executor(),
            {.interval = std::chrono::seconds(config_.audit_verify_interval_seconds)});
    }
    return StartListeners();
}

Expected<void> Coordinator::StartListeners() {
    auto gateway_port = gateway_->Start(core_->sessions);
    if (!gateway_port) {
        return gateway_port.error().WithContext("start agent gateway");
    }

    api_context_ = std::make_unique<api::ApiContext>(core_->ApiContext(std::string(kVersion)));
    api_context_->metrics_cache_seconds = config_.metrics_cache_seconds;
    api_context_->rate_limits = {.requests_per_second = config_.http_rate_limit_per_second,
                                 .request_burst = config_.http_rate_limit_burst,
                                 .auth_failures_per_minute = config_.http_auth_failures_per_minute,
                                 .auth_failure_burst = config_.http_auth_failure_burst,
                                 .max_addresses = config_.http_rate_limit_max_addresses,
                                 .exempt_networks = config_.http_rate_limit_exempt_networks};
    http_gate_ = GateOf("http", config_.http_allowed_networks, HttpLimitsOf(config_));
    api_context_->peer_gates = {http_gate_, gateway_gate_};
    api_context_->audit_verifier = audit_verifier_.get();
    api_context_->catalog_changed = [this] {
        if (scheduler_) {
            scheduler_->Wake();
        }
    };
    http::ServerOptions http_options;
    http_options.address = config_.http_address;
    http_options.port = config_.http_port;
    http_options.peer_gate = http_gate_;
    http_options.max_body_bytes = config_.http_max_body_bytes;
    http_options.max_upload_bytes = config_.http_max_upload_bytes;
    http_options.spool_dir = config_.storage_dir / "spool";
    http_options.spool_body = api::ShouldSpoolBody;
    http_options.max_concurrent_uploads = config_.http_max_concurrent_uploads;
    http_options.upload_timeout_seconds = config_.http_upload_timeout_seconds;
    http_options.upload_min_bytes_per_second = config_.http_upload_min_bytes_per_second;
    http_options.upload_rate_grace_seconds = config_.http_upload_rate_grace_seconds;
    if (HttpsConfigured(config_)) {
        http_tls_ = std::make_unique<net::ReloadableTlsServer>(net::TlsServerFiles{
            config_.http_tls_cert_file, config_.http_tls_key_file, "HTTP API TLS"});
        if (auto loaded = http_tls_->Reload(); !loaded) {
            return loaded.error().WithContext("start HTTP API");
        }
        http_options.tls = [tls = http_tls_.get()] { return tls->Current(); };
    }
    api::ApiHandlers api = api::MakeApiHandlers(*api_context_);
    http_options.before_body = std::move(api.before_body);
    http_ = std::make_unique<http::Server>(io_, http_options, std::move(api.handler));
    auto http_port = http_->Start();
    if (!http_port) {
        return http_port.error().WithContext("start HTTP API");
    }
    log::Info("coordinator ready version={} {}={}:{} gateway={}:{}", kVersion,
              http_tls_ ? "https" : "http", config_.http_address, *http_port,
              config_.gateway_address, *gateway_port);
    if (!config_.ready_file.empty()) {
        return WriteReadyFile(config_.ready_file, *http_port, *gateway_port);
    }
    return {};
}

void Coordinator::StopOnSignal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        log::Info("stopping signal={}", signal);
        boost::system::error_code ignored;
        hang_up_.cancel(ignored);
        notify::Stopping();
        watchdog_.Stop();
        http_->Stop();
        // Background work ends before the agents' sessions close, so none of it is left half way
        // through a session that is going away.
        core_->background.Stop();
        gateway_->Stop();
        if (scheduler_) {
            scheduler_->Stop();
        }
        if (audit_verifier_) {
            audit_verifier_->Stop();
        }
        std::lock_guard lock(stop_mutex_);
        stopping_ = true;
        stop_changed_.notify_all();
    });
}

// SIGHUP re-reads the TLS certificates and keys of both listeners (a renewed certificate needs
// no restart); open connections keep the identity they started with.
void Coordinator::ReloadOnHangUp() {
    hang_up_.async_wait([this](const boost::system::error_code& ec, int /*signal*/) {
        if (ec) {
            return;
        }
        ReloadTls();
        ReloadOnHangUp();
    });
}

void Coordinator::ReloadTls() {
    notify::Reloading();
    if (auto reloaded = gateway_->ReloadTls(); !reloaded) {
        log::Error("TLS reload failed, keeping the previous identity: {}",
                   reloaded.error().message);
    } else {
        log::Info("TLS reloaded listener=gateway");
    }
    if (http_tls_) {
        if (auto reloaded = http_tls_->Reload(); !reloaded) {
            log::Error("TLS reload failed, keeping the previous identity: {}",
                       reloaded.error().message);
        } else {
            log::Info("TLS reloaded listener=http");
        }
    }
    notify::Ready("serving");
}

void Coordinator::Serve() {
    StopOnSignal();
    ReloadOnHangUp();
    if (scheduler_) {
        scheduler_->Start();
    }
    if (audit_verifier_) {
        audit_verifier_->Start();
    }
    watchdog_.Start();
    notify::Ready("serving");
    // The io_context returns by itself once every connection has drained; whatever has not drained
    // kDrainTimeout after the signal is cut, so a stop never hangs on a slow client.
    std::thread watchdog([this] {
        std::unique_lock lock(stop_mutex_);
        stop_changed_.wait(lock, [this] { return stopping_ || stopped_; });
        if (!stop_changed_.wait_for(lock, kDrainTimeout, [this] { return stopped_; })) {
            log::Warn("drain timeout passed; closing remaining connections");
            io_.stop();
        }
    });
    std::vector<std::thread> threads;
    for (int i = 1; i < config_.http_threads; ++i) {
        threads.emplace_back([this] { io_.run(); });
    }
    io_.run();
    for (auto& thread : threads) {
        thread.join();
    }
    {
        std::lock_guard lock(stop_mutex_);
        stopped_ = true;
        stop_changed_.notify_all();
    }
    watchdog.join();
    log::Info("stopped");
}

}  // namespace

int Main(int argc, char** argv) {
    CoordinatorConfig config;
    config::Schema schema;
    BindConfig(schema, config);
    auto loaded = config::Load(schema, "waka-coordinator", kVersion, argc, argv);
    if (!loaded) {
        std::cerr << "waka-coordinator: " << loaded.error().message << '\n';
        return 2;
    }
    if (loaded->exit_now) {
        std::cout << loaded->message;
        return loaded->exit_code;
    }
    if (auto valid = ValidateConfig(config); !valid) {
        std::cerr << "waka-coordinator: " << valid.error().message << '\n';
        return 2;
    }
    log::Init(config.log_level);
    Coordinator coordinator(std::move(config));
    return coordinator.Run();
}

}  // namespace waka::coordinator::app
