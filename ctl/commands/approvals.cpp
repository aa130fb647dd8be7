#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/follow.hpp"
#include "ctl/output.hpp"

// Deciding on a deployment (docs/policies.md#approvals): approve, reject, cancel. The server
// checks roles, the requester rule and the comment rules; wakactl only carries them.
namespace waka::ctl {
namespace {

namespace json = boost::json;

struct DecisionArgs {
    std::string id;
    std::string comment;
};

// POST /deployments/{id}/<verb> with the comment (when given) and prints the deployment.
Expected<void> Decide(const Context& context, const DecisionArgs& args, const std::string& verb) {
    json::object body;
    if (!args.comment.empty()) {
        body["comment"] = args.comment;
    }
    auto answer = context.Call("POST", "/api/v1/deployments/" + UrlEncode(args.id) + "/" + verb,
                               json::serialize(body));
    if (!answer) {
        return answer.error();
    }
    ShowDeploymentSummary(context.globals, *answer);
    const auto* object = answer->if_object();
    const auto* requested = object != nullptr ? object->if_contains("cancel_requested") : nullptr;
    if (!context.globals.json_output && requested != nullptr && requested->is_bool() &&
        requested->get_bool()) {
        std::cout << "  cancel requested: the agent stops only if it has not started the change\n";
    }
    return {};
}

void AddDecision(CLI::App& app, Context& context, const std::string& verb,
                 const std::string& description, bool comment_required) {
    auto args = std::make_shared<DecisionArgs>();
    auto* command = app.add_subcommand(verb, description);
    command->add_option("id", args->id, "Deployment id")->required();
    // A missing comment is left to the server, whose 422 names it like every other refusal.
    command->add_option("--comment", args->comment,
                        comment_required ? "Why (required; kept in the events and the audit log)"
                                         : "Why (kept in the events and the audit log)");
    OnRun(command, context, [&context, args, verb] { return Decide(context, *args, verb); });
}

}  // namespace

void AddApprovalCommands(CLI::App& app, Context& context) {
    AddDecision(app, context, "approve",
                "Approve a deployment awaiting approval (a role of the instance policy's "
                "approver_roles; not the requester)",
                false);
    AddDecision(app, context, "reject", "Reject a deployment awaiting approval", true);
    AddDecision(app, context, "cancel",
                "Cancel a deployment not finished yet (a deploying one only if its agent has not "
                "started)",
                true);
}

}  // namespace waka::ctl
