#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/follow.hpp"
#include "ctl/output.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

struct DeploymentArgs {
    std::string manifest;
    std::string instance;
    std::string reason;
    std::string id;
    std::string status;
    bool dry_run = false;
    bool wait = false;
    bool force = false;
    bool skip_validation = false;
    int timeout_seconds = 600;
};

json::object CreateBody(const DeploymentArgs& args) {
    json::object body{{"manifest_id", args.manifest},
                      {"instance_id", args.instance},
                      {"dry_run", args.dry_run},
                      {"skip_validation", args.skip_validation}};
    if (args.force) {
        body["force"] = true;
    }
    if (!args.reason.empty()) {
        body["reason"] = args.reason;
    }
    return body;
}

// Answers the exit status of --wait (0 otherwise).
Expected<int> Deploy(const Context& context, const DeploymentArgs& args) {
    auto client = context.MakeClient();
    if (!client) {
        return client.error();
    }
    auto created = client->Call("POST", "/api/v1/deployments", json::serialize(CreateBody(args)));
    if (!created) {
        return created.error();
    }
    auto id = Field(*created, "id");
    if (!id) {
        return id.error();
    }
    if (!args.wait || args.dry_run) {
        Show(context.globals, *created);
        return 0;
    }
    if (!context.globals.json_output) {
        auto status = Field(*created, "status");
        if (!status) {
            return status.error();
        }
        std::cout << "deployment " << *id << " created (" << *status << ")\n";
    }
    return WaitDeployment(context.globals, *client, *id, args.timeout_seconds);
}

void AddDeploy(CLI::App& app, Context& context, const std::shared_ptr<DeploymentArgs>& args) {
    auto* deploy = app.add_subcommand("deploy", "Deploy a manifest to an instance");
    deploy->add_option("--manifest", args->manifest, "Manifest id")->required();
    deploy->add_option("--instance", args->instance, "Instance id")->required();
    deploy->add_flag("--dry-run", args->dry_run, "Show the decision and the plan; change nothing");
    deploy->add_flag("--wait", args->wait,
                     "Follow the deployment until it ends; non-zero unless deployed");
    deploy->add_option("--timeout", args->timeout_seconds, "Seconds --wait waits at most");
    deploy->add_flag("--force", args->force, "Override the policy (admin; needs --reason)");
    deploy->add_flag("--skip-validation", args->skip_validation, "Skip validation (admin)");
    deploy->add_option("--reason", args->reason, "Why (recorded in the audit log)");
    OnRun(deploy, context,
          [&context, args] { return SetExitCode(context, Deploy(context, *args)); });
}

void AddDeployments(CLI::App& app, Context& context, const std::shared_ptr<DeploymentArgs>& args) {
    auto* deployments = app.add_subcommand("deployments", "Deployments");
    deployments->require_subcommand(1);

    auto* get = deployments->add_subcommand("get", "Show a deployment and its events");
    get->add_option("id", args->id)->required();
    get->add_flag("--wait", args->wait, "Follow it until it ends");
    get->add_option("--timeout", args->timeout_seconds, "Seconds --wait waits at most");
    OnRun(get, context, [&context, args]() -> Expected<void> {
        auto client = context.MakeClient();
        if (!client) {
            return client.error();
        }
        if (args->wait) {
            return SetExitCode(
                context, WaitDeployment(context.globals, *client, args->id, args->timeout_seconds));
        }
        return ShowAnswer(context.globals,
                          client->Call("GET", "/api/v1/deployments/" + UrlEncode(args->id)));
    });

    auto* list = deployments->add_subcommand("list", "List deployments, newest first");
    list->add_option("--instance", args->instance, "Filter by instance");
    list->add_option("--status", args->status, "Filter by status");
    const auto limit = AddLimitOption(list);
    OnRun(list, context, [&context, args, limit] {
        const std::string query =
            Query({{"instance_id", args->instance}, {"status", args->status}});
        return ListPaged(
            context.globals, context.MakeClient(), "/api/v1/deployments" + query, *limit,
            {"id", "status", "kind", "instance_id", "manifest_id", "created_at", "completed_at"});
    });
}

}  // namespace

void AddDeploymentCommands(CLI::App& app, Context& context) {
    auto args = std::make_shared<DeploymentArgs>();
    AddDeploy(app, context, args);
    AddDeployments(app, context, args);
}

}  // namespace waka::ctl
