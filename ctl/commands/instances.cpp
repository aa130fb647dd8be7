#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/input.hpp"
#include "ctl/output.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

struct InstanceArgs {
    std::string id;
    std::vector<std::string> labels;
    std::string selector;
    bool all = false;
    bool clear = false;
};

std::string ListQuery(const InstanceArgs& args) {
    std::vector<std::pair<std::string, std::string>> params;
    for (const auto& label : args.labels) {
        params.emplace_back("label", label);
    }
    if (!args.selector.empty()) {
        params.emplace_back("selector", args.selector);
    }
    if (args.all) {
        params.emplace_back("include_decommissioned", "true");
    }
    return Query(params);
}

void AddCreateAndList(CLI::App* instances, Context& context,
                      const std::shared_ptr<InstanceArgs>& args) {
    auto* create = instances->add_subcommand(
        "create", "Register an instance; prints its one-time enrollment token");
    create->add_option("id", args->id)->required();
    create->add_option("--label", args->labels, "key=value (repeatable)");
    OnRun(create, context, [&context, args]() -> Expected<void> {
        auto labels = KeyValues(args->labels, "--label");
        if (!labels) {
            return labels.error();
        }
        const json::object body{{"id", args->id}, {"labels", std::move(*labels)}};
        return ShowAnswer(context.globals,
                          context.Call("POST", "/api/v1/instances", json::serialize(body)));
    });

    auto* list = instances->add_subcommand("list", "List instances");
    list->add_option("--label", args->labels, "key=value filter (repeatable)");
    list->add_option("--selector", args->selector,
                     "Label selector, e.g. 'env=prod,region in (lagos,abuja),!legacy'");
    list->add_flag("--all", args->all, "Include decommissioned instances");
    const auto limit = AddLimitOption(list);
    OnRun(list, context, [&context, args, limit] {
        return ListPaged(
            context.globals, context.MakeClient(), "/api/v1/instances" + ListQuery(*args), *limit,
            {"id", "connection_state", "agent_version", "current_manifest_id", "last_seen_at"});
    });
}

void AddGetAndDelete(CLI::App* instances, Context& context,
                     const std::shared_ptr<InstanceArgs>& args) {
    auto* get = instances->add_subcommand("get", "Show an instance");
    get->add_option("id", args->id)->required();
    OnRun(get, context, [&context, args] {
        return ShowAnswer(context.globals,
                          context.Call("GET", "/api/v1/instances/" + UrlEncode(args->id)));
    });

    auto* remove = instances->add_subcommand("delete", "Decommission an instance (admin)");
    remove->add_option("id", args->id)->required();
    OnRun(remove, context, [&context, args]() -> Expected<void> {
        if (auto removed = context.Call("DELETE", "/api/v1/instances/" + UrlEncode(args->id));
            !removed) {
            return removed.error();
        }
        std::cout << "decommissioned " << args->id << "\n";
        return {};
    });
}

void AddLabels(CLI::App* instances, Context& context, const std::shared_ptr<InstanceArgs>& args) {
    auto* labels = instances->add_subcommand(
        "labels", "Replace an instance's whole label set (operator): labels ID k=v ...");
    labels->add_option("id", args->id)->required();
    labels->add_option("labels", args->labels, "key=value (the new set)");
    labels->add_flag("--clear", args->clear, "Remove every label (instead of giving none)");
    OnRun(labels, context, [&context, args]() -> Expected<void> {
        if (args->labels.empty() != args->clear) {
            return MakeError(Errc::kInvalidArgument,
                             "wakactl: give the new labels as key=value, or --clear alone");
        }
        auto pairs = KeyValues(args->labels, "labels");
        if (!pairs) {
            return pairs.error();
        }
        const json::object body{{"labels", std::move(*pairs)}};
        return ShowAnswer(
            context.globals,
            context.Call("PUT", "/api/v1/instances/" + UrlEncode(args->id) + "/labels",
                         json::serialize(body)));
    });
}

}  // namespace

void AddInstanceCommands(CLI::App& app, Context& context) {
    auto* instances = app.add_subcommand("instances", "Instances (agents' machines)");
    instances->require_subcommand(1);
    auto args = std::make_shared<InstanceArgs>();
    AddCreateAndList(instances, context, args);
    AddGetAndDelete(instances, context, args);
    AddLabels(instances, context, args);
}

}  // namespace waka::ctl
