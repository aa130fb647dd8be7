#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

#include "ctl/context.hpp"

// wakactl's command tree, one function per resource group (docs/wakactl.md). Each adds its
// subcommands to `app`; their options live as long as `app` (captured by the callbacks).
namespace waka::ctl {

// Makes `command` set context.action to `body` when it is chosen; main runs it after parsing.
void OnRun(CLI::App* command, Context& context, Action body);

// Adds --limit (default 100, the server's page; 0: all) to a list command; the answer holds the
// parsed value, read by the command's action.
std::shared_ptr<int> AddLimitOption(CLI::App* command);

void AddHealthCommands(CLI::App& app, Context& context);
void AddTokenCommands(CLI::App& app, Context& context);
void AddVersionCommands(CLI::App& app, Context& context);  // versions and artifacts
void AddInstanceCommands(CLI::App& app, Context& context);
void AddManifestCommands(CLI::App& app, Context& context);
void AddDeploymentCommands(CLI::App& app, Context& context);  // deploy and deployments
void AddApprovalCommands(CLI::App& app, Context& context);    // approve, reject, cancel
void AddPolicyCommands(CLI::App& app, Context& context);
void AddPinCommands(CLI::App& app, Context& context);         // pin, pins, unpin
void AddResolutionCommands(CLI::App& app, Context& context);  // compatibility, explain
void AddRollbackCommands(CLI::App& app, Context& context);    // rollback(s), quarantine
void AddPatchCommands(CLI::App& app, Context& context);
void AddAuditCommands(CLI::App& app, Context& context);
void AddReleaseCommands(CLI::App& app, Context& context);  // keys, release sign (offline)
void AddFloorCommands(CLI::App& app, Context& context);
void AddRolloutCommands(CLI::App& app, Context& context);  // rollout create | list | get | ...
void AddApiCommands(CLI::App& app, Context& context);
void AddCompletionCommands(CLI::App& app, Context& context);

}  // namespace waka::ctl
