// DeploymentService::CreateFleet: Create for a whole rollout phase in a few statements (ADR 0037).
#include <chrono>
#include <set>

#include "coordinator/deploy/deployment_service.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {

boost::asio::awaitable<Expected<FleetOutcome>> DeploymentService::CreateFleet(
    const domain::Principal& principal, const CreateDeploymentRequest& base,
    const std::vector<std::string>& instance_ids) {
    FleetOutcome outcome;
    if (instance_ids.empty()) {
        co_return outcome;
    }
    // Each step's time goes to the log: a slow phase start says which one to look at.
    using Steady = std::chrono::steady_clock;
    auto since = [start = Steady::now()] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start).count();
    };
    auto inputs = co_await deployments_.LoadFleetInputs(base.manifest_id, instance_ids);
    if (!inputs) {
        co_return inputs.error().WithContext("load fleet inputs");
    }
    // An id with no stored instance is refused as Create refuses it.
    std::set<std::string> found;
    for (const auto& member : inputs->members) {
        found.insert(member.instance.id);
    }
    for (const auto& id : instance_ids) {
        if (!found.contains(id)) {
            outcome.refused.emplace_back(id, "Instance " + id + " not found");
        }
    }
    const auto loaded_ms = since();
    auto evaluated = co_await evaluation_.EvaluateFleet(principal, base, *inputs);
    if (!evaluated) {
        co_return evaluated.error();
    }
    const auto evaluated_ms = since();
    if (auto stored = co_await deployments_.InsertBatch(evaluated->deployments, evaluated->audits);
        !stored) {
        co_return stored.error().WithContext("store deployments");
    }
    std::vector<std::string> queued;
    for (const auto& d : evaluated->deployments) {
        if (d.status == domain::DeploymentStatus::kQueued) {
            queued.push_back(d.instance_id);
        }
    }
    log::Info(
        "deployments created manifest_id={} created={} queued={} refused={} load_ms={} "
        "evaluate_ms={} store_ms={}",
        base.manifest_id, evaluated->deployments.size(), queued.size(),
        evaluated->refused.size() + outcome.refused.size(), loaded_ms, evaluated_ms - loaded_ms,
        since() - evaluated_ms);
    if (!queued.empty()) {
        background_.Spawn(
            [this, queued = std::move(queued)] { return dispatcher_.DispatchBatch(queued); });
    }
    outcome.created = std::move(evaluated->deployments);
    for (auto& refusal : evaluated->refused) {
        outcome.refused.push_back(std::move(refusal));
    }
    co_return outcome;
}

}  // namespace waka::coordinator::deploy
