#include <iostream>
#include <map>
#include <memory>

#include "ctl/commands/commands.hpp"

namespace waka::ctl {
namespace {

// "path of subcommands" -> the words that may follow it (subcommands and long options).
using CompletionWords = std::map<std::string, std::string>;

void CollectWords(CLI::App* node, const std::string& path, CompletionWords& words) {
    std::string candidates;
    for (CLI::App* sub : node->get_subcommands({})) {
        candidates += sub->get_name() + " ";
        CollectWords(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), words);
    }
    for (const CLI::Option* option : node->get_options()) {
        for (const auto& name : option->get_lnames()) {
            candidates += "--" + name + " ";
        }
    }
    words[path] = candidates;
}

// A bash function that finds the deepest known subcommand path among the words typed so far and
// offers what may follow it; -o default falls back to file names (bundles, JSON bodies).
void PrintBashCompletion(CLI::App& app) {
    CompletionWords words;
    CollectWords(&app, "", words);
    std::cout << "# bash completion for wakactl: source <(wakactl completion bash)\n"
                 "_wakactl() {\n"
                 "    local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" w i\n"
                 "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
                 "        w=${COMP_WORDS[i]}\n"
                 "        [[ $w == -* ]] && continue\n"
                 "        case \"${path:+$path }$w\" in\n";
    for (const auto& [path, candidates] : words) {
        if (!path.empty()) {
            std::cout << "            \"" << path << "\") path=\"" << path << "\" ;;\n";
        }
    }
    std::cout << "        esac\n"
                 "    done\n"
                 "    local options\n"
                 "    case \"$path\" in\n";
    for (const auto& [path, candidates] : words) {
        std::cout << "        \"" << path << "\") options=\"" << candidates << "\" ;;\n";
    }
    std::cout << "    esac\n"
                 "    COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n"
                 "}\n"
                 "complete -o default -F _wakactl wakactl\n";
}

}  // namespace

void AddCompletionCommands(CLI::App& app, Context& context) {
    auto shell = std::make_shared<std::string>();
    auto* completion = app.add_subcommand("completion", "Print a shell completion script");
    completion->add_option("shell", *shell, "bash")->required()->check(CLI::IsMember({"bash"}));
    OnRun(completion, context, [&app]() -> Expected<void> {
        PrintBashCompletion(app);
        return {};
    });
}

}  // namespace waka::ctl
