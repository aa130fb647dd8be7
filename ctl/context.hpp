#pragma once

#include <functional>
#include <string>

#include "ctl/client.hpp"

namespace waka::ctl {

// What a subcommand does once the command line is parsed: an error to print (exit 1), or done.
using Action = std::function<Expected<void>()>;

// One run of wakactl: the global flags, and what the chosen subcommand will do. Subcommands only
// record their action while the line is parsed, so that global flags given after them count.
struct Context {
    Globals globals;
    Action action;
    int exit_code = 0;  // what a successful action decided (e.g. 1: the deployment failed)

    [[nodiscard]] Expected<Client> MakeClient() const { return Client::Make(globals); }
    // MakeClient().Call(...), for the commands that send one request.
    [[nodiscard]] Expected<boost::json::value> Call(const std::string& method,
                                                    const std::string& path,
                                                    const std::string& body = {}) const {
        auto client = MakeClient();
        if (!client) {
            return client.error();
        }
        return client->Call(method, path, body);
    }
};

// Records the exit status a successful action decided, or passes its error on.
[[nodiscard]] inline Expected<void> SetExitCode(Context& context, const Expected<int>& code) {
    if (!code) {
        return code.error();
    }
    context.exit_code = *code;
    return {};
}

}  // namespace waka::ctl
