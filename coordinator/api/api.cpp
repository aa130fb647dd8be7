#include "coordinator/api/api.hpp"

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "coordinator/api/problem.hpp"
#include "coordinator/api/rate_limits.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/domain/authority.hpp"
#include "coordinator/ports/token_repository.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::api {
namespace {

struct State {
    explicit State(ApiContext& context) : services(context), limits(context.rate_limits) {}
    Services services;
    Router router;
    HttpMetrics metrics;
    RateLimits limits;
};

ApiError Unauthenticated(std::string detail, std::string challenge) {
    ApiError error;
    error.status = 401;
    error.code = "unauthenticated";
    error.detail = std::move(detail);
    error.headers.emplace_back("WWW-Authenticate", std::move(challenge));
    return error;
}

// "Bearer <token>" with the scheme matched case-insensitively (RFC 7235).
std::optional<std::string> BearerToken(const http::Request& request) {
    const std::string* header = request.Header("authorization");
    if (header == nullptr || header->size() < 7) {
        return std::nullopt;
    }
    std::string scheme = header->substr(0, 7);
    for (char& c : scheme) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (scheme != "bearer ") {
        return std::nullopt;
    }
    std::string token = header->substr(7);
    token.erase(0, token.find_first_not_of(' '));
    token.erase(token.find_last_not_of(' ') + 1);
    if (token.empty()) {
        return std::nullopt;
    }
    return token;
}

boost::asio::awaitable<ApiExpected<domain::Principal>> Authenticate(State& state,
                                                                    const http::Request& request) {
    auto token = BearerToken(request);
    if (!token) {
        state.metrics.CountAuthFailure("missing_token");
        co_return Unauthenticated("Authentication required: send Authorization: Bearer <token>",
                                  "Bearer");
    }
    // An address that keeps guessing is refused before its guesses cost a database lookup.
    if (auto limited = state.limits.CheckAuthentication(request, RateLimits::Clock::now())) {
        state.metrics.CountRateLimited("auth_failures");
        co_return std::move(*limited);
    }
    auto principal =
        co_await state.services.context.repositories.tokens.Authenticate(std::move(*token));
    if (!principal) {
        co_return FromError(principal.error());
    }
    if (!*principal) {
        state.limits.AuthenticationFailed(request, RateLimits::Clock::now());
        state.metrics.CountAuthFailure("unknown_or_revoked_token");
        // Never the token itself; the request id ties the line to the access log.
        log::Info(
            "api authentication failed reason=unknown_or_revoked_token peer={} method={} "
            "path={} request_id={}",
            request.remote_address, request.method, request.path, request.request_id);
        co_return Unauthenticated("The bearer token is unknown or revoked",
                                  "Bearer error=\"invalid_token\"");
    }
    co_return std::move(**principal);
}

ApiError Forbidden(const domain::Principal& principal, domain::Role needed) {
    ApiError error;
    error.status = 403;
    error.code = "forbidden";
    error.detail = "This needs " + domain::RequirementText(needed) + "; " + principal.actor +
                   " has the " + std::string(domain::RoleName(principal.role)) + " role";
    return error;
}

http::Response NoRoute(const http::Request& request, const std::vector<std::string>& allowed) {
    if (allowed.empty()) {
        ApiError error;
        error.status = 404;
        error.code = "not_found";
        error.detail = "No such endpoint: " + request.path;
        return ToResponse(error);
    }
    std::string allow;
    for (const std::string& method : allowed) {
        allow += (allow.empty() ? "" : ", ") + method;
    }
    ApiError error;
    error.status = 405;
    error.code = "method_not_allowed";
    error.detail =
        "Method " + request.method + " is not allowed on " + request.path + "; allowed: " + allow;
    error.headers.emplace_back("Allow", allow);
    return ToResponse(error);
}

// The caller of a route that needs a role: authenticated, and granted the route's role.
boost::asio::awaitable<ApiExpected<domain::Principal>> Authorize(State& state,
                                                                 const http::Request& request,
                                                                 domain::Role needed) {
    auto principal = co_await Authenticate(state, request);
    if (!principal) {
        co_return principal.error();
    }
    if (!domain::Grants(principal->role, needed)) {
        co_return Forbidden(*principal, needed);
    }
    co_return std::move(*principal);
}

boost::asio::awaitable<http::Response> HandleRoute(State& state, http::Request& request,
                                                   RouteMatch& match) {
    if (match.route == nullptr) {
        co_return NoRoute(request, match.allowed);
    }
    Call call{request, std::move(match.params),
              domain::Principal{"anonymous", domain::Role::kViewer, ""}};
    if (match.route->min_role) {
        auto principal = co_await Authorize(state, request, *match.route->min_role);
        if (!principal) {
            co_return ToResponse(principal.error());
        }
        call.principal = std::move(*principal);
    }
    co_return co_await match.route->handler(call);
}

void Observe(State& state, const RouteMatch& match, unsigned status,
             std::chrono::steady_clock::time_point started) {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
    state.metrics.Observe(match.route != nullptr ? match.route->method : "other",
                          match.route != nullptr ? match.route->pattern : "unmatched", status,
                          elapsed.count());
}

// The 429 of a request over its address's request rate, counted; nullopt lets it in.
std::optional<http::Response> LimitedResponse(State& state, const http::Request& request) {
    if (auto limited = state.limits.CheckRequest(request, RateLimits::Clock::now())) {
        state.metrics.CountRateLimited("requests");
        return ToResponse(*limited);
    }
    return std::nullopt;
}

// Routes the request and records its status and latency under the route's template.
boost::asio::awaitable<http::Response> Handle(State& state, http::Request& request) {
    const auto started = std::chrono::steady_clock::now();
    RouteMatch match = state.router.Find(request.method, request.path);
    std::optional<http::Response> limited = LimitedResponse(state, request);
    http::Response response;
    if (limited) {
        response = std::move(*limited);
    } else {
        response = co_await HandleRoute(state, request, match);
    }
    // Over either rate limit: a flood's next request then costs it a new connection, which the
    // per-address connection limits bound, instead of one more answer on a kept-alive one.
    response.close_connection = response.status == 429;
    Observe(state, match, response.status, started);
    co_return response;
}

// An upload's route and caller, checked from its header; the refusals are recorded like answers.
boost::asio::awaitable<std::optional<http::Response>> CheckBeforeBody(
    State& state, const http::Request& request) {
    if (!ShouldSpoolBody(request.method, request.path)) {
        co_return std::nullopt;
    }
    const auto started = std::chrono::steady_clock::now();
    const RouteMatch match = state.router.Find(request.method, request.path);
    // Uploads spend a request token here, before their body, and one more when handled.
    std::optional<http::Response> refusal = LimitedResponse(state, request);
    if (!refusal && match.route == nullptr) {
        refusal = NoRoute(request, match.allowed);
    } else if (!refusal && match.route->min_role) {
        auto principal = co_await Authorize(state, request, *match.route->min_role);
        if (!principal) {
            refusal = ToResponse(principal.error());
        }
    }
    if (refusal) {
        Observe(state, match, refusal->status, started);
    }
    co_return refusal;
}

}  // namespace

void AddNextCursor(http::Response& response, std::size_t count, std::size_t limit,
                   const std::string& last_cursor) {
    if (count >= limit && !last_cursor.empty()) {
        response.headers.emplace_back("X-Next-Cursor", last_cursor);
    }
}

namespace {

std::shared_ptr<State> MakeState(ApiContext& context) {
    auto state = std::make_shared<State>(context);
    AddSystemRoutes(state->router, state->services);
    AddTokenRoutes(state->router, state->services);
    AddVersionRoutes(state->router, state->services);
    AddPinRoutes(state->router, state->services);
    AddCompatibilityRoutes(state->router, state->services);
    AddArtifactRoutes(state->router, state->services);
    AddFloorRoutes(state->router, state->services);
    AddInstanceRoutes(state->router, state->services);
    AddExplainRoutes(state->router, state->services);
    AddManifestRoutes(state->router, state->services);
    AddCompileRoutes(state->router, state->services);
    AddDeploymentRoutes(state->router, state->services);
    AddAuditRoutes(state->router, state->services);
    AddPolicyRoutes(state->router, state->services);
    AddApprovalRoutes(state->router, state->services);
    AddRollbackRoutes(state->router, state->services);
    AddPatchRoutes(state->router, state->services);
    AddPatchReportRoutes(state->router, state->services);
    AddQuarantineRoutes(state->router, state->services);
    AddRolloutRoutes(state->router, state->services);
    AddOpenApiRoutes(state->router, state->services);
    AddMetricsRoutes(state->router, state->services, state->metrics);
    return state;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ListRoutes(ApiContext& context) {
    return MakeState(context)->router.List();
}

ApiHandlers MakeApiHandlers(ApiContext& context) {
    auto state = MakeState(context);
    ApiHandlers handlers;
    handlers.handler = [state](http::Request& request) { return Handle(*state, request); };
    handlers.before_body = [state](const http::Request& request) {
        return CheckBeforeBody(*state, request);
    };
    return handlers;
}

http::Handler MakeApiHandler(ApiContext& context) { return MakeApiHandlers(context).handler; }

bool ShouldSpoolBody(std::string_view method, std::string_view path) {
    return method == "PUT" && path.starts_with("/api/v1/artifacts/");
}

}  // namespace waka::coordinator::api
