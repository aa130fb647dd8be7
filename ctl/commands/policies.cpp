#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "ctl/commands/commands.hpp"
#include "ctl/input.hpp"
#include "ctl/output.hpp"

// Update-channel policies (docs/policies.md): `set` creates one with the JSON form (superseding
// the instance's active policy), `update` sends only the settings given (a partial PUT).
namespace waka::ctl {
namespace {

namespace json = boost::json;

struct PolicyArgs {
    std::string id;
    std::string instance;
    std::string type;
    std::string file;
    std::optional<std::string> description;
    std::optional<bool> enabled;
    std::optional<bool> allow_security_patches;
    std::vector<std::string> windows;
    bool no_windows = false;
    std::optional<int> required_approvals;
    std::vector<std::string> approver_roles;
    std::optional<int> approval_timeout_hours;
};

constexpr const char* kWindowForm = "'DAYS HH:MM MINUTES TIMEZONE', e.g. 'sat,sun 23:00 180 UTC'";

// "sat,sun 23:00 180 Africa/Lagos" as the API's window object; the server checks the values.
Expected<json::object> ParseWindow(const std::string& text) {
    std::istringstream in(text);
    std::string days, start, minutes, zone, extra;
    in >> days >> start >> minutes >> zone;
    std::int64_t duration = 0;
    const auto [end, ec] =
        std::from_chars(minutes.data(), minutes.data() + minutes.size(), duration);
    if (zone.empty() || (in >> extra) || minutes.size() > 9 || ec != std::errc() ||
        end != minutes.data() + minutes.size() ||
        minutes.find_first_not_of("0123456789") != std::string::npos) {
        return Fail("wakactl: --window '" + text + "' must be written " + kWindowForm);
    }
    json::array day_list;
    std::istringstream day_in(days);
    for (std::string day; std::getline(day_in, day, ',');) {
        day_list.emplace_back(day);
    }
    return json::object{{"days", std::move(day_list)},
                        {"start", start},
                        {"duration_minutes", duration},
                        {"timezone", zone}};
}

// The approval members given; the server defaults the others.
std::optional<json::object> ApprovalBody(const PolicyArgs& args) {
    json::object approval;
    if (args.required_approvals) {
        approval["required_approvals"] = *args.required_approvals;
    }
    if (!args.approver_roles.empty()) {
        json::array roles;
        for (const auto& role : args.approver_roles) {
            roles.emplace_back(role);
        }
        approval["approver_roles"] = std::move(roles);
    }
    if (args.approval_timeout_hours) {
        approval["timeout_hours"] = *args.approval_timeout_hours;
    }
    return approval.empty() ? std::nullopt : std::optional(std::move(approval));
}

// The settings given on the command line, over `body` (from --file for `set`).
Expected<void> ApplySettings(const PolicyArgs& args, json::object& body) {
    if (!args.type.empty()) {
        body["policy_type"] = args.type;
    }
    if (args.description) {
        body["description"] = *args.description;
    }
    if (args.enabled) {
        body["enabled"] = *args.enabled;
    }
    if (args.allow_security_patches) {
        body["allow_security_patches"] = *args.allow_security_patches;
    }
    if (args.no_windows || !args.windows.empty()) {
        json::array windows;
        for (const auto& window : args.windows) {
            auto parsed = ParseWindow(window);
            if (!parsed) {
                return parsed.error();
            }
            windows.push_back(std::move(*parsed));
        }
        body["maintenance_windows"] = std::move(windows);
    }
    if (auto approval = ApprovalBody(args)) {
        body["approval"] = std::move(*approval);
    }
    return {};
}

std::string WindowText(const json::value& window) {
    const auto* object = window.if_object();
    if (object == nullptr) {
        return Text(window);
    }
    std::string days;
    if (const auto* list = object->if_contains("days"); list && list->is_array()) {
        for (const auto& day : list->get_array()) {
            days += (days.empty() ? "" : ",") + Text(day);
        }
    }
    const auto field = [&](const char* key) {
        const auto* value = object->if_contains(key);
        return value != nullptr ? Text(*value) : std::string("-");
    };
    return days + " " + field("start") + " " + field("duration_minutes") + "m " + field("timezone");
}

std::string ApprovalText(const json::value& approval) {
    if (!approval.is_object()) {
        return Text(approval);
    }
    const auto& object = approval.get_object();
    std::string roles;
    if (const auto* list = object.if_contains("approver_roles"); list && list->is_array()) {
        for (const auto& role : list->get_array()) {
            roles += (roles.empty() ? "" : ",") + Text(role);
        }
    }
    const auto* count = object.if_contains("required_approvals");
    const auto* hours = object.if_contains("timeout_hours");
    return (count ? Text(*count) : "-") + " of " + roles + " within " +
           (hours ? Text(*hours) : "-") + " h";
}

// For people: windows and approval in the flags' own notation instead of nested JSON.
json::value Readable(const json::value& policy) {
    if (!policy.is_object()) {
        return policy;
    }
    json::object out = policy.get_object();
    if (auto* windows = out.if_contains("maintenance_windows"); windows && windows->is_array()) {
        std::string text;
        for (const auto& window : windows->get_array()) {
            text += (text.empty() ? "" : "; ") + WindowText(window);
        }
        *windows = text.empty() ? "none (any time)" : text;
    }
    if (auto* approval = out.if_contains("approval")) {
        *approval = ApprovalText(*approval);
    }
    return out;
}

Expected<void> ShowPolicy(const Globals& globals, const Expected<json::value>& policy) {
    if (!policy) {
        return policy.error();
    }
    Show(globals, globals.json_output ? *policy : Readable(*policy));
    return {};
}

void AddSettingOptions(CLI::App* command, const std::shared_ptr<PolicyArgs>& args) {
    command->add_option_function<std::string>(
        "--description", [args](const std::string& text) { args->description = text; },
        "Why the policy exists (shown to operators)");
    command->add_flag_callback(
        "--enable", [args] { args->enabled = true; }, "Enable the policy");
    command->add_flag_callback(
        "--disable", [args] { args->enabled = false; },
        "Disable it: the instance is then treated as under the default policy");
    command->add_option("--window", args->windows,
                        std::string("Maintenance window ") + kWindowForm + " (repeatable)");
    command->add_flag("--no-windows", args->no_windows, "No maintenance windows: any time");
    command->add_option_function<int>(
        "--required-approvals", [args](const int& n) { args->required_approvals = n; },
        "Approvals a change needs (manual_approval; 1..10)");
    command->add_option("--approver-role", args->approver_roles,
                        "Role that may approve (repeatable; default approver and admin)");
    command->add_option_function<int>(
        "--approval-timeout-hours", [args](const int& n) { args->approval_timeout_hours = n; },
        "Hours before an unapproved change expires (1..8760)");
    command->add_flag_callback(
        "--allow-security-patches", [args] { args->allow_security_patches = true; },
        "A frozen instance still takes security patches (the default)");
    command->add_flag_callback(
        "--no-security-patches", [args] { args->allow_security_patches = false; },
        "A frozen instance refuses even security patches (critical ones still apply)");
}

void AddSet(CLI::App* policies, Context& context, const std::shared_ptr<PolicyArgs>& args) {
    auto* set =
        policies->add_subcommand("set", "Create the instance's policy (supersedes its active one)");
    set->add_option("--instance", args->instance, "Instance id")->required();
    set->add_option("--type", args->type, "auto_update|manual_approval|frozen");
    set->add_option("--file", args->file, "A JSON file with the whole body; flags override it")
        ->check(CLI::ExistingFile);
    AddSettingOptions(set, args);
    OnRun(set, context, [&context, args]() -> Expected<void> {
        auto body =
            args->file.empty() ? Expected<json::object>(json::object{}) : ReadJsonFile(args->file);
        if (!body) {
            return body.error();
        }
        (*body)["instance_id"] = args->instance;
        if (auto applied = ApplySettings(*args, *body); !applied) {
            return applied;
        }
        return ShowPolicy(context.globals,
                          context.Call("POST", "/api/v1/policies", json::serialize(*body)));
    });
}

void AddUpdate(CLI::App* policies, Context& context, const std::shared_ptr<PolicyArgs>& args) {
    auto* update = policies->add_subcommand(
        "update", "Change some settings of an active policy; the others stay");
    update->add_option("id", args->id, "Policy id")->required();
    update->add_option("--type", args->type, "auto_update|manual_approval|frozen");
    AddSettingOptions(update, args);
    OnRun(update, context, [&context, args]() -> Expected<void> {
        json::object body;
        if (auto applied = ApplySettings(*args, body); !applied) {
            return applied;
        }
        if (body.empty()) {
            return Fail("wakactl: policies update: no setting given (see --help)");
        }
        return ShowPolicy(
            context.globals,
            context.Call("PUT", "/api/v1/policies/" + UrlEncode(args->id), json::serialize(body)));
    });
}

void AddReadAndDelete(CLI::App* policies, Context& context,
                      const std::shared_ptr<PolicyArgs>& args) {
    auto* list = policies->add_subcommand("list", "Active and superseded policies, newest first");
    list->add_option("--instance", args->instance, "Filter by instance");
    OnRun(list, context, [&context, args] {
        const std::string query = Query({{"instance_id", args->instance}});
        return ListAnswer(
            context.globals, context.Call("GET", "/api/v1/policies" + query),
            {"id", "instance_id", "policy_type", "enabled", "active", "description", "created_at"});
    });

    auto* get = policies->add_subcommand("get", "Show a policy");
    get->add_option("id", args->id, "Policy id")->required();
    OnRun(get, context, [&context, args] {
        return ShowPolicy(context.globals,
                          context.Call("GET", "/api/v1/policies/" + UrlEncode(args->id)));
    });

    auto* remove = policies->add_subcommand(
        "delete", "Supersede a policy (kept in history): the default applies again");
    remove->add_option("id", args->id, "Policy id")->required();
    OnRun(remove, context, [&context, args]() -> Expected<void> {
        if (auto deleted = context.Call("DELETE", "/api/v1/policies/" + UrlEncode(args->id));
            !deleted) {
            return deleted.error();
        }
        std::cout << "deleted policy " << args->id << "\n";
        return {};
    });
}

}  // namespace

void AddPolicyCommands(CLI::App& app, Context& context) {
    auto* policies = app.add_subcommand("policies", "Update-channel policies and windows");
    policies->require_subcommand(1);
    auto args = std::make_shared<PolicyArgs>();
    AddSet(policies, context, args);
    AddUpdate(policies, context, args);
    AddReadAndDelete(policies, context, args);
}

}  // namespace waka::ctl
