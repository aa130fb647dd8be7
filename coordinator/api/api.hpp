#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/api/rate_limits.hpp"
#include "coordinator/http/server.hpp"
#include "shared/core/clock.hpp"
#include "shared/release/trusted_keys.hpp"

namespace waka::coordinator::deploy {
class ApprovalService;
class AuditVerifier;
class DeploymentService;
class PatchService;
class PolicyDecider;
class ProgressBoard;
class ResolutionService;
class RolloutService;
class TaskGroup;
}  // namespace waka::coordinator::deploy
namespace waka::coordinator::ports {
struct Repositories;
}
namespace waka::net {
class PeerGate;
}  // namespace waka::net

// The coordinator's REST API (docs/design.md §5): routing, bearer-token authentication, role
// checks, request validation and JSON answers. Handlers reach storage through the repositories of
// coordinator/ports and decisions through the use cases of coordinator/deploy; they build neither.
namespace waka::coordinator::api {

// Everything the API needs; built by app::CoordinatorCore (or a test) and outliving the handler.
struct ApiContext {
    const Clock& clock;
    ports::Repositories& repositories;
    deploy::DeploymentService& deployments;
    deploy::PatchService& patches;
    deploy::ApprovalService& approvals;
    deploy::RolloutService& rollouts;  // fleet rollouts (docs/rollouts.md)
    // The resolver wiring deployments are validated with, for the pin, compile, compatibility and
    // explain routes, so that they all agree.
    deploy::ResolutionService& resolution;
    const deploy::ProgressBoard& progress;   // live progress of running deployments
    const deploy::PolicyDecider& decisions;  // decision counts for GET /metrics
    deploy::TaskGroup& background;           // patch enforcement runs here
    std::filesystem::path artifact_dir;      // same filesystem as the server's spool_dir (rename)
    release::TrustSettings release_trust;    // what uploads are checked against (ADR 0020)
    std::string version;                     // answered by GET /
    // How long GET /metrics serves the fleet figures it read from the database before reading
    // them again (metrics.cache_seconds); 0: every scrape reads them.
    std::uint32_t metrics_cache_seconds = 15;
    // Whether the agent of an instance holds a session on this coordinator right now. May be
    // empty: the stored connection_state is used instead.
    std::function<bool(const std::string& instance_id)> is_connected;
    // Closes the instance's agent session on this coordinator, if it holds one (decommission,
    // ADR 0034). May be empty.
    std::function<void(const std::string& instance_id)> disconnect_agent{};
    // Agents holding a gateway session right now (GET /metrics). May be empty: 0 is reported.
    std::function<std::size_t()> connected_agents{};
    // Per-client request and auth-failure limits (ADR 0032); the default limits nothing.
    RateLimitSettings rate_limits{};
    // The listeners' gates (allowed networks), for waka_connections_refused_total. May be empty.
    std::vector<std::shared_ptr<const net::PeerGate>> peer_gates{};
    // The scheduled audit chain verification, for GET /metrics. May be null: not reported.
    const deploy::AuditVerifier* audit_verifier = nullptr;
    // Called after a release or an artifact is registered (wakes the scheduler for auto-updates).
    // May be empty.
    std::function<void()> catalog_changed{};
};

// What the API gives the http::Server: the handler serving every route, and for
// ServerOptions::before_body the check of an upload (a spooled body) from its header alone — its
// route resolved, its bearer token authenticated and the route's role checked exactly as the
// handler will, answering 404/405/401/403 before a byte of the body is read; nullopt for every
// other request (the handler checks it). Both share one routing table and one set of metrics.
struct ApiHandlers {
    http::Handler handler;
    std::function<boost::asio::awaitable<std::optional<http::Response>>(const http::Request&)>
        before_body;
};

// Thread-safe: the routing table is built here and only read afterwards; each request's work
// runs on its connection's strand and the DB pool.
[[nodiscard]] ApiHandlers MakeApiHandlers(ApiContext& context);
// MakeApiHandlers(context).handler.
[[nodiscard]] http::Handler MakeApiHandler(ApiContext& context);

// For http::ServerOptions::spool_body: true for artifact uploads (PUT /api/v1/artifacts/...),
// whose bodies are streamed to disk and hashed by the server instead of held in memory.
[[nodiscard]] bool ShouldSpoolBody(std::string_view method, std::string_view path);

}  // namespace waka::coordinator::api
