#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/input.hpp"
#include "ctl/output.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

struct ManifestArgs {
    std::string id;
    std::string instance;
    std::string platform;
    std::string platform_version;
    std::string file;
    std::vector<std::string> suites;
    std::vector<std::string> capabilities;
    bool dry_run = false;
};

// The body of --file, with each flag given overriding its field.
Expected<json::object> CreateBody(const ManifestArgs& args) {
    auto from_file =
        args.file.empty() ? Expected<json::object>(json::object{}) : ReadJsonFile(args.file);
    if (!from_file) {
        return from_file.error();
    }
    json::object body = std::move(*from_file);
    if (!args.id.empty()) {
        body["id"] = args.id;
    }
    if (!args.instance.empty()) {
        body["instance_id"] = args.instance;
    }
    if (!args.platform.empty()) {
        body["platform_name"] = args.platform;
    }
    if (!args.platform_version.empty()) {
        body["platform_version"] = args.platform_version;
    }
    if (auto versions = AddComponentVersions(body, args.suites, args.capabilities); !versions) {
        return versions.error();
    }
    return body;
}

void AddCreate(CLI::App* manifests, Context& context, const std::shared_ptr<ManifestArgs>& args) {
    auto* create =
        manifests->add_subcommand("create", "Create a manifest from flags or a JSON file");
    create->add_option("--file", args->file, "A JSON file with the whole body")
        ->check(CLI::ExistingFile);
    create->add_option("--id", args->id, "Manifest id (generated when absent)");
    create->add_option("--instance", args->instance, "Instance the manifest is for");
    create->add_option("--platform", args->platform, "Platform name");
    create->add_option("--platform-version", args->platform_version, "Platform version");
    create->add_option("--suite", args->suites, "name=version (repeatable)");
    create->add_option("--capability", args->capabilities, "name=version (repeatable)");
    OnRun(create, context, [&context, args]() -> Expected<void> {
        auto body = CreateBody(*args);
        if (!body) {
            return body.error();
        }
        return ShowAnswer(context.globals,
                          context.Call("POST", "/api/v1/manifests", json::serialize(*body)));
    });
}

void AddGetAndList(CLI::App* manifests, Context& context,
                   const std::shared_ptr<ManifestArgs>& args) {
    auto* get = manifests->add_subcommand("get", "Show a manifest");
    get->add_option("id", args->id)->required();
    OnRun(get, context, [&context, args] {
        return ShowAnswer(context.globals,
                          context.Call("GET", "/api/v1/manifests/" + UrlEncode(args->id)));
    });

    auto* list = manifests->add_subcommand("list", "Manifest history, newest first");
    list->add_option("--instance", args->instance, "Filter by instance");
    const auto limit = AddLimitOption(list);
    OnRun(list, context, [&context, args, limit] {
        const std::string query = Query({{"instance_id", args->instance}});
        return ListPaged(
            context.globals, context.MakeClient(), "/api/v1/manifests" + query, *limit,
            {"id", "instance_id", "platform_name", "platform_version", "created_by", "created_at"});
    });
}

// "  change: <component> <from> -> <to>".
Expected<void> PrintChange(const json::value& change) {
    std::string line = "  change:";
    for (const char* key : {"component", "from_version", "to_version"}) {
        auto text = Field(change, key);
        if (!text) {
            return text.error();
        }
        line += (std::string_view(key) == "to_version" ? " -> " : " ") + *text;
    }
    std::cout << line << "\n";
    return {};
}

// The compiled manifest for people: its id, what each component resolved to and what changes.
Expected<void> PrintCompiled(const json::value& answer) {
    const json::object& manifest = answer.get_object();
    const auto* dry_run_member = manifest.if_contains("dry_run");
    const bool dry_run =
        dry_run_member != nullptr && dry_run_member->is_bool() && dry_run_member->get_bool();
    auto id = dry_run ? Expected<std::string>(std::string()) : Field(answer, "id");
    if (!id) {
        return id.error();
    }
    std::cout << (dry_run ? "would compile (dry run, nothing stored)" : "compiled manifest ") << *id
              << "\n";
    if (const auto* resolution = manifest.if_contains("resolution");
        resolution && resolution->is_object()) {
        for (const auto& [component, version] : resolution->get_object()) {
            std::cout << "  " << std::string(component) << " " << Text(version) << "\n";
        }
    }
    if (const auto* changes = manifest.if_contains("changes"); changes && changes->is_array()) {
        for (const auto& change : changes->get_array()) {
            if (!change.is_object()) {
                continue;
            }
            if (auto printed = PrintChange(change); !printed) {
                return printed;
            }
        }
    }
    if (const auto* duplicate = manifest.if_contains("duplicate_of");
        duplicate && duplicate->is_string()) {
        std::cout << "  same content as " << Text(*duplicate) << "\n";
    }
    return {};
}

void AddCompile(CLI::App* manifests, Context& context, const std::shared_ptr<ManifestArgs>& args) {
    auto* compile = manifests->add_subcommand(
        "compile", "Resolve latest/ranges against the catalog and the instance's pins");
    compile->add_option("--instance", args->instance, "Instance id")->required();
    compile->add_option("--file", args->file, "A JSON file with the whole body; flags override it")
        ->check(CLI::ExistingFile);
    compile->add_option("--id", args->id, "Id of the new manifest (generated when absent)");
    compile->add_option("--platform", args->platform, "Platform name");
    compile->add_option("--platform-version", args->platform_version,
                        "latest (default), a version or a range");
    compile->add_option("--suite", args->suites, "name=latest|version|range (repeatable)");
    compile->add_option("--capability", args->capabilities,
                        "name=latest|version|range (repeatable)");
    compile->add_flag("--dry-run", args->dry_run, "Show the result; store nothing");
    OnRun(compile, context, [&context, args]() -> Expected<void> {
        auto body = CreateBody(*args);
        if (!body) {
            return body.error();
        }
        if (args->dry_run) {
            (*body)["dry_run"] = true;
        }
        auto manifest = context.Call("POST", "/api/v1/manifests/compile", json::serialize(*body));
        if (!manifest || context.globals.json_output || !manifest->is_object()) {
            return ShowAnswer(context.globals, manifest);
        }
        return PrintCompiled(*manifest);
    });
}

}  // namespace

void AddManifestCommands(CLI::App& app, Context& context) {
    auto* manifests = app.add_subcommand("manifests", "Manifests (what an instance should run)");
    manifests->require_subcommand(1);
    auto args = std::make_shared<ManifestArgs>();
    AddCreate(manifests, context, args);
    AddGetAndList(manifests, context, args);
    AddCompile(manifests, context, args);
}

}  // namespace waka::ctl
