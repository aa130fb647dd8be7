#include "coordinator/deploy/approval_service.hpp"

#include <algorithm>
#include <map>

#include "coordinator/policy/decision.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

std::string JoinRoles(const std::vector<std::string>& roles) {
    std::string text;
    for (const auto& role : roles) {
        text += (text.empty() ? "" : ", ") + role;
    }
    return text;
}

}  // namespace

asio::awaitable<Expected<policy::Policy>> EffectivePolicy(ports::PolicyRepository& policies,
                                                          const std::string& instance_id) {
    std::string id = instance_id;
    auto active = co_await policies.Active(id);
    if (!active) {
        co_return active.error().WithContext("load policy");
    }
    if (!*active || !(*active)->settings.enabled) {
        co_return policy::DefaultPolicy();
    }
    co_return (*active)->settings;
}

ApprovalService::ApprovalService(ports::Repositories& repositories, const Clock& clock,
                                 DeploymentService& deployments, Dispatcher& dispatcher)
    : repositories_(repositories),
      clock_(clock),
      deployments_(deployments),
      dispatcher_(dispatcher) {}

asio::awaitable<void> ApprovalService::AuditRefusal(const domain::Principal& by,
                                                    const std::string& verb,
                                                    const domain::Deployment& deployment,
                                                    const std::string& reason) {
    domain::AuditDraft draft{by.actor,
                             "deployment." + verb,
                             "deployment",
                             deployment.id,
                             deployment.instance_id,
                             "refused",
                             reason,
                             "{}"};
    if (auto recorded = co_await repositories_.audit.Record(draft); !recorded) {
        log::Warn("cannot audit a refused {} deployment_id={} error=\"{}\"", verb, deployment.id,
                  recorded.error().message);
    }
}

asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Answer(const std::string& deployment_id,
                                                                  bool cancel_requested) {
    auto deployment = co_await deployments_.Get(deployment_id);
    if (!deployment) {
        co_return deployment.error();
    }
    co_return ApprovalAnswer{std::move(*deployment), cancel_requested};
}

asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Decide(const domain::Principal& by,
                                                                  const std::string& deployment_id,
                                                                  const std::string& comment,
                                                                  bool approve) {
    const std::string verb = approve ? "approve" : "reject";
    auto deployment = co_await deployments_.Get(deployment_id);
    if (!deployment) {
        co_return deployment.error();
    }
    auto settings = co_await EffectivePolicy(repositories_.policies, deployment->instance_id);
    if (!settings) {
        co_return settings.error();
    }
    const policy::ApprovalRule rule = deployment->approval.value_or(policy::ApprovalRule{});
    if (auto refusal = RoleRefusal(by, *deployment)) {
        co_await AuditRefusal(by, verb, *deployment, *refusal);
        co_return MakeError(Errc::kPermissionDenied, *refusal);
    }
    ports::ApprovalAction action{deployment_id, by, comment};
    Expected<ports::ApprovalResult> result = MakeError(Errc::kInternal, "not decided");
    if (approve) {
        // Approvals complete: "then next window" (docs/design.md §4.1), judged now.
        auto window = policy::DecideWindow(&*settings, clock_.Now(), "approved");
        ports::AfterApproval next{window.verdict == policy::Verdict::kAllowNow
                                      ? domain::StatusEvent::kApproved
                                      : domain::StatusEvent::kApprovedOutsideWindow,
                                  window.reason};
        result = co_await repositories_.approvals.Approve(action, rule.required_approvals, next);
    } else {
        result = co_await repositories_.approvals.Reject(action);
    }
    if (!result) {
        if (result.error().Is(Errc::kPermissionDenied)) {
            co_await AuditRefusal(by, verb, *deployment, result.error().message);
        }
        co_return result.error();
    }
    log::Info("deployment {} deployment_id={} instance_id={} by={} approvals={}/{} status={}", verb,
              deployment_id, result->instance_id, by.actor, result->approvals, result->required,
              domain::ToString(result->status));
    if (result->status == domain::DeploymentStatus::kQueued) {
        co_await dispatcher_.DispatchNext(result->instance_id);
    }
    co_return co_await Answer(deployment_id, false);
}

// The rule copied when the deployment was created (ADR 0023), not the policy as it is now:
// whoever loosens the policy afterwards does not loosen this deployment's approval.
std::optional<std::string> ApprovalService::RoleRefusal(const domain::Principal& by,
                                                        const domain::Deployment& deployment) {
    const policy::ApprovalRule rule = deployment.approval.value_or(policy::ApprovalRule{});
    const auto& roles = rule.approver_roles;
    const std::string role(domain::RoleName(by.role));
    if (std::find(roles.begin(), roles.end(), role) != roles.end()) {
        return std::nullopt;
    }
    return "deciding on deployment " + deployment.id + " needs one of the roles " +
           JoinRoles(roles) + " (the approval rule in force when it was created); " + by.actor +
           " has the " + role + " role";
}

asio::awaitable<Expected<ApprovalService::ManyAnswer>> ApprovalService::ApproveAll(
    const domain::Principal& by, const std::vector<domain::Deployment>& deployments,
    const std::string& comment) {
    ManyAnswer answer;
    if (deployments.empty()) {
        co_return answer;
    }
    // Every instance's policy in one read (the members' inputs of a fleet change).
    std::vector<std::string> instances;
    for (const auto& d : deployments) {
        instances.push_back(d.instance_id);
    }
    auto members = co_await repositories_.deployments.LoadFleetMembers(instances);
    if (!members) {
        co_return members.error().WithContext("load policies");
    }
    std::map<std::string, policy::Policy> policies;
    for (const auto& member : *members) {
        const bool own = member.policy && member.policy->settings.enabled;
        policies.emplace(member.instance.id,
                         own ? member.policy->settings : policy::DefaultPolicy());
    }
    const auto now = clock_.Now();
    std::vector<ports::ApprovalItem> items;
    for (const auto& d : deployments) {
        const auto rule = d.approval.value_or(policy::ApprovalRule{});
        ports::ApprovalItem item{d.id, rule.required_approvals, {}, RoleRefusal(by, d)};
        // Approvals complete: "then next window" (docs/design.md §4.1), judged now.
        const auto found = policies.find(d.instance_id);
        const auto window = policy::DecideWindow(found == policies.end() ? nullptr : &found->second,
                                                 now, "approved");
        item.next = {window.verdict == policy::Verdict::kAllowNow
                         ? domain::StatusEvent::kApproved
                         : domain::StatusEvent::kApprovedOutsideWindow,
                     window.reason};
        items.push_back(std::move(item));
    }
    auto decided = co_await repositories_.approvals.ApproveMany(by, comment, items);
    if (!decided) {
        co_return decided.error();
    }
    std::vector<std::string> queued;
    for (const auto& [id, result] : decided->approved) {
        if (result.status == domain::DeploymentStatus::kQueued) {
            queued.push_back(result.instance_id);
        }
    }
    log::Info("deployments approved by={} approved={} refused={} queued={}", by.actor,
              decided->approved.size(), decided->refused.size(), queued.size());
    if (!queued.empty()) {
        co_await dispatcher_.DispatchBatch(queued);
    }
    answer.approved = decided->approved.size();
    for (auto& [id, error] : decided->refused) {
        answer.refused.emplace_back(id, std::move(error.message));
    }
    co_return answer;
}

asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Approve(const domain::Principal& by,
                                                                   const std::string& deployment_id,
                                                                   const std::string& comment) {
    co_return co_await Decide(by, deployment_id, comment, true);
}

asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Reject(const domain::Principal& by,
                                                                  const std::string& deployment_id,
                                                                  const std::string& comment) {
    co_return co_await Decide(by, deployment_id, comment, false);
}

// A running deployment is the agent's to stop: it is asked first, and refused with 409 when this
// coordinator cannot reach it, so that no "cancel requested" event is recorded that nobody sent.
asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Cancel(const domain::Principal& by,
                                                                  const std::string& deployment_id,
                                                                  const std::string& comment) {
    auto deployment = co_await deployments_.Get(deployment_id);
    if (!deployment) {
        co_return deployment.error();
    }
    const bool running = deployment->status == domain::DeploymentStatus::kDeploying;
    if (running && !dispatcher_.RequestCancel(deployment->instance_id, deployment_id)) {
        co_return MakeError(Errc::kConflict,
                            "Deployment " + deployment_id +
                                " is running and its agent is not connected to this coordinator; "
                                "it completes or rolls back on its own");
    }
    ports::ApprovalAction action{deployment_id, by, comment};
    auto result = co_await repositories_.approvals.Cancel(action);
    if (!result) {
        co_return result.error();
    }
    log::Info("deployment cancel deployment_id={} instance_id={} by={} status={}", deployment_id,
              result->instance_id, by.actor, domain::ToString(result->status));
    co_return co_await Answer(deployment_id, result->running);
}

}  // namespace waka::coordinator::deploy
