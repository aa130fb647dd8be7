#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/follow.hpp"
#include "ctl/output.hpp"

// Rollback (docs/patches-and-rollback.md): back to a manifest the instance ran before, now under
// every policy. A rollback is a deployment of kind rollback: --wait follows it like deploy --wait.
namespace waka::ctl {
namespace {

namespace json = boost::json;

struct RollbackArgs {
    std::string instance;
    std::string to_manifest;
    std::string reason;
    std::string id;
    bool dry_run = false;
    bool skip_validation = false;
    bool wait = false;
    int timeout_seconds = 600;
    std::string quarantine_id;
    bool all = false;
};

json::object CreateBody(const RollbackArgs& args) {
    json::object body{{"reason", args.reason},
                      {"dry_run", args.dry_run},
                      {"skip_validation", args.skip_validation}};
    if (!args.to_manifest.empty()) {
        body["to_manifest_id"] = args.to_manifest;
    }
    return body;
}

// "rollback <id> to <manifest> created (<status>)".
Expected<void> PrintCreated(const json::value& created, const std::string& id) {
    auto to = Field(created, "to_manifest_id");
    if (!to) {
        return to.error();
    }
    auto status = Field(created, "status");
    if (!status) {
        return status.error();
    }
    std::cout << "rollback " << id << " to " << *to << " created (" << *status << ")\n";
    return {};
}

// Answers the exit status of --wait (0 otherwise).
Expected<int> Rollback(const Context& context, const RollbackArgs& args) {
    auto client = context.MakeClient();
    if (!client) {
        return client.error();
    }
    auto created =
        client->Call("POST", "/api/v1/rollback" + Query({{"instance_id", args.instance}}),
                     json::serialize(CreateBody(args)));
    if (!created) {
        return created.error();
    }
    if (!args.wait || args.dry_run) {
        Show(context.globals, *created);
        return 0;
    }
    auto id = Field(*created, "id");
    if (!id) {
        return id.error();
    }
    if (!context.globals.json_output) {
        if (auto printed = PrintCreated(*created, *id); !printed) {
            return printed.error();
        }
    }
    return WaitDeployment(context.globals, *client, *id, args.timeout_seconds, "rollback");
}

void AddRollback(CLI::App& app, Context& context, const std::shared_ptr<RollbackArgs>& args) {
    auto* rollback = app.add_subcommand(
        "rollback", "Roll an instance back to a manifest it ran before (runs under every policy)");
    rollback->add_option("--instance", args->instance, "Instance id")->required();
    rollback->add_option("--to", args->to_manifest,
                         "Manifest to return to (default: the one before the current one)");
    rollback->add_option("--reason", args->reason, "Why (required; in the audit log)");
    rollback->add_flag("--dry-run", args->dry_run, "Show the plan; change nothing");
    rollback->add_flag("--skip-validation", args->skip_validation,
                       "Skip the compatibility check (admin)");
    rollback->add_flag("--wait", args->wait,
                       "Follow the rollback until it ends; non-zero unless it completed");
    rollback->add_option("--timeout", args->timeout_seconds, "Seconds --wait waits at most");
    OnRun(rollback, context,
          [&context, args] { return SetExitCode(context, Rollback(context, *args)); });
}

void PrintHistory(const Globals& globals, const json::value& history) {
    if (globals.json_output || !history.is_object()) {
        Show(globals, history);
        return;
    }
    const auto& object = history.get_object();
    for (const char* key : {"instance_id", "current_manifest_id", "default_target_manifest_id",
                            "total_rollbacks", "successful_rollbacks", "failed_rollbacks"}) {
        if (const auto* value = object.if_contains(key)) {
            std::cout << key << ": " << Text(*value) << "\n";
        }
    }
    std::cout << "\nmanifests to roll back to:\n";
    const auto* available = object.if_contains("available_manifests");
    PrintTable(available != nullptr ? *available : json::value(json::array{}),
               {"manifest_id", "deployment_id", "kind", "deployed_at"});
}

void AddRollbacks(CLI::App& app, Context& context, const std::shared_ptr<RollbackArgs>& args) {
    auto* rollbacks = app.add_subcommand("rollbacks", "Rollbacks and an instance's history");
    rollbacks->require_subcommand(1);

    auto* get = rollbacks->add_subcommand("get", "Show a rollback with its plan and events");
    get->add_option("id", args->id, "Rollback id")->required();
    get->add_flag("--wait", args->wait, "Follow it until it ends");
    get->add_option("--timeout", args->timeout_seconds, "Seconds --wait waits at most");
    OnRun(get, context, [&context, args]() -> Expected<void> {
        auto client = context.MakeClient();
        if (!client) {
            return client.error();
        }
        auto rollback = client->Call("GET", "/api/v1/rollback/" + UrlEncode(args->id));
        if (!rollback || !args->wait) {
            return ShowAnswer(context.globals, rollback);
        }
        return SetExitCode(context, WaitDeployment(context.globals, *client, args->id,
                                                   args->timeout_seconds, "rollback"));
    });

    auto* list = rollbacks->add_subcommand("list", "Rollbacks, newest first");
    list->add_option("--instance", args->instance, "Filter by instance");
    const auto limit = AddLimitOption(list);
    OnRun(list, context, [&context, args, limit] {
        return ListPaged(context.globals, context.MakeClient(),
                         "/api/v1/rollback" + Query({{"instance_id", args->instance}}), *limit,
                         {"id", "instance_id", "status", "from_manifest_id", "to_manifest_id",
                          "initiated_at", "completed_at"});
    });

    auto* history = rollbacks->add_subcommand(
        "history", "An instance's rollback counts and the manifests it can return to");
    history->add_option("instance", args->instance, "Instance id")->required();
    OnRun(history, context, [&context, args]() -> Expected<void> {
        auto answer = context.Call("GET", "/api/v1/rollback/history/" + UrlEncode(args->instance));
        if (!answer) {
            return answer.error();
        }
        PrintHistory(context.globals, *answer);
        return {};
    });
}

// Versions a rollback (or a failed deployment) removed stay quarantined on the instance: no
// validation lets them back until an operator clears them with a reason.
void AddQuarantine(CLI::App& app, Context& context, const std::shared_ptr<RollbackArgs>& args) {
    auto* quarantine = app.add_subcommand(
        "quarantine", "Versions kept off an instance after a rollback or a failed deployment");
    quarantine->require_subcommand(1);

    auto* list = quarantine->add_subcommand("list", "An instance's quarantined versions");
    list->add_option("instance", args->instance, "Instance id")->required();
    list->add_flag("--all", args->all, "Include cleared ones");
    OnRun(list, context, [&context, args] {
        const std::string path = "/api/v1/instances/" + UrlEncode(args->instance) + "/quarantine" +
                                 Query({{"include_cleared", args->all ? "true" : ""}});
        return ListAnswer(context.globals, context.Call("GET", path),
                          {"id", "component_type", "component_name", "version", "active", "reason",
                           "created_at"});
    });

    auto* clear = quarantine->add_subcommand("clear", "Let a quarantined version come back");
    clear->add_option("instance", args->instance, "Instance id")->required();
    clear->add_option("quarantine_id", args->quarantine_id, "Quarantine id")->required();
    clear->add_option("--reason", args->reason, "Why it may come back (required; audited)");
    OnRun(clear, context, [&context, args] {
        const json::object body{{"reason", args->reason}};
        return ShowAnswer(
            context.globals,
            context.Call("POST",
                         "/api/v1/instances/" + UrlEncode(args->instance) + "/quarantine/" +
                             UrlEncode(args->quarantine_id) + "/clear",
                         json::serialize(body)));
    });
}

}  // namespace

void AddRollbackCommands(CLI::App& app, Context& context) {
    auto args = std::make_shared<RollbackArgs>();
    AddRollback(app, context, args);
    AddRollbacks(app, context, args);
    AddQuarantine(app, context, args);
}

}  // namespace waka::ctl
