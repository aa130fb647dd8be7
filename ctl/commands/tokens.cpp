#include <boost/json.hpp>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "ctl/commands/commands.hpp"
#include "ctl/output.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

struct TokenArgs {
    std::string name;
    std::string role;
    std::string id;
    std::string expires_at;
    std::optional<std::int64_t> overlap_seconds;
};

// The id of the token `id_or_name` names: an id as is, else the active token of that name (names
// are unique among active tokens), else a revoked one of that name (the server then says it is
// revoked); anything else goes to the server unchanged, which answers 404.
Expected<std::string> ResolveTokenId(const Context& context, const std::string& id_or_name) {
    auto listed = context.Call("GET", "/api/v1/tokens");
    if (!listed) {
        return listed.error();
    }
    const json::array* tokens = listed->if_array();
    std::string revoked_match;
    for (const auto& entry : tokens != nullptr ? *tokens : json::array{}) {
        const json::object* token = entry.if_object();
        if (token == nullptr) {
            continue;
        }
        if (Text(token->contains("id") ? token->at("id") : nullptr) == id_or_name) {
            return id_or_name;
        }
        if (Text(token->contains("name") ? token->at("name") : nullptr) != id_or_name) {
            continue;
        }
        const std::string id = Text(token->at("id"));
        if (!token->contains("revoked_at") || token->at("revoked_at").is_null()) {
            return id;
        }
        revoked_match = id;
    }
    return revoked_match.empty() ? id_or_name : revoked_match;
}

Expected<void> Rotate(const Context& context, const TokenArgs& args) {
    auto id = ResolveTokenId(context, args.id);
    if (!id) {
        return id.error();
    }
    json::object body;
    if (!args.expires_at.empty()) {
        body["expires_at"] = args.expires_at;
    }
    if (args.overlap_seconds) {
        body["overlap_seconds"] = *args.overlap_seconds;
    }
    return ShowAnswer(context.globals,
                      context.Call("POST", "/api/v1/tokens/" + UrlEncode(*id) + "/rotate",
                                   json::serialize(body)));
}

}  // namespace

void AddTokenCommands(CLI::App& app, Context& context) {
    auto* tokens = app.add_subcommand("tokens", "API tokens (admin)");
    tokens->require_subcommand(1);
    auto args = std::make_shared<TokenArgs>();

    auto* create = tokens->add_subcommand("create", "Create a token; its secret is shown once");
    create->add_option("name", args->name, "Token name")->required();
    create->add_option("--role", args->role, "viewer|operator|approver|admin|publisher")
        ->required();
    create->add_option("--expires-at", args->expires_at,
                       "RFC 3339 time after which the token authenticates no more");
    OnRun(create, context, [&context, args] {
        json::object body{{"name", args->name}, {"role", args->role}};
        if (!args->expires_at.empty()) {
            body["expires_at"] = args->expires_at;
        }
        return ShowAnswer(context.globals,
                          context.Call("POST", "/api/v1/tokens", json::serialize(body)));
    });

    OnRun(tokens->add_subcommand("list", "List tokens"), context, [&context] {
        return ListAnswer(context.globals, context.Call("GET", "/api/v1/tokens"),
                          {"id", "name", "role", "created_by", "created_at", "revoked_at",
                           "expires_at", "rotated_at"});
    });

    auto* rotate = tokens->add_subcommand(
        "rotate",
        "Give a token a new secret (shown once); the old one stops at once or after "
        "--overlap-seconds");
    rotate->add_option("token", args->id, "Token id or name")->required();
    rotate->add_option("--expires-at", args->expires_at,
                       "RFC 3339 time after which the token authenticates no more (default: "
                       "its expiry stays)");
    rotate->add_option("--overlap-seconds", args->overlap_seconds,
                       "Seconds the old secret keeps working, 0..86400 (default 0: stops at once)");
    OnRun(rotate, context, [&context, args] { return Rotate(context, *args); });

    auto* revoke = tokens->add_subcommand("revoke", "Revoke a token");
    revoke->add_option("id", args->id, "Token id")->required();
    OnRun(revoke, context, [&context, args]() -> Expected<void> {
        if (auto revoked = context.Call("DELETE", "/api/v1/tokens/" + UrlEncode(args->id));
            !revoked) {
            return revoked.error();
        }
        std::cout << "revoked " << args->id << "\n";
        return {};
    });
}

}  // namespace waka::ctl
