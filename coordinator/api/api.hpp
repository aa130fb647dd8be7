#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "coordinator/http/server.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}
namespace waka::coordinator::store {
class TokenStore;
}
namespace waka::coordinator::deploy {
class DeploymentService;
}

// The coordinator's REST API (DESIGN §5): routing, bearer-token authentication, role checks,
// request validation and JSON answers. Handlers delegate storage to coordinator/store and
// deployments to deploy::DeploymentService.
namespace waka::coordinator::api {

// Everything the API needs; owned by the caller and outliving the handler.
struct ApiContext {
    db::Database& database;
    const Clock& clock;
    store::TokenStore& tokens;
    deploy::DeploymentService& deployments;
    std::filesystem::path artifact_dir;  // same filesystem as the server's spool_dir (rename)
    std::string version;                 // answered by GET /
    // Whether the agent of an instance holds a session on this coordinator right now. May be
    // empty: the stored connection_state is used instead.
    std::function<bool(const std::string& instance_id)> is_connected;
    // Agents holding a gateway session right now (GET /metrics). May be empty: 0 is reported.
    std::function<std::size_t()> connected_agents{};
    // Called after a release or an artifact is registered (wakes the scheduler for auto-updates).
    // May be empty.
    std::function<void()> catalog_changed{};
};

// The http::Server handler serving every route. Thread-safe: the routing table is built here and
// only read afterwards; each request's work runs on its connection's strand and the DB pool.
[[nodiscard]] http::Handler MakeApiHandler(ApiContext& context);

// For http::ServerOptions::spool_body: true for artifact uploads (PUT /api/v1/artifacts/...),
// whose bodies are streamed to disk and hashed by the server instead of held in memory.
[[nodiscard]] bool ShouldSpoolBody(std::string_view method, std::string_view path);

}  // namespace waka::coordinator::api
