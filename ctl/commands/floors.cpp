#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/input.hpp"
#include "ctl/output.hpp"

// Anti-rollback floors on the coordinator (ADR 0022). The floor file itself is signed offline
// with `wakactl release floor`; these commands only hand it over and list what is in force.
namespace waka::ctl {

void AddFloorCommands(CLI::App& app, Context& context) {
    auto* floors = app.add_subcommand("floors", "Anti-rollback floors in force");
    floors->require_subcommand(1);
    auto file = std::make_shared<std::string>();
    auto* set = floors->add_subcommand(
        "set", "Raise a component's floor with a floor file of wakactl release floor");
    set->add_option("file", *file, "The floor file")->required()->check(CLI::ExistingFile);
    OnRun(set, context, [&context, file]() -> Expected<void> {
        auto text = ReadInputFile(*file);
        if (!text) {
            return text.error();
        }
        return ShowAnswer(context.globals, context.Call("PUT", "/api/v1/floors", *text));
    });
    auto* list = floors->add_subcommand("list", "The floors in force, by component");
    OnRun(list, context, [&context] {
        return ListAnswer(context.globals, context.Call("GET", "/api/v1/floors"),
                          {"component_type", "component_name", "min_version", "reason",
                           "release_key_id", "created_at"});
    });
}

}  // namespace waka::ctl
