#include "coordinator/deploy/policy_decider.hpp"

namespace waka::coordinator::deploy {

PolicyDecider::PolicyDecider(ports::PolicyRepository& policies, const Clock& clock)
    : policies_(policies), clock_(clock) {}

policy::ChangeKind ChangeKindOf(const CreateDeploymentRequest& request) {
    if (request.kind == "rollback") {
        return policy::ChangeKind::kRollback;
    }
    if (request.kind == "patch") {
        return policy::ChangeKind::kPatch;
    }
    return request.auto_update ? policy::ChangeKind::kAutoUpdate
                               : policy::ChangeKind::kOperatorDeployment;
}

boost::asio::awaitable<Expected<policy::Decision>> PolicyDecider::Decide(
    const domain::Principal& principal, const CreateDeploymentRequest& request) {
    std::string instance_id = request.instance_id;
    auto active = co_await policies_.Active(instance_id);
    if (!active) {
        co_return active.error().WithContext("load policy");
    }
    co_return DecideWith(*active, principal, request);
}

Expected<policy::Decision> PolicyDecider::DecideWith(
    const std::optional<domain::PolicyRecord>& active, const domain::Principal& principal,
    const CreateDeploymentRequest& request) {
    policy::Change change;
    change.kind = ChangeKindOf(request);
    change.severity = policy::ParseSeverity(request.severity);
    change.force = request.force;
    change.principal_role = std::string(domain::RoleName(principal.role));
    change.reason = request.reason;
    const policy::Policy* settings = active ? &active->settings : nullptr;
    auto decision = policy::Decide(settings, change, clock_.Now());
    if (decision && !request.dry_run) {
        std::lock_guard lock(mutex_);
        ++counts_[{std::string(policy::ToString(change.kind)),
                   std::string(policy::ToString(decision->verdict))}];
    }
    return decision;
}

std::vector<DecisionCount> PolicyDecider::Counts() const {
    std::lock_guard lock(mutex_);
    std::vector<DecisionCount> out;
    out.reserve(counts_.size());
    for (const auto& [key, count] : counts_) {
        out.push_back({key.first, key.second, count});
    }
    return out;
}

}  // namespace waka::coordinator::deploy
