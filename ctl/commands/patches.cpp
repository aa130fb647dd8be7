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
        Show(context.globals, context.MakeClient().Call("POST", "/api/v1/security/patches",
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
        ListPaged(context.globals, context.MakeClient(), path, *limit,
                  {"patch_id", "severity", "component_type", "component_name", "affected_versions",
                   "patched_version", "cve_ids", "release_date"});
    });

    auto* show = patches->add_subcommand("show", "Show a patch");
    show->add_option("patch_id", args->patch_id, "Patch id")->required();
    OnRun(show, context, [&context, args] {
        Show(context.globals, context.MakeClient().Call(
                                  "GET", "/api/v1/security/patches/" + UrlEncode(args->patch_id)));
    });
}

void Apply(Context& context, const PatchArgs& args) {
    json::object body{{"patch_id", args.patch_id}, {"dry_run", args.dry_run}};
    if (args.force) {
        body["force"] = true;
    }
    if (!args.reason.empty()) {
        body["reason"] = args.reason;
    }
    const Client client = context.MakeClient();
    json::value applied = client.Call(
        "POST", "/api/v1/security/patches/apply" + Query({{"instance_id", args.instance}}),
        json::serialize(body));
    // No deployment when the instance is not affected or already patched: nothing to follow.
    const auto* id = applied.is_object() ? applied.as_object().if_contains("id") : nullptr;
    if (!args.wait || args.dry_run || id == nullptr || !id->is_string()) {
        Show(context.globals, applied);
        return;
    }
    if (!context.globals.json_output) {
        std::cout << "patch " << args.patch_id << " on " << args.instance << ": deployment "
                  << Text(*id) << " created (" << Text(applied.at("status")) << ")\n";
    }
    context.exit_code =
        WaitDeployment(context.globals, client, Text(*id), args.timeout_seconds, "patch");
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
    OnRun(apply, context, [&context, args] { Apply(context, *args); });
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

// The instances a pin, a quarantine or the policy keeps a patch off, with the reason.
void PrintBlocked(const json::object& report) {
    const auto* patches = report.if_contains("patches");
    if (patches == nullptr || !patches->is_array()) {
        return;
    }
    for (const auto& patch : patches->as_array()) {
        const auto* blocked =
            patch.is_object() ? patch.as_object().if_contains("blocked") : nullptr;
        if (blocked == nullptr || !blocked->is_array()) {
            continue;
        }
        for (const auto& entry : blocked->as_array()) {
            if (entry.is_object() && entry.as_object().contains("instance_id")) {
                std::cout << Text(patch.at("patch_id")) << " blocked on "
                          << Text(entry.at("instance_id")) << ": "
                          << (entry.as_object().contains("reason") ? Text(entry.at("reason")) : "-")
                          << "\n";
            }
        }
    }
}

void AddStatusAndCompliance(CLI::App* patches, Context& context,
                            const std::shared_ptr<PatchArgs>& args) {
    auto* status = patches->add_subcommand(
        "status", "The patches that concern an instance and where each stands");
    status->add_option("instance", args->instance, "Instance id")->required();
    OnRun(status, context, [&context, args] {
        json::value report = context.MakeClient().Call(
            "GET", "/api/v1/security/patches/status/" + UrlEncode(args->instance));
        if (context.globals.json_output || !report.is_object()) {
            Show(context.globals, report);
            return;
        }
        PrintReport(
            report.as_object(),
            {"instance_id", "current_manifest_id", "total_patches", "applied_patches",
             "pending_patches", "in_progress_patches", "failed_patches", "critical_patches"},
            "patches",
            {"patch_id", "severity", "status", "component_type", "component_name",
             "installed_version", "patched_version", "blocked_by"});
    });

    auto* compliance =
        patches->add_subcommand("compliance", "Fleet compliance: per patch, who is patched");
    compliance->add_option("--severity", args->severity, "Only patches of this severity");
    OnRun(compliance, context, [&context, args] {
        json::value report = context.MakeClient().Call(
            "GET", "/api/v1/security/compliance" + Query({{"severity", args->severity}}));
        if (context.globals.json_output || !report.is_object()) {
            Show(context.globals, report);
            return;
        }
        PrintReport(report.as_object(),
                    {"generated_at", "instances_checked", "total_patches", "compliant_patches"},
                    "patches",
                    {"patch_id", "severity", "component_name", "affected", "patched", "pending",
                     "failed", "unpatched", "compliant"});
        PrintBlocked(report.as_object());
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
