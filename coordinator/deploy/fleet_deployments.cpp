// DeploymentService::CreateFleet: Create for a whole rollout phase in a few statements (ADR 0037),
// each member with its own target manifest when a chooser gives one (ADR 0038).
#include <chrono>
#include <set>

#include "coordinator/deploy/deployment_service.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

// Every member gets the one manifest of the request.
ports::FleetTargets OneTarget(const std::string& manifest_id,
                              const std::vector<ports::FleetMember>& members) {
    ports::FleetTargets targets;
    for (const auto& member : members) {
        targets.manifest_of.emplace(member.instance.id, manifest_id);
    }
    return targets;
}

// The stored manifests the targets name (the new ones are handed over whole).
std::vector<std::string> StoredTargetIds(const ports::FleetTargets& targets) {
    std::set<std::string> ids;
    for (const auto& [instance, manifest] : targets.manifest_of) {
        ids.insert(manifest);
    }
    for (const auto& m : targets.new_manifests) {
        ids.erase(m.id);
    }
    return {ids.begin(), ids.end()};
}

}  // namespace

boost::asio::awaitable<Expected<FleetOutcome>> DeploymentService::CreateFleet(
    const domain::Principal& principal, const CreateDeploymentRequest& base,
    const std::vector<std::string>& instance_ids, const TargetChooser& choose) {
    FleetOutcome outcome;
    if (instance_ids.empty()) {
        co_return outcome;
    }
    // Each step's time goes to the log: a slow phase start says which one to look at.
    using Steady = std::chrono::steady_clock;
    auto since = [start = Steady::now()] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start).count();
    };
    auto members = co_await deployments_.LoadFleetMembers(instance_ids);
    if (!members) {
        co_return members.error().WithContext("load fleet members");
    }
    // An id with no stored instance is refused as Create refuses it.
    std::set<std::string> found;
    for (const auto& member : *members) {
        found.insert(member.instance.id);
    }
    for (const auto& id : instance_ids) {
        if (!found.contains(id)) {
            outcome.refused.emplace_back(id, "Instance " + id + " not found");
        }
    }
    if (members->empty()) {
        co_return outcome;  // every id refused above
    }
    Expected<ports::FleetTargets> targets = OneTarget(base.manifest_id, *members);
    if (choose) {
        targets = co_await choose(*members);
    }
    if (!targets) {
        co_return targets.error();
    }
    auto inputs =
        co_await deployments_.LoadFleetTargets(StoredTargetIds(*targets), targets->new_manifests);
    if (!inputs) {
        co_return inputs.error().WithContext("load fleet targets");
    }
    if (!choose && !inputs->targets.contains(base.manifest_id)) {
        co_return MakeError(Errc::kNotFound, "Manifest " + base.manifest_id + " not found");
    }
    inputs->members = std::move(*members);
    const auto loaded_ms = since();
    auto evaluated = co_await evaluation_.EvaluateFleet(principal, base, *inputs, *targets);
    if (!evaluated) {
        co_return evaluated.error();
    }
    const auto evaluated_ms = since();
    // A refused member's new manifest is not stored: a refusal stores nothing but its audit entry.
    std::set<std::string> used;
    for (const auto& d : evaluated->deployments) {
        used.insert(d.manifest_id);
    }
    std::erase_if(targets->new_manifests,
                  [&](const domain::Manifest& m) { return !used.contains(m.id); });
    ports::FleetWrite write{
        std::move(targets->new_manifests), principal.actor, std::move(evaluated->deployments),
        std::move(evaluated->audits),      std::nullopt,    base.enforced};
    if (base.patch) {
        write.patch_id = base.patch->id;
    }
    if (auto stored = co_await deployments_.InsertBatch(write); !stored) {
        co_return stored.error().WithContext("store deployments");
    }
    std::vector<std::string> queued;
    for (const auto& d : write.deployments) {
        if (d.status == domain::DeploymentStatus::kQueued) {
            queued.push_back(d.instance_id);
        }
    }
    log::Info(
        "deployments created kind={} created={} queued={} refused={} load_ms={} evaluate_ms={} "
        "store_ms={}",
        base.kind, write.deployments.size(), queued.size(),
        evaluated->refused.size() + targets->refused.size() + outcome.refused.size(), loaded_ms,
        evaluated_ms - loaded_ms, since() - evaluated_ms);
    if (!queued.empty()) {
        background_.Spawn(
            [this, queued = std::move(queued)] { return dispatcher_.DispatchBatch(queued); });
    }
    outcome.created = std::move(write.deployments);
    for (auto* refusals : {&targets->refused, &evaluated->refused}) {
        for (auto& refusal : *refusals) {
            outcome.refused.push_back(std::move(refusal));
        }
    }
    co_return outcome;
}

}  // namespace waka::coordinator::deploy
