#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/input.hpp"
#include "ctl/output.hpp"

// Questions to the resolver: can these versions run together (compatibility), and why is an
// instance on its version of a component (explain).
namespace waka::ctl {
namespace {

namespace json = boost::json;

struct CompatibilityArgs {
    std::string platform;
    std::string platform_version;
    std::vector<std::string> suites;
    std::vector<std::string> capabilities;
    std::string instance;
};

struct ExplainArgs {
    std::string instance;
    std::string component;
};

Expected<json::object> CompatibilityBody(const CompatibilityArgs& args) {
    auto suites = KeyValues(args.suites, "--suite");
    if (!suites) {
        return suites.error();
    }
    auto capabilities = KeyValues(args.capabilities, "--capability");
    if (!capabilities) {
        return capabilities.error();
    }
    json::object body{{"platform_version", args.platform_version},
                      {"suites", std::move(*suites)},
                      {"capabilities", std::move(*capabilities)}};
    if (!args.platform.empty()) {
        body["platform_name"] = args.platform;
    }
    if (!args.instance.empty()) {
        body["instance_id"] = args.instance;
    }
    return body;
}

// Each string of an array member, one a line after `indent`.
void PrintLines(const json::object& object, const char* key, const std::string& indent) {
    const auto* list = object.if_contains(key);
    if (list == nullptr || !list->is_array()) {
        return;
    }
    for (const auto& item : list->as_array()) {
        const auto* message = item.is_object() ? item.as_object().if_contains("message") : nullptr;
        std::cout << indent << Text(message != nullptr ? *message : item) << "\n";
    }
}

bool IsCompatible(const json::object& report) {
    const auto* ok = report.if_contains("is_compatible");
    return ok != nullptr && ok->is_bool() && ok->get_bool();
}

void PrintCompatibility(const json::object& report) {
    const bool ok = IsCompatible(report);
    std::cout << (ok ? "compatible" : "not compatible") << "\n";
    PrintLines(report, "incompatibilities", "  - ");
    PrintLines(report, "warnings", "  warning: ");
    if (const auto* fits = report.if_contains("compatible_versions");
        fits != nullptr && fits->is_object() && !fits->as_object().empty()) {
        std::cout << "versions that fit with the rest:\n";
        for (const auto& [component, versions] : fits->get_object()) {
            std::cout << "  " << std::string(component) << ": " << Text(versions) << "\n";
        }
    }
}

void AddCompatibility(CLI::App& app, Context& context) {
    auto args = std::make_shared<CompatibilityArgs>();
    auto* check = app.add_subcommand(
        "compatibility", "Check that versions can run together; exit 1 when they cannot");
    check->add_option("--platform-version", args->platform_version, "Platform version")->required();
    check->add_option("--platform", args->platform, "Platform name");
    check->add_option("--suite", args->suites, "name=version (repeatable)");
    check->add_option("--capability", args->capabilities, "name=version (repeatable)");
    check->add_option("--instance", args->instance, "Also check this instance's pins");
    OnRun(check, context, [&context, args]() -> Expected<void> {
        auto body = CompatibilityBody(*args);
        if (!body) {
            return body.error();
        }
        auto report =
            context.Call("POST", "/api/v1/versions/compatibility", json::serialize(*body));
        if (!report) {
            return report.error();
        }
        if (context.globals.json_output || !report->is_object()) {
            Show(context.globals, *report);
        } else {
            PrintCompatibility(report->get_object());
        }
        context.exit_code = report->is_object() && IsCompatible(report->get_object()) ? 0 : 1;
        return {};
    });
}

void PrintExplanation(const json::object& answer) {
    for (const char* key : {"instance_id", "component", "current_version", "newest_version",
                            "candidate_version", "up_to_date"}) {
        if (const auto* value = answer.if_contains(key)) {
            std::cout << key << ": " << Text(*value) << "\n";
        }
    }
    const auto* chain = answer.if_contains("chain");
    std::cout << "why: "
              << (chain == nullptr || chain->is_null() ? "nothing keeps it from the newest version"
                                                       : Text(*chain))
              << "\n";
    const auto* blockers = answer.if_contains("blockers");
    if (blockers != nullptr && blockers->is_array() && !blockers->as_array().empty()) {
        std::cout << "in force:\n";
        PrintLines(answer, "blockers", "  - ");
    }
}

void AddExplain(CLI::App& app, Context& context) {
    auto args = std::make_shared<ExplainArgs>();
    auto* explain = app.add_subcommand(
        "explain", "Why an instance runs its version of a component (pins, dependencies, ...)");
    explain->add_option("instance", args->instance, "Instance id")->required();
    explain->add_option("component", args->component, "type:name, e.g. suite:commerce")->required();
    OnRun(explain, context, [&context, args]() -> Expected<void> {
        auto answer = context.Call("GET", "/api/v1/instances/" + UrlEncode(args->instance) +
                                              "/explain" + Query({{"component", args->component}}));
        if (!answer || context.globals.json_output || !answer->is_object()) {
            return ShowAnswer(context.globals, answer);
        }
        PrintExplanation(answer->get_object());
        return {};
    });
}

}  // namespace

void AddResolutionCommands(CLI::App& app, Context& context) {
    AddCompatibility(app, context);
    AddExplain(app, context);
}

}  // namespace waka::ctl
