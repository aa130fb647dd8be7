#include <atomic>
#include <boost/json/object.hpp>
#include <memory>

#include "coordinator/api/problem.hpp"
#include "coordinator/api/routes.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::api {
namespace {

// Whether the last /health found the database reachable; the log says so once per change, not
// once per probe (a load balancer asks every few seconds).
using LastHealth = std::atomic<bool>;

// The answer names the failed check only: the database's own error text tells whoever asks the
// host, port, database and user, so it goes to the log.
boost::asio::awaitable<http::Response> Health(Services& services, LastHealth& healthy, Call&) {
    auto ping = co_await services.context.repositories.health.Ping();
    if (!ping) {
        if (healthy.exchange(false)) {
            log::Warn("health: database unreachable error={}", ping.error().message);
        }
        co_return JsonResponse(503, boost::json::object{{"status", "unhealthy"},
                                                        {"checks", {{"database", "unreachable"}}}});
    }
    if (!healthy.exchange(true)) {
        log::Info("health: database reachable again");
    }
    co_return JsonResponse(200, boost::json::object{{"status", "healthy"}});
}

boost::asio::awaitable<http::Response> Root(Services& services, Call&) {
    co_return JsonResponse(200, boost::json::object{{"name", "Waka Deploy"},
                                                    {"version", services.context.version},
                                                    {"docs", "/docs"},
                                                    {"openapi", "/openapi.json"}});
}

}  // namespace

void AddSystemRoutes(Router& router, Services& services) {
    auto healthy = std::make_shared<LastHealth>(true);
    router.Add({"GET", "/health", std::nullopt,
                [&services, healthy](Call& call) { return Health(services, *healthy, call); }});
    router.Add(
        {"GET", "/", std::nullopt, [&services](Call& call) { return Root(services, call); }});
}

}  // namespace waka::coordinator::api
