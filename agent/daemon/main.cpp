#include "agent/daemon/main.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>

#include "agent/daemon/agent.hpp"
#include "agent/daemon/config.hpp"
#include "agent/daemon/credential_store.hpp"
#include "agent/daemon/enroll.hpp"
#include "agent/install/installer.hpp"
#include "agent/link/downloader.hpp"
#include "agent/link/link.hpp"
#include "shared/core/log.hpp"
#include "shared/core/notify.hpp"
#include "shared/release/trusted_keys.hpp"

namespace waka::agent::daemon {
namespace {

constexpr int kExitConfig = 2;
constexpr int kExitLocal = 1;

install::InstallerOptions MakeInstallerOptions(const AgentConfig& c,
                                               std::optional<install::HookIdentity> hook_user) {
    install::InstallerOptions options;
    options.state_dir = c.state_dir;
    options.hook_user = std::move(hook_user);
    options.hook_timeout = std::chrono::seconds(c.hook_timeout_seconds);
    options.health_check_timeout = std::chrono::seconds(c.health_check_timeout_seconds);
    options.keep_versions = static_cast<int>(c.keep_versions);
    options.max_bundle_bytes = c.max_bundle_bytes;
    options.max_unpacked_bytes = c.max_unpacked_bytes;
    options.max_recovery_attempts = static_cast<int>(c.max_recovery_attempts);
    options.release_trust.keys_dir = c.release_keys_dir;
    options.release_trust.revoked_key_ids = RevokedReleaseKeys(c);
    options.release_trust.require_signed = c.require_signed_releases;
    return options;
}

link::LinkOptions MakeLinkOptions(const AgentConfig& c, const link::Endpoint& endpoint) {
    link::LinkOptions options;
    options.endpoint = endpoint;
    options.server_name = c.server_name;
    options.ca_file = c.ca_file;
    options.connect_timeout = std::chrono::seconds(c.connect_timeout_seconds);
    options.welcome_timeout = std::chrono::seconds(c.connect_timeout_seconds);
    options.heartbeat_seconds_default = c.heartbeat_seconds_default;
    options.reconnect_initial_ms = c.reconnect_initial_ms;
    options.reconnect_max_ms = c.reconnect_max_ms;
    options.identity_file = ClientIdentity(c.state_dir, c.instance_id).Path();
    return options;
}

link::DownloaderOptions MakeDownloaderOptions(const AgentConfig& c,
                                              const link::Endpoint& endpoint) {
    link::DownloaderOptions options;
    options.endpoint = endpoint;
    options.server_name = c.server_name;
    options.ca_file = c.ca_file;
    options.instance_id = c.instance_id;
    options.identity_file = ClientIdentity(c.state_dir, c.instance_id).Path();
    options.connect_timeout = std::chrono::seconds(c.connect_timeout_seconds);
    return options;
}

// Everything after a valid configuration; answers the exit code.
int Run(AgentConfig& config, const link::Endpoint& endpoint,
        std::optional<install::HookIdentity> hook_user, std::optional<std::string> credential) {
    link::HttpsArtifactFetcher fetcher(MakeDownloaderOptions(config, endpoint));
    install::Installer installer(MakeInstallerOptions(config, std::move(hook_user)), fetcher);
    InstallerRunner runner(installer);
    // Before connecting: an operation a crash interrupted is completed (rolled back) first.
    auto recovered = installer.Recover();

    auto identity = std::make_shared<ClientIdentity>(config.state_dir, config.instance_id);
    if (auto loaded = identity->Load(); !loaded) {
        std::cerr << "waka-agent: " << loaded.error().message << '\n';
        return kExitLocal;
    }
    boost::asio::io_context io(1);
    AgentOptions agent_options{.instance_id = config.instance_id,
                               .agent_version = std::string(AgentVersion()),
                               .state_dir = config.state_dir,
                               .credential = credential.value_or(""),
                               .enrollment_token = std::move(config.enrollment_token),
                               .max_bundle_bytes = config.max_bundle_bytes,
                               .identity = identity};
    config.enrollment_token.clear();
    Agent agent(io, std::move(agent_options), runner, [&fetcher, &config](const std::string& c) {
        fetcher.SetCredential(c);
        RemoveEnrollmentTokenFile(config.state_dir);  // spent once c is stored
    });
    link::Link link(io, MakeLinkOptions(config, endpoint), agent);
    agent.AttachChannel(link);
    if (recovered) {
        log::Warn("interrupted operation completed at start-up op_id={}", recovered->op_id);
        agent.AddPendingResult(std::move(*recovered));
    }
    if (auto started = link.Start(); !started) {
        std::cerr << "waka-agent: " << started.error().message << '\n';
        return kExitLocal;
    }
    notify::Watchdog watchdog(io.get_executor());
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
        if (ec) {
            return;
        }
        log::Info("shutting down signal={}", signal_number);
        notify::Stopping();
        watchdog.Stop();
        // Default handling again: a second signal ends the process at once instead of waiting for
        // a running operation; the journal makes that safe (Recover() completes it next start).
        boost::system::error_code ignored;
        signals.clear(ignored);
        link.Stop();
        agent.Stop();
    });
    log::Info("waka-agent started version={} instance_id={} coordinator={}", AgentVersion(),
              config.instance_id, endpoint.HostHeader());
    watchdog.Start();
    notify::Ready("connecting to " + endpoint.HostHeader());
    io.run();
    log::Info("waka-agent stopped");
    return 0;
}

}  // namespace

int Main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "enroll") {
        return EnrollMain(argc, argv);
    }
    AgentConfig config;
    auto loaded = LoadAgentConfig(config, argc, argv);
    if (!loaded) {
        std::cerr << "waka-agent: " << loaded.error().message << '\n';
        return kExitConfig;
    }
    if (loaded->exit_now) {
        std::cout << loaded->message;
        return loaded->exit_code;
    }
    log::Init(config.log_level);
    auto endpoint = ValidateAgentConfig(config);
    if (!endpoint) {
        std::cerr << "waka-agent: " << endpoint.error().message << '\n';
        return kExitConfig;
    }
    auto hook_user = ResolveHookUser(config);
    if (!hook_user) {
        std::cerr << "waka-agent: " << hook_user.error().message << '\n';
        return kExitConfig;
    }
    release::LogTrustAtStartUp(MakeInstallerOptions(config, std::nullopt).release_trust);
    if (auto dir = EnsureStateDir(config.state_dir); !dir) {
        std::cerr << "waka-agent: " << dir.error().message << '\n';
        return kExitLocal;
    }
    auto credential = LoadCredential(config.state_dir);
    if (!credential) {
        std::cerr << "waka-agent: " << credential.error().message << '\n';
        return kExitLocal;
    }
    if (auto token = UseStoredEnrollmentToken(config, credential->has_value()); !token) {
        std::cerr << "waka-agent: " << token.error().message << '\n';
        return kExitLocal;
    }
    if (auto ok = RequireCredentialOrToken(config, credential->has_value()); !ok) {
        std::cerr << "waka-agent: " << ok.error().message << '\n';
        return kExitConfig;
    }
    return Run(config, *endpoint, std::move(*hook_user), std::move(*credential));
}

}  // namespace waka::agent::daemon
