#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "coordinator/http/message.hpp"

// Method + path routing with "{param}" segments. Routes are registered once at start-up, then the
// router is only read, so it may be shared by every connection.
namespace waka::coordinator::api {

// What a route handler gets: the request, its path parameters and the authenticated caller.
struct Call {
    http::Request& request;
    std::map<std::string, std::string, std::less<>> params;
    domain::Principal principal;  // the "anonymous" viewer on open routes

    [[nodiscard]] const std::string& Param(std::string_view name) const;
};

using RouteHandler = std::function<boost::asio::awaitable<http::Response>(Call&)>;

struct Route {
    std::string method;
    std::string pattern;  // "/api/v1/versions/{type}/{name}/{version}"
    // The role the caller needs (domain::Grants: a rung of the ladder or higher, or the publisher
    // role or admin); nullopt: open (no token needed).
    std::optional<domain::Role> min_role;
    RouteHandler handler;
};

struct RouteMatch {
    const Route* route = nullptr;  // null: no route for this method (see allowed)
    std::map<std::string, std::string, std::less<>> params;
    std::vector<std::string> allowed;  // methods of the matching path, when route is null
};

class Router {
public:
    void Add(Route route);
    // The most specific pattern wins (literal segments before parameters, left to right), so
    // "/api/v1/audit/verify" beats "/api/v1/audit/{seq}". No route and no allowed methods: 404.
    [[nodiscard]] RouteMatch Find(std::string_view method, std::string_view path) const;
    // Every registered route as {method, pattern}, in registration order (OpenAPI coverage test).
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> List() const {
        std::vector<std::pair<std::string, std::string>> routes;
        routes.reserve(routes_.size());
        for (const Compiled& compiled : routes_) {
            routes.emplace_back(compiled.route.method, compiled.route.pattern);
        }
        return routes;
    }

private:
    struct Compiled {
        Route route;
        std::vector<std::string> segments;
    };
    std::vector<Compiled> routes_;
};

[[nodiscard]] std::vector<std::string> SplitPath(std::string_view path);

}  // namespace waka::coordinator::api
