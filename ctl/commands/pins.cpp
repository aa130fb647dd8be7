#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/output.hpp"

// Version pins (docs/design.md §5): pin a component of an instance to a version or a range, list
// the instance's pins, remove one. The server refuses a pin that leaves no valid set of versions.
namespace waka::ctl {
namespace {

namespace json = boost::json;

struct PinArgs {
    std::string instance;
    std::string type;
    std::string name;
    std::string version;
    std::string reason;
    std::string expires_at;
    std::string pin_id;
    bool all = false;
};

void AddPin(CLI::App& app, Context& context, const std::shared_ptr<PinArgs>& args) {
    auto* pin = app.add_subcommand(
        "pin", "Pin a component of an instance to a version or range (replaces its pin)");
    pin->add_option("--instance", args->instance, "Instance id")->required();
    pin->add_option("type", args->type, "platform|suite|capability")->required();
    pin->add_option("name", args->name, "Component name")->required();
    pin->add_option("version", args->version, "Exact version (1.5.0) or range (~1.5.2, ^1.5, ...)")
        ->required();
    pin->add_option("--reason", args->reason, "Why (shown by explain and in refusals)");
    pin->add_option("--expires-at", args->expires_at, "RFC 3339 time the pin stops applying");
    OnRun(pin, context, [&context, args] {
        json::object body{{"component_type", args->type},
                          {"component_name", args->name},
                          {"pinned_version", args->version}};
        if (!args->reason.empty()) {
            body["reason"] = args->reason;
        }
        if (!args->expires_at.empty()) {
            body["expires_at"] = args->expires_at;
        }
        return ShowAnswer(
            context.globals,
            context.Call("POST", "/api/v1/versions/pin" + Query({{"instance_id", args->instance}}),
                         json::serialize(body)));
    });
}

void AddPinsAndUnpin(CLI::App& app, Context& context, const std::shared_ptr<PinArgs>& args) {
    auto* pins = app.add_subcommand("pins", "An instance's pins, newest first");
    pins->add_option("instance", args->instance, "Instance id")->required();
    pins->add_flag("--all", args->all, "Include removed and replaced pins");
    OnRun(pins, context, [&context, args] {
        const std::string path = "/api/v1/versions/pins/" + UrlEncode(args->instance) +
                                 Query({{"include_removed", args->all ? "true" : ""}});
        return ListAnswer(context.globals, context.Call("GET", path),
                          {"id", "component_type", "component_name", "pinned_version", "active",
                           "expires_at", "reason"});
    });

    auto* unpin = app.add_subcommand("unpin", "Remove a pin (kept in history)");
    unpin->add_option("pin_id", args->pin_id, "Pin id")->required();
    OnRun(unpin, context, [&context, args]() -> Expected<void> {
        if (auto removed =
                context.Call("DELETE", "/api/v1/versions/pin/" + UrlEncode(args->pin_id));
            !removed) {
            return removed.error();
        }
        std::cout << "removed pin " << args->pin_id << "\n";
        return {};
    });
}

}  // namespace

void AddPinCommands(CLI::App& app, Context& context) {
    auto args = std::make_shared<PinArgs>();
    AddPin(app, context, args);
    AddPinsAndUnpin(app, context, args);
}

}  // namespace waka::ctl
