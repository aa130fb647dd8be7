#include <boost/json.hpp>
#include <cctype>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/output.hpp"

namespace waka::ctl {
namespace {

struct ApiArgs {
    std::string method;
    std::string path;
    std::string data;
};

}  // namespace

void AddApiCommands(CLI::App& app, Context& context) {
    auto args = std::make_shared<ApiArgs>();
    auto* api = app.add_subcommand("api", "Call any route: wakactl api METHOD PATH [--data JSON]");
    api->add_option("method", args->method, "GET, POST, PUT, DELETE, ...")->required();
    api->add_option("path", args->path, "Path and query, e.g. /api/v1/policies")->required();
    api->add_option("--data", args->data, "JSON request body");
    OnRun(api, context, [&context, args]() -> Expected<void> {
        std::string method = args->method;
        for (char& c : method) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        auto client = context.MakeClient();
        if (!client) {
            return client.error();
        }
        const Answer answer = client->Raw(method, args->path, args->data);
        auto body = Check(answer);
        if (!body) {
            return body.error();
        }
        if (body->is_string()) {  // not JSON (/metrics, /docs): as served
            std::cout << answer.body << (answer.body.ends_with('\n') ? "" : "\n");
        } else if (!body->is_null()) {
            PrintPretty(*body, std::cout);
            std::cout << "\n";
        }
        return {};
    });
}

}  // namespace waka::ctl
