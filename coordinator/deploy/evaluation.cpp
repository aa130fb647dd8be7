#include "coordinator/deploy/evaluation.hpp"

#include <boost/json.hpp>

#include "coordinator/domain/floors.hpp"
#include "coordinator/domain/patching.hpp"
#include "coordinator/domain/planner.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::deploy {
namespace {

using domain::DeploymentStatus;

// The event a policy verdict applies to a new deployment. A refused change is never stored; its
// dry-run answer shows it as an allowed one would be.
domain::StatusEvent DecisionEvent(policy::Verdict verdict) {
    switch (verdict) {
        case policy::Verdict::kDeferToWindow:
            return domain::StatusEvent::kDeferredToWindow;
        case policy::Verdict::kAwaitApproval:
            return domain::StatusEvent::kApprovalRequired;
        case policy::Verdict::kAllowNow:
        case policy::Verdict::kRefuse:
            break;
    }
    return domain::StatusEvent::kAllowedNow;
}

std::string AuditDecision(policy::Verdict verdict) {
    switch (verdict) {
        case policy::Verdict::kAllowNow:
            return "allowed";
        case policy::Verdict::kRefuse:
            return "refused";
        default:
            return "deferred";
    }
}

// "deployment.create", "rollback.create", "patch.dry_run": the kind names the action, so that the
// audit log can be filtered by it.
std::string AuditAction(const CreateDeploymentRequest& request) {
    const std::string resource = request.kind == "deploy" ? "deployment" : request.kind;
    return resource + (request.dry_run ? ".dry_run" : ".create");
}

domain::Deployment NewDeployment(const domain::Principal& principal,
                                 const CreateDeploymentRequest& request,
                                 const domain::Instance& instance,
                                 std::vector<domain::PlannedChange> plan, TimePoint now) {
    domain::Deployment d;
    d.id = request.id.empty() ? NewId("deploy") : request.id;
    d.kind = request.kind;
    d.instance_id = request.instance_id;
    d.manifest_id = request.manifest_id;
    d.previous_manifest_id = instance.current_manifest_id;
    d.requested_by = principal.actor;
    d.reason = request.reason;
    d.force = request.force;
    d.skip_validation = request.skip_validation;
    d.plan = std::move(plan);
    d.rollout_id = request.rollout_id;
    d.created_at = d.updated_at = now;
    d.status = DeploymentStatus::kPending;
    d.events.push_back({now, d.status, "", "requested by " + principal.actor});
    return d;
}

// The policy's verdict moves the new deployment out of pending; the event says why it waits.
void ApplyDecision(domain::Deployment& d, const policy::Decision& decision) {
    d.status = *domain::NextStatus(d.status, DecisionEvent(decision.verdict));
    if (d.status == DeploymentStatus::kAwaitingApproval) {
        d.approval = decision.approval.value_or(policy::ApprovalRule{});
    }
    const bool allowed = decision.verdict == policy::Verdict::kAllowNow;
    d.events.push_back(
        {d.created_at, d.status, "",
         allowed ? std::string("validated; waiting for the agent") : decision.reason});
}

domain::AuditDraft DecisionAudit(const domain::Principal& principal,
                                 const CreateDeploymentRequest& request,
                                 const domain::Deployment& deployment,
                                 const policy::Decision& decision) {
    boost::json::object details{{"manifest_id", request.manifest_id},
                                {"kind", request.kind},
                                {"verdict", policy::ToString(decision.verdict)}};
    return {
        principal.actor,
        AuditAction(request),
        "deployment",
        deployment.id,
        request.instance_id,
        AuditDecision(decision.verdict),
        request.reason.empty() ? decision.reason : request.reason + "; policy: " + decision.reason,
        boost::json::serialize(details)};
}

// A manifest the resolver refuses (pins, dependencies) is a decision too: audited as refused,
// with the chain as the reason.
domain::AuditDraft ValidationAudit(const domain::Principal& principal,
                                   const CreateDeploymentRequest& request, const Error& invalid) {
    return {principal.actor,     "deployment.validate",
            "manifest",          request.manifest_id,
            request.instance_id, "refused",
            invalid.message,     request.skip_validation ? R"({"skip_validation":true})" : "{}"};
}

// A patch application's entry: its details name the patch, which the compliance report reads back.
domain::AuditDraft PatchAudit(const domain::Principal& principal,
                              const CreateDeploymentRequest& request,
                              const std::string& deployment_id, std::string decision,
                              std::string reason, const std::string& patch_id) {
    boost::json::object details{
        {"manifest_id", request.manifest_id}, {"kind", "patch"}, {"patch_id", patch_id}};
    return {principal.actor,     AuditAction(request),
            "deployment",        deployment_id.empty() ? request.manifest_id : deployment_id,
            request.instance_id, std::move(decision),
            std::move(reason),   boost::json::serialize(details)};
}

// The plan of a manifest over what is installed, refused (409, before any policy or audit) when it
// would take a component below a floor.
Expected<std::vector<domain::PlannedChange>> PlanAboveFloors(
    const domain::Manifest& manifest, const std::vector<domain::InstalledComponent>& installed,
    const std::map<std::string, domain::Release>& releases,
    const std::vector<domain::Floor>& floors, const domain::PlanRules& rules) {
    auto plan = domain::PlanChanges(manifest, installed, releases, rules);
    if (!plan) {
        return plan.error();
    }
    if (auto above = domain::CheckFloors(domain::Installed(*plan), floors); !above) {
        return above.error();
    }
    return plan;
}

// Create's checks of its stored inputs, for one member of a fleet change; for a patch also
// ApplyPatch's: never below what the agent reports (ADR 0019).
std::optional<std::string> MemberRefusal(const domain::Instance& instance,
                                         const domain::Manifest& manifest,
                                         const domain::SecurityPatch* patch) {
    if (instance.decommissioned_at) {
        return "Instance " + instance.id + " is decommissioned";
    }
    if (manifest.instance_id && *manifest.instance_id != instance.id) {
        return "manifest " + manifest.id + " belongs to instance " + *manifest.instance_id;
    }
    if (patch) {
        return domain::CheckReportedNotAbove(*patch, instance.inventory);
    }
    return std::nullopt;
}

}  // namespace

Evaluation::Evaluation(ResolutionService& resolution, PolicyDecider& decider,
                       ports::AuditLog& audit, const Clock& clock, domain::PlanRules rules)
    : resolution_(resolution), decider_(decider), audit_(audit), clock_(clock), rules_(rules) {}

boost::asio::awaitable<Expected<void>> Evaluation::Record(domain::AuditDraft draft) {
    co_return co_await audit_.Record(draft);
}

boost::asio::awaitable<Expected<Evaluated>> Evaluation::Evaluate(
    const domain::Principal& principal, const CreateDeploymentRequest& request,
    EvaluationSubject subject, std::optional<std::string> patch_id) {
    auto plan = PlanAboveFloors(subject.manifest, subject.instance.inventory, subject.releases,
                                subject.floors, rules_);
    if (!plan) {
        co_return plan.error();
    }
    auto valid = co_await resolution_.ValidateDeployment(request.instance_id, subject.manifest,
                                                         request.skip_validation);
    if (!valid) {
        const std::string no_deployment;
        auto draft = patch_id ? PatchAudit(principal, request, no_deployment, "refused",
                                           valid.error().message, *patch_id)
                              : ValidationAudit(principal, request, valid.error());
        if (auto recorded = co_await Record(std::move(draft)); !recorded) {
            co_return recorded.error();
        }
        co_return valid.error();
    }
    auto decision = co_await decider_.Decide(principal, request);
    if (!decision) {
        co_return decision.error();
    }
    Evaluated evaluated{
        {NewDeployment(principal, request, subject.instance, std::move(*plan), clock_.Now()),
         request.dry_run, AuditDecision(decision->verdict)},
        {}};
    auto& deployment = evaluated.outcome.deployment;
    ApplyDecision(deployment, *decision);
    evaluated.audit =
        patch_id ? PatchAudit(principal, request, deployment.id, AuditDecision(decision->verdict),
                              decision->reason, *patch_id)
                 : DecisionAudit(principal, request, deployment, *decision);
    const bool refused = decision->verdict == policy::Verdict::kRefuse;
    if (request.dry_run || refused) {
        if (auto recorded = co_await Record(evaluated.audit); !recorded) {
            co_return recorded.error();
        }
        if (refused && !request.dry_run) {
            co_return MakeError(Errc::kConflict, decision->reason);
        }
    }
    co_return evaluated;
}

boost::asio::awaitable<Expected<FleetEvaluation>> Evaluation::EvaluateFleet(
    const domain::Principal& principal, const CreateDeploymentRequest& base,
    const ports::FleetInputs& inputs, const ports::FleetTargets& targets) {
    FleetEvaluation out;
    // The members with a target, and each one's; the others are refused before any check.
    std::vector<const ports::FleetMember*> members;
    std::vector<const ports::FleetTarget*> theirs;
    for (const auto& member : inputs.members) {
        const auto chosen = targets.manifest_of.find(member.instance.id);
        if (chosen == targets.manifest_of.end()) {
            continue;  // the chooser refused it (its reason is in targets.refused)
        }
        const auto target = inputs.targets.find(chosen->second);
        if (target == inputs.targets.end()) {
            out.refused.emplace_back(member.instance.id,
                                     "Manifest " + chosen->second + " not found");
            continue;
        }
        members.push_back(&member);
        theirs.push_back(&target->second);
    }
    std::vector<const domain::Manifest*> manifests;
    for (const auto* target : theirs) {
        manifests.push_back(&target->manifest);
    }
    auto verdicts = co_await resolution_.ValidateFleet(members, manifests, base.skip_validation);
    if (!verdicts) {
        co_return verdicts.error();
    }
    for (std::size_t i = 0; i < members.size(); ++i) {
        const auto& member = *members[i];
        const auto& target = *theirs[i];
        CreateDeploymentRequest request = base;
        request.instance_id = member.instance.id;
        request.manifest_id = target.manifest.id;
        auto refuse = [&](std::string why) { out.refused.emplace_back(request.instance_id, why); };
        if (auto refusal = MemberRefusal(member.instance, target.manifest, base.patch.get())) {
            if (base.patch) {  // audited as ApplyPatch audits it, for the compliance report
                out.audits.push_back(
                    PatchAudit(principal, request, "", "refused", *refusal, base.patch->id));
            }
            refuse(*refusal);
            continue;
        }
        auto plan = PlanAboveFloors(target.manifest, member.instance.inventory, target.releases,
                                    inputs.floors, rules_);
        if (!plan) {
            refuse(plan.error().message);
            continue;
        }
        if (const auto& invalid = (*verdicts)[i]) {
            out.audits.push_back(base.patch ? PatchAudit(principal, request, "", "refused",
                                                         invalid->message, base.patch->id)
                                            : ValidationAudit(principal, request, *invalid));
            refuse(invalid->message);
            continue;
        }
        auto decision = decider_.DecideWith(member.policy, principal, request);
        if (!decision) {
            refuse(decision.error().message);
            continue;
        }
        auto deployment =
            NewDeployment(principal, request, member.instance, std::move(*plan), clock_.Now());
        ApplyDecision(deployment, *decision);
        out.audits.push_back(base.patch ? PatchAudit(principal, request, deployment.id,
                                                     AuditDecision(decision->verdict),
                                                     decision->reason, base.patch->id)
                                        : DecisionAudit(principal, request, deployment, *decision));
        if (decision->verdict == policy::Verdict::kRefuse) {
            refuse(decision->reason);
            continue;
        }
        out.deployments.push_back(std::move(deployment));
    }
    co_return out;
}

}  // namespace waka::coordinator::deploy
