#include <boost/json/object.hpp>

#include "coordinator/api/problem.hpp"
#include "coordinator/api/routes.hpp"

namespace waka::coordinator::api {
namespace {

boost::asio::awaitable<http::Response> Health(Services& services, Call&) {
    auto ping = co_await services.context.repositories.health.Ping();
    if (!ping) {
        co_return JsonResponse(
            503, boost::json::object{{"status", "unhealthy"},
                                     {"detail", "database: " + ping.error().message}});
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
    router.Add({"GET", "/health", std::nullopt,
                [&services](Call& call) { return Health(services, call); }});
    router.Add(
        {"GET", "/", std::nullopt, [&services](Call& call) { return Root(services, call); }});
}

}  // namespace waka::coordinator::api
