#include "ctl/app.hpp"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "ctl/commands/commands.hpp"
#include "ctl/input.hpp"
#include "shared/core/version.hpp"

namespace waka::ctl {

void OnRun(CLI::App* command, Context& context, Action body) {
    command->callback([&context, body = std::move(body)] { context.action = body; });
}

std::shared_ptr<int> AddLimitOption(CLI::App* command) {
    auto limit = std::make_shared<int>(100);
    command->add_option("--limit", *limit, "At most this many (0: all; pages are followed)")
        ->check(CLI::NonNegativeNumber);
    return limit;
}

namespace {

void AddGlobalOptions(CLI::App& app, Globals& globals) {
    app.require_subcommand(1);
    app.fallthrough();  // --json, --url and --token also after a subcommand
    app.option_defaults()->always_capture_default();
    app.add_option("--url", globals.url, "Coordinator URL (env WAKA_URL)");
    // No --token: a command line shows in `ps` and shell history (docs/wakactl.md).
    app.add_option("--token-file", globals.token_file,
                   "File holding the bearer token (env WAKA_TOKEN_FILE; else env WAKA_TOKEN)")
        ->check(CLI::ExistingFile);
    app.add_option("--ca", globals.ca_file,
                   "PEM CA bundle to verify an https:// coordinator with, instead of the "
                   "system's trust store (env WAKA_CA_FILE)")
        ->check(CLI::ExistingFile);
    app.add_flag("--json", globals.json_output, "Print the server's JSON instead of tables");
    app.set_version_flag("--version", "wakactl " + std::string(kVersion),
                         "Print the version and exit");
}

void AddCommands(CLI::App& app, Context& context) {
    AddHealthCommands(app, context);
    AddTokenCommands(app, context);
    AddVersionCommands(app, context);
    AddInstanceCommands(app, context);
    AddManifestCommands(app, context);
    AddDeploymentCommands(app, context);
    AddApprovalCommands(app, context);
    AddRollbackCommands(app, context);
    AddPolicyCommands(app, context);
    AddPinCommands(app, context);
    AddResolutionCommands(app, context);
    AddPatchCommands(app, context);
    AddAuditCommands(app, context);
    AddReleaseCommands(app, context);
    AddFloorCommands(app, context);
    AddRolloutCommands(app, context);
    AddApiCommands(app, context);
    AddCompletionCommands(app, context);
}

int RunAction(Context& context) {
    if (!context.action) {
        return context.exit_code;
    }
    if (auto token = ResolveToken(context.globals); !token) {
        std::cerr << token.error().message << "\n";
        return 2;
    }
    if (auto done = context.action(); !done) {
        std::cerr << done.error().message << "\n";
        return 1;
    }
    return context.exit_code;
}

}  // namespace

int Run(int argc, char** argv) {
    Context context;
    context.globals.url = EnvOr("WAKA_URL", "http://127.0.0.1:8000");
    context.globals.token = EnvOr("WAKA_TOKEN", "");
    context.globals.token_file = EnvOr("WAKA_TOKEN_FILE", "");
    context.globals.ca_file = EnvOr("WAKA_CA_FILE", "");
    CLI::App app{"wakactl: operate Waka Deploy through its REST API", "wakactl"};
    AddGlobalOptions(app, context.globals);
    AddCommands(app, context);
    // CLI11 reports through exceptions: caught here, where it is called.
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version end here with 0; a bad command line is exit 2, as for the daemons,
        // so that scripts can tell it from a refusal by the server (1).
        return app.exit(e) == 0 ? 0 : 2;
    }
    // Nothing in wakactl throws and the libraries it calls are caught where they are called; this
    // is the last resort for what no one can handle (std::bad_alloc): one line and exit 1.
    try {
        return RunAction(context);
    } catch (const std::exception& e) {
        std::cerr << "wakactl: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace waka::ctl
