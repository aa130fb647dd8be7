#include <boost/json/array.hpp>
#include <chrono>

#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/ports/token_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::api {
namespace {

boost::asio::awaitable<http::Response> CreateToken(Services& services, Call& call) {
    auto request = ParseTokenRequest(call.request.body);
    if (!request) {
        co_return ToResponse(request.error());
    }
    if (request->expires_at && *request->expires_at <= services.context.clock.Now()) {
        co_return ToResponse(Invalid("expires_at", "must lie in the future"));
    }
    auto created = co_await services.context.repositories.tokens.Create(
        call.principal, std::move(request->name), request->role, request->expires_at);
    if (!created) {
        co_return ToResponse(FromError(created.error()));
    }
    boost::json::object body = TokenJson(created->token);
    // The only time the secret is ever shown.
    body["token"] = created->secret;
    co_return SecretJsonResponse(201, body);
}

// A new secret for the same token (ADR 0029); the old one stops at once or after the overlap.
boost::asio::awaitable<http::Response> RotateToken(Services& services, Call& call) {
    auto request = ParseTokenRotateRequest(call.request.body);
    if (!request) {
        co_return ToResponse(request.error());
    }
    if (request->expires_at && *request->expires_at <= services.context.clock.Now()) {
        co_return ToResponse(Invalid("expires_at", "must lie in the future"));
    }
    auto rotated = co_await services.context.repositories.tokens.Rotate(
        call.principal, call.Param("id"), request->expires_at,
        std::chrono::seconds(request->overlap_seconds));
    if (!rotated) {
        co_return ToResponse(FromError(rotated.error()));
    }
    boost::json::object body = TokenJson(rotated->token);
    // The only time the new secret is ever shown.
    body["token"] = rotated->secret;
    body["previous_token_valid_until"] =
        rotated->previous_valid_until
            ? boost::json::value(FormatRfc3339(*rotated->previous_valid_until))
            : nullptr;
    co_return SecretJsonResponse(200, body);
}

boost::asio::awaitable<http::Response> ListTokens(Services& services, Call&) {
    auto tokens = co_await services.context.repositories.tokens.List();
    if (!tokens) {
        co_return ToResponse(FromError(tokens.error()));
    }
    boost::json::array list;
    for (const auto& token : *tokens) {
        list.push_back(TokenJson(token));
    }
    co_return JsonResponse(200, list);
}

boost::asio::awaitable<http::Response> RevokeToken(Services& services, Call& call) {
    auto revoked =
        co_await services.context.repositories.tokens.Revoke(call.principal, call.Param("id"));
    if (!revoked) {
        co_return ToResponse(FromError(revoked.error()));
    }
    co_return NoContent();
}

}  // namespace

void AddTokenRoutes(Router& router, Services& services) {
    constexpr auto kAdmin = domain::Role::kAdmin;
    router.Add({"POST", "/api/v1/tokens", kAdmin,
                [&services](Call& call) { return CreateToken(services, call); }});
    router.Add({"GET", "/api/v1/tokens", kAdmin,
                [&services](Call& call) { return ListTokens(services, call); }});
    router.Add({"POST", "/api/v1/tokens/{id}/rotate", kAdmin,
                [&services](Call& call) { return RotateToken(services, call); }});
    router.Add({"DELETE", "/api/v1/tokens/{id}", kAdmin,
                [&services](Call& call) { return RevokeToken(services, call); }});
}

}  // namespace waka::coordinator::api
