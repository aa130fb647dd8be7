#include <boost/json.hpp>
#include <iostream>
#include <memory>

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
};

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
        return ListAnswer(
            context.globals, context.Call("GET", "/api/v1/tokens"),
            {"id", "name", "role", "created_by", "created_at", "revoked_at", "expires_at"});
    });

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
