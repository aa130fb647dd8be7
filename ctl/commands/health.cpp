#include <boost/json.hpp>
#include <iostream>

#include "ctl/commands/commands.hpp"
#include "ctl/output.hpp"

namespace waka::ctl {

namespace json = boost::json;

void AddHealthCommands(CLI::App& app, Context& context) {
    auto* health = app.add_subcommand("health", "GET /health: the coordinator and its database");
    OnRun(health, context, [&context]() -> Expected<void> {
        auto client = context.MakeClient();
        if (!client) {
            return client.error();
        }
        // /health answers 503 with a body when unhealthy: print it rather than a bare error.
        Answer answer = client->Raw("GET", "/health", "");
        if (answer.status == 0) {
            return Fail("wakactl: " + answer.error, Errc::kNetwork);
        }
        boost::system::error_code ec;
        json::value body = json::parse(answer.body, ec);
        if (context.globals.json_output || ec) {
            std::cout << answer.body << "\n";
        } else {
            Show(context.globals, body);
        }
        context.exit_code = answer.status == 200 ? 0 : 1;
        return {};
    });
}

}  // namespace waka::ctl
