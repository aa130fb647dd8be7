#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/follow.hpp"
#include "ctl/output.hpp"

// Security patches (docs/patches-and-rollback.md): the catalog (register, list, show) and applying
// one to an instance, which deploys the patched version through the deployment pipeline.
namespace waka::ctl {
namespace {

namespace json = boost::json;

struct PatchArgs {
    std::string patch_id;
    std::string type;
    std::string name;
    std::string affected;
    std::string patched;
    std::string severity;
    std::vector<std::string> cves;
    std::string description;
    std::string release_date;
    bool critical = false;
    std::string instance;
    std::string reason;
    bool dry_run = false;
    bool force = false;
    bool wait = false;
    int timeout_seconds = 600;
};

json::object RegisterBody(const PatchArgs& args) {
    json::array cves;
    for (const auto& cve : args.cves) {
        cves.emplace_back(cve);
    }
    json::object body{{"patch_id", args.patch_id},       {"component_type", args.type},
                      {"component_name", args.name},     {"affected_versions", args.affected},
                      {"patched_version", args.patched}, {"severity", args.severity},
                      {"cve_ids", std::move(cves)}};
    if (!args.description.empty()) {
        body["description"] = args.description;
    }
    if (!args.release_date.empty()) {
        body["release_date"] = args.release_date;
    }
    return body;
}

void AddRegister(CLI::App* patches, Context& context, const std::shared_ptr<PatchArgs>& args) {
    auto* add = patches->add_subcommand("register", "Register a security patch in the catalog");
    add->add_option("patch_id", args->patch_id, "Patch id, e.g. patch-001")->required();
    add->add_option("--type", args->type, "platform|suite|capability")->required();
    add->add_option("--name", args->name, "Component name")->required();
    add->add_option("--affected", args->affected, "Affected versions (a range, e.g. '<1.5.1')")
        ->required();
    add->add_option("--patched", args->patched, "The registered release that fixes it")->required();
    add->add_option("--severity", args->severity, "critical|high|medium|low")->required();
    add->add_option("--cve", args->cves, "CVE id (repeatable)");
    add->add_option("--description", args->description, "What it fixes");
    add->add_option("--release-date", args->release_date, "RFC 3339 (default: now)");
    OnRun(add, context, [&context, args] {
        return ShowAnswer(context.globals, context.Call("POST", "/api/v1/security/patches",
                                                        json::serialize(RegisterBody(*args))));
    });
}

void AddListAndShow(CLI::App* patches, Context& context, const std::shared_ptr<PatchArgs>& args) {
    auto* list = patches->add_subcommand("list", "Patches, newest release first");
    list->add_option("--type", args->type, "Filter by component type");
    list->add_option("--name", args->name, "Filter by component name");
    list->add_option("--severity", args->severity, "Filter by severity");
    list->add_flag("--critical", args->critical, "Only the critical (mandatory) ones");
    const auto limit = AddLimitOption(list);
    OnRun(list, context, [&context, args, limit] {
        const std::string path = std::string("/api/v1/security/patches") +
                                 (args->critical ? "/critical" : "") +
                                 Query({{"component_type", args->type},
                                        {"component_name", args->name},
                                        {"severity", args->severity}});
        return ListPaged(context.globals, context.MakeClient(), path, *limit,
                         {"patch_id", "severity", "component_type", "component_name",
                          "affected_versions", "patched_version", "cve_ids", "release_date"});
    });

    auto* show = patches->add_subcommand("show", "Show a patch");
    show->add_option("patch_id", args->patch_id, "Patch id")->required();
    OnRun(show, context, [&context, args] {
        return ShowAnswer(context.globals, context.Call("GET", "/api/v1/security/patches/" +
                                                                   UrlEncode(args->patch_id)));
    });
}

// Answers the exit status of --wait (0 otherwise).
Expected<int> Apply(const Context& context, const PatchArgs& args) {
    json::object body{{"patch_id", args.patch_id}, {"dry_run", args.dry_run}};
    if (args.force) {
        body["force"] = true;
    }
    if (!args.reason.empty()) {
        body["reason"] = args.reason;
    }
    auto client = context.MakeClient();
    if (!client) {
        return client.error();
    }
    auto applied = client->Call(
        "POST", "/api/v1/security/patches/apply" + Query({{"instance_id", args.instance}}),
        json::serialize(body));
    if (!applied) {
        return applied.error();
    }
    // No deployment when the instance is not affected or already patched: nothing to follow.
    const auto* object = applied->if_object();
    const auto* id = object != nullptr ? object->if_contains("id") : nullptr;
    if (!args.wait || args.dry_run || id == nullptr || !id->is_string()) {
        Show(context.globals, *applied);
        return 0;
    }
    if (!context.globals.json_output) {
        auto status = Field(*applied, "status");
        if (!status) {
            return status.error();
        }
        std::cout << "patch " << args.patch_id << " on " << args.instance << ": deployment "
                  << Text(*id) << " created (" << *status << ")\n";
    }
    return WaitDeployment(context.globals, *client, Text(*id), args.timeout_seconds, "patch");
}

void AddApply(CLI::App* patches, Context& context, const std::shared_ptr<PatchArgs>& args) {
    auto* apply = patches->add_subcommand("apply", "Apply a patch to an instance");
    apply->add_option("patch_id", args->patch_id, "Patch id")->required();
    apply->add_option("--instance", args->instance, "Instance id")->required();
    apply->add_flag("--dry-run", args->dry_run, "Show applicability and the plan; change nothing");
    apply->add_flag("--force", args->force, "Override the policy (admin; needs --reason)");
    apply->add_option("--reason", args->reason, "Why (recorded in the audit log)");
    apply->add_flag("--wait", args->wait,
                    "Follow the patch deployment until it ends; non-zero unless deployed");
    apply->add_option("--timeout", args->timeout_seconds, "Seconds --wait waits at most");
    OnRun(apply, context, [&context, args] { return SetExitCode(context, Apply(context, *args)); });
}

// "key: value" lines for the scalar members named, then a table of the array member `rows`.
void PrintReport(const json::object& report, std::initializer_list<const char*> keys,
                 const char* rows, const std::vector<std::string>& columns) {
    for (const char* key : keys) {
        if (const auto* value = report.if_contains(key)) {
            std::cout << key << ": " << Text(*value) << "\n";
        }
    }
    std::cout << "\n";
    const auto* list = report.if_contains(rows);
    PrintTable(list != nullptr ? *list : json::value(json::array{}), columns);
}

// "<patch> blocked on <instance>: <reason>" for each entry of the patch's `blocked` list.
Expected<void> PrintBlockedEntries(const json::value& patch, const json::array& blocked) {
    for (const auto& entry : blocked) {
        const auto* object = entry.if_object();
        const auto* instance = object != nullptr ? object->if_contains("instance_id") : nullptr;
        if (instance == nullptr) {
            continue;
        }
        auto patch_id = Field(patch, "patch_id");
        if (!patch_id) {
            return patch_id.error();
        }
        const auto* reason = object->if_contains("reason");
        std::cout << *patch_id << " blocked on " << Text(*instance) << ": "
                  << (reason != nullptr ? Text(*reason) : "-") << "\n";
    }
    return {};
}

// The instances a pin, a quarantine or the policy keeps a patch off, with the reason.
Expected<void> PrintBlocked(const json::object& report) {
    const auto* patches = report.if_contains("patches");
    if (patches == nullptr || !patches->is_array()) {
        return {};
    }
    for (const auto& patch : patches->get_array()) {
        const auto* object = patch.if_object();
        const auto* blocked = object != nullptr ? object->if_contains("blocked") : nullptr;
        if (blocked == nullptr || !blocked->is_array()) {
            continue;
        }
        if (auto printed = PrintBlockedEntries(patch, blocked->get_array()); !printed) {
            return printed;
        }
    }
    return {};
}

void AddStatusAndCompliance(CLI::App* patches, Context& context,
                            const std::shared_ptr<PatchArgs>& args) {
    auto* status = patches->add_subcommand(
        "status", "The patches that concern an instance and where each stands");
    status->add_option("instance", args->instance, "Instance id")->required();
    OnRun(status, context, [&context, args]() -> Expected<void> {
        auto report =
            context.Call("GET", "/api/v1/security/patches/status/" + UrlEncode(args->instance));
        if (!report || context.globals.json_output || !report->is_object()) {
            return ShowAnswer(context.globals, report);
        }
        PrintReport(
            report->get_object(),
            {"instance_id", "current_manifest_id", "total_patches", "applied_patches",
             "pending_patches", "in_progress_patches", "failed_patches", "critical_patches"},
            "patches",
            {"patch_id", "severity", "status", "component_type", "component_name",
             "installed_version", "patched_version", "blocked_by"});
        return {};
    });

    auto* compliance =
        patches->add_subcommand("compliance", "Fleet compliance: per patch, who is patched");
    compliance->add_option("--severity", args->severity, "Only patches of this severity");
    OnRun(compliance, context, [&context, args]() -> Expected<void> {
        auto report = context.Call(
            "GET", "/api/v1/security/compliance" + Query({{"severity", args->severity}}));
        if (!report || context.globals.json_output || !report->is_object()) {
            return ShowAnswer(context.globals, report);
        }
        PrintReport(report->get_object(),
                    {"generated_at", "instances_checked", "total_patches", "compliant_patches"},
                    "patches",
                    {"patch_id", "severity", "component_name", "affected", "patched", "pending",
                     "failed", "unpatched", "compliant"});
        return PrintBlocked(report->get_object());
    });
}

}  // namespace

void AddPatchCommands(CLI::App& app, Context& context) {
    auto* patches = app.add_subcommand("patches", "Security patches");
    patches->require_subcommand(1);
    auto args = std::make_shared<PatchArgs>();
    AddListAndShow(patches, context, args);
    AddRegister(patches, context, args);
    AddApply(patches, context, args);
    AddStatusAndCompliance(patches, context, args);
}

}  // namespace waka::ctl
