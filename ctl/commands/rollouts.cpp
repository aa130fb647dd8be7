#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/input.hpp"
#include "ctl/output.hpp"
#include "ctl/rollout_follow.hpp"

// wakactl rollout create [--manifest | --patch] | list | get | pause | resume | abort | revert |
// approve (docs/rollouts.md). The server validates everything; wakactl turns flags into the body.
namespace waka::ctl {
namespace {

namespace json = boost::json;

struct RolloutArgs {
    std::string id;
    std::string manifest;
    std::string patch;  // a patch rollout instead (ADR 0038)
    // Or constraints compiled per member (ADR 0038).
    std::string platform_version;
    std::vector<std::string> suites;        // name=range
    std::vector<std::string> capabilities;  // name=range
    std::string selector;
    std::vector<std::string> instances;
    std::vector<std::string> phases;  // "name:reach[:bake_minutes]"
    std::string max_concurrency;
    std::string max_failures;
    std::string on_failure;
    int unreachable_minutes = 0;
    std::string reason;
    std::string state;
    bool wait = false;
    int timeout_seconds = 3600;
};

// "canary:1:10" -> {"name":"canary","count":1,"bake_minutes":10}; "half:50%" -> percent 50.
Expected<json::object> PhaseBody(const std::string& text) {
    const auto first = text.find(':');
    if (first == std::string::npos || first == 0) {
        return Fail("wakactl: --phase " + text + ": write name:count or name:percent%[:bake]");
    }
    json::object phase{{"name", text.substr(0, first)}};
    const auto second = text.find(':', first + 1);
    std::string reach = text.substr(
        first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    try {
        if (!reach.empty() && reach.back() == '%') {
            phase["percent"] = std::stod(reach.substr(0, reach.size() - 1));
        } else {
            phase["count"] = std::stoll(reach);
        }
        if (second != std::string::npos) {
            phase["bake_minutes"] = std::stoll(text.substr(second + 1));
        }
    } catch (const std::exception&) {
        return Fail("wakactl: --phase " + text + ": the reach and the bake are numbers");
    }
    return phase;
}

// A number stays a count; "25%" stays a string, as the API reads amounts.
json::value AmountBody(const std::string& text) {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
        return json::value(std::stoll(text));
    }
    return json::value(text);
}

bool HasConstraints(const RolloutArgs& args) {
    return !args.platform_version.empty() || !args.suites.empty() || !args.capabilities.empty();
}

// {"platform_version", "suites", "capabilities"} from the flags.
Expected<json::object> ConstraintsBody(const RolloutArgs& args) {
    json::object constraints;
    if (!args.platform_version.empty()) {
        constraints["platform_version"] = args.platform_version;
    }
    if (auto versions = AddComponentVersions(constraints, args.suites, args.capabilities);
        !versions) {
        return versions.error();
    }
    return constraints;
}

Expected<json::object> CreateBody(const RolloutArgs& args) {
    json::object body;
    if (HasConstraints(args)) {
        auto constraints = ConstraintsBody(args);
        if (!constraints) {
            return constraints.error();
        }
        body["constraints"] = std::move(*constraints);
    } else if (args.patch.empty()) {
        body["manifest_id"] = args.manifest;
    }
    if (!args.selector.empty()) {
        body["selector"] = args.selector;
    }
    if (!args.instances.empty()) {
        json::array ids;
        for (const auto& id : args.instances) {
            ids.emplace_back(id);
        }
        body["instance_ids"] = std::move(ids);
    }
    json::object strategy;
    if (!args.phases.empty()) {
        json::array phases;
        for (const auto& text : args.phases) {
            auto phase = PhaseBody(text);
            if (!phase) {
                return phase.error();
            }
            phases.push_back(std::move(*phase));
        }
        strategy["phases"] = std::move(phases);
    }
    if (!args.max_concurrency.empty()) {
        strategy["max_concurrency"] = AmountBody(args.max_concurrency);
    }
    if (!args.max_failures.empty()) {
        strategy["max_failures"] = AmountBody(args.max_failures);
    }
    if (!args.on_failure.empty()) {
        strategy["on_failure"] = args.on_failure;
    }
    if (args.unreachable_minutes > 0) {
        strategy["unreachable_minutes"] = args.unreachable_minutes;
    }
    if (!strategy.empty()) {
        body["strategy"] = std::move(strategy);
    }
    if (!args.reason.empty()) {
        body["reason"] = args.reason;
    }
    return body;
}

void ShowRollout(const Globals& globals, const json::value& rollout) {
    if (globals.json_output) {
        PrintPretty(rollout, std::cout);
        std::cout << "\n";
        return;
    }
    auto id = Field(rollout, "id");
    auto state = Field(rollout, "state");
    auto reason = Field(rollout, "state_reason");
    std::cout << "rollout " << (id ? *id : "?") << " " << (state ? *state : "?")
              << (reason && !reason->empty() ? ": " + *reason : std::string()) << "\n"
              << PhaseLines(rollout);
}

Expected<int> CreateRollout(const Context& context, const RolloutArgs& args) {
    auto client = context.MakeClient();
    if (!client) {
        return client.error();
    }
    if ((args.manifest.empty() ? 0 : 1) + (args.patch.empty() ? 0 : 1) +
            (HasConstraints(args) ? 1 : 0) !=
        1) {
        return Fail(
            "wakactl: rollout create needs one target: --manifest, --patch, or constraints "
            "(--platform-version, --suite, --capability), not both");
    }
    auto body = CreateBody(args);
    if (!body) {
        return body.error();
    }
    const std::string path = args.patch.empty()
                                 ? "/api/v1/rollouts"
                                 : "/api/v1/security/patches/" + UrlEncode(args.patch) + "/rollout";
    auto created = client->Call("POST", path, json::serialize(*body));
    if (!created) {
        return created.error();
    }
    auto id = Field(*created, "id");
    if (!id) {
        return id.error();
    }
    if (!args.wait) {
        ShowRollout(context.globals, *created);
        return 0;
    }
    return WaitRollout(context.globals, *client, *id, args.timeout_seconds);
}

void AddCreate(CLI::App& rollout, Context& context, const std::shared_ptr<RolloutArgs>& args) {
    auto* create = rollout.add_subcommand(
        "create", "Roll a manifest, or a security patch, out to many instances");
    create->add_option("--manifest", args->manifest, "Manifest id every member gets");
    create->add_option("--patch", args->patch,
                       "Or a security patch: each affected member gets it on its own manifest "
                       "(no selector: the whole fleet; default strategy: the enforcement's)");
    create->add_option(
        "--platform-version", args->platform_version,
        "Or constraints, compiled per member against its pins: latest|version|range");
    create->add_option("--suite", args->suites, "A suite constraint, name=latest|version|range");
    create->add_option("--capability", args->capabilities,
                       "A capability constraint, name=latest|version|range");
    create->add_option("--selector", args->selector, "Label selector ('env=prod,region in (a,b)')");
    create->add_option("--instance", args->instances, "An instance besides the selector's");
    create->add_option("--phase", args->phases,
                       "A phase, in order: name:count or name:percent%, then :bake_minutes "
                       "(canary:1:10 tenth:10%:30 all:100%)");
    create->add_option("--max-concurrency", args->max_concurrency, "Members at once (N or N%)");
    create->add_option("--max-failures", args->max_failures,
                       "Failures a phase tolerates (N or N%)");
    create->add_option("--on-failure", args->on_failure, "pause (default) or revert");
    create->add_option("--unreachable-minutes", args->unreachable_minutes,
                       "A member whose agent is not seen this long counts as failed (15)");
    create->add_option("--reason", args->reason, "Why (in the members' deployments and the audit)");
    create->add_flag("--wait", args->wait, "Follow it; non-zero unless it succeeds");
    create->add_option("--timeout", args->timeout_seconds, "Seconds --wait waits at most");
    OnRun(create, context,
          [&context, args] { return SetExitCode(context, CreateRollout(context, *args)); });
}

void AddReads(CLI::App& rollout, Context& context, const std::shared_ptr<RolloutArgs>& args) {
    auto* get = rollout.add_subcommand("get", "Show a rollout: phases, members, events");
    get->add_option("id", args->id)->required();
    get->add_flag("--wait", args->wait, "Follow it until it stops moving");
    get->add_option("--timeout", args->timeout_seconds, "Seconds --wait waits at most");
    OnRun(get, context, [&context, args]() -> Expected<void> {
        auto client = context.MakeClient();
        if (!client) {
            return client.error();
        }
        if (args->wait) {
            return SetExitCode(
                context, WaitRollout(context.globals, *client, args->id, args->timeout_seconds));
        }
        auto found = client->Call("GET", "/api/v1/rollouts/" + UrlEncode(args->id));
        if (!found) {
            return found.error();
        }
        ShowRollout(context.globals, *found);
        return {};
    });

    auto* list = rollout.add_subcommand("list", "List rollouts, newest first");
    list->add_option("--state", args->state, "running, paused, succeeded, aborted, reverted...");
    const auto limit = AddLimitOption(list);
    OnRun(list, context, [&context, args, limit] {
        const std::string query = args->state.empty() ? "" : "?state=" + UrlEncode(args->state);
        return ListPaged(context.globals, context.MakeClient(), "/api/v1/rollouts" + query, *limit,
                         {"id", "state", "manifest_id", "patch_id", "selector", "current_phase",
                          "member_count", "created_by"});
    });
}

void AddControl(CLI::App& rollout, Context& context, const std::string& verb,
                const std::string& description, const char* body_field) {
    auto args = std::make_shared<RolloutArgs>();
    auto* command = rollout.add_subcommand(verb, description);
    command->add_option("id", args->id, "Rollout id")->required();
    command->add_option(std::string("--") + body_field, args->reason,
                        "Why (kept in the events and the audit log)");
    OnRun(command, context, [&context, args, verb, body_field]() -> Expected<void> {
        json::object body;
        if (!args->reason.empty()) {
            body[body_field] = args->reason;
        }
        auto answer = context.Call("POST", "/api/v1/rollouts/" + UrlEncode(args->id) + "/" + verb,
                                   json::serialize(body));
        if (!answer) {
            return answer.error();
        }
        if (verb == "approve") {
            return ShowAnswer(context.globals, answer);
        }
        ShowRollout(context.globals, *answer);
        return {};
    });
}

}  // namespace

void AddRolloutCommands(CLI::App& app, Context& context) {
    auto* rollout = app.add_subcommand("rollout", "Fleet rollouts: phases, thresholds, revert");
    rollout->require_subcommand(1);
    auto args = std::make_shared<RolloutArgs>();
    AddCreate(*rollout, context, args);
    AddReads(*rollout, context, args);
    AddControl(*rollout, context, "pause", "Pause a running rollout", "reason");
    AddControl(*rollout, context, "resume", "Resume a paused rollout", "reason");
    AddControl(*rollout, context, "abort",
               "Stop a rollout: members not started are cancelled (--reason required)", "reason");
    AddControl(*rollout, context, "revert",
               "Put every changed member back on its previous manifest (--reason required)",
               "reason");
    AddControl(*rollout, context, "approve",
               "Approve every member awaiting approval (four-eyes: not the creator)", "comment");
}

}  // namespace waka::ctl
