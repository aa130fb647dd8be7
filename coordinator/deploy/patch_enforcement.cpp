// Enforcement and catch-up of PatchService: patches applied by the coordinator itself.
#include <boost/json.hpp>

#include "coordinator/deploy/patch_catalog.hpp"
#include "coordinator/deploy/patch_service.hpp"
#include "coordinator/domain/patching.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {

namespace asio = boost::asio;

// One enforced application. Its decision (allowed, deferred or refused) is audited by ApplyPatch;
// here it is only logged.
asio::awaitable<bool> PatchService::EnforceOne(const domain::SecurityPatch& patch,
                                               const std::string& instance_id) {
    const domain::Principal system{"system", domain::Role::kAdmin, ""};
    ApplyPatchRequest request;
    request.instance_id = instance_id;
    request.patch_id = patch.id;
    request.enforced = true;
    auto applied = co_await ApplyPatch(system, request);
    if (!applied) {
        log::Info("patch not enforced patch_id={} instance_id={} reason=\"{}\"", patch.id,
                  instance_id, applied.error().message);
        co_return false;
    }
    if (applied->deployment) {
        log::Info("patch enforced patch_id={} instance_id={} deployment_id={} status={}", patch.id,
                  instance_id, applied->deployment->deployment.id,
                  domain::ToString(applied->deployment->deployment.status));
    }
    co_return applied->deployment.has_value();
}

// Which instances the patch affects is the patch rules' answer (semver ranges), read once for the
// fleet; the selection and the phases are the rollout's, in SQL.
asio::awaitable<Expected<PatchService::FleetFit>> PatchService::FitOf(
    const domain::SecurityPatch& patch) {
    std::string everyone;
    auto fleet = co_await repositories_.patches.CurrentManifests(everyone);
    if (!fleet) {
        co_return fleet.error();
    }
    FleetFit fit;
    fit.checked = fleet->size();
    for (const auto& item : *fleet) {
        const auto found = domain::CheckPatch(patch, item.manifest).fit;
        if (found == domain::PatchFit::kAffected) {
            fit.affected.push_back(item.instance_id);
        } else if (found == domain::PatchFit::kWouldDowngrade) {
            ++fit.conflicts;  // left where it is (ADR 0019): the reports show it
        }
    }
    co_return fit;
}

asio::awaitable<Expected<PatchRolloutOutcome>> PatchService::RolloutOf(
    const domain::Principal& principal, const domain::SecurityPatch& patch, FleetFit fit,
    const PatchRolloutRequest& request) {
    PatchRolloutOutcome outcome{{}, fit.checked, fit.affected.size(), fit.conflicts};
    CreateRolloutRequest rollout;
    rollout.selector = request.selector;
    if (!request.selector && request.instance_ids.empty()) {
        rollout.selector = domain::Selector{};  // the whole fleet
    }
    rollout.instance_ids = request.instance_ids;
    rollout.strategy = request.strategy.value_or(options_.enforcement);
    rollout.reason = request.reason;
    rollout.patch_id = patch.id;
    rollout.enforced = request.enforced;
    rollout.within = std::move(fit.affected);
    auto created = co_await rollouts_.Create(principal, rollout);
    if (!created) {
        co_return created.error();
    }
    outcome.rollout = std::move(*created);
    co_return outcome;
}

asio::awaitable<Expected<PatchRolloutOutcome>> PatchService::StartRollout(
    const domain::Principal& principal, const PatchRolloutRequest& request) {
    auto patch = co_await PatchNamed(request.patch_id);
    if (!patch) {
        co_return patch.error();
    }
    auto fit = co_await FitOf(*patch);
    if (!fit) {
        co_return fit.error();
    }
    co_return co_await RolloutOf(principal, *patch, std::move(*fit), request);
}

asio::awaitable<void> PatchService::Enforce(std::string patch_id) {
    const domain::Principal system{"system", domain::Role::kAdmin, ""};
    auto patch = co_await repositories_.patches.Get(patch_id);
    Expected<FleetFit> fit = MakeError(Errc::kInternal, "not read");
    if (patch) {
        fit = co_await FitOf(*patch);
    }
    if (!patch || !fit) {
        log::Warn("patch enforcement skipped patch_id={} error=\"{}\"", patch_id,
                  !patch ? patch.error().message : fit.error().message);
        co_return;
    }
    boost::json::object details{{"instances_checked", fit->checked},
                                {"affected", fit->affected.size()},
                                {"conflicts", fit->conflicts},
                                {"rollout_id", nullptr}};
    std::string reason = "no instance affected: nothing to roll out";
    Expected<PatchRolloutOutcome> started = MakeError(Errc::kNotFound, reason);
    if (!fit->affected.empty()) {
        PatchRolloutRequest request{
            .patch_id = patch_id,
            .reason = "enforcement of " + patch->severity + " patch " + patch_id,
            .enforced = true};
        started = co_await RolloutOf(system, *patch, *fit, request);
        reason = started ? "rollout " + started->rollout.id + " for " +
                               std::to_string(started->affected) + " affected instances"
                         : "not started: " + started.error().message;
        if (started) {
            details["rollout_id"] = started->rollout.id;
        }
    }
    // The start of enforcement is an audit entry of its own: what it found and which rollout
    // carries it.
    domain::AuditDraft audit{
        "system", "patch.enforce", "security_patch",  patch_id,
        "",       "recorded",      std::move(reason), boost::json::serialize(details)};
    if (auto recorded = co_await repositories_.audit.Record(audit); !recorded) {
        log::Warn("patch enforcement not audited patch_id={} error=\"{}\"", patch_id,
                  recorded.error().message);
    }
    if (!started) {
        co_return;
    }
    // The first batch goes out now, not at the next scheduler pass.
    if (auto advanced = co_await rollouts_.AdvanceNow(started->rollout.id); !advanced) {
        log::Warn("patch rollout not advanced rollout_id={} error=\"{}\"", started->rollout.id,
                  advanced.error().message);
    }
}

asio::awaitable<void> PatchService::CatchUp(std::string instance_id) {
    auto current = co_await repositories_.patches.CurrentManifests(instance_id);
    auto catalog = co_await AllPatches(repositories_.patches, std::nullopt);
    std::string any_patch;
    auto links = co_await repositories_.patches.Deployments(any_patch, instance_id);
    if (!current || !catalog || !links || current->empty()) {
        co_return;  // no current manifest: nothing to patch yet
    }
    // A patch whose rollout is not finished goes at that rollout's pace: a paused one must not be
    // pushed to every agent that reconnects.
    auto rolling = co_await repositories_.rollouts.PatchesRollingOut();
    if (!rolling) {
        co_return;
    }
    for (const auto& patch : *catalog) {
        if (background_.Stopping()) {
            co_return;
        }
        if (rolling->contains(patch.id)) {
            continue;
        }
        std::vector<domain::PatchDeployment> mine;
        for (const auto& link : *links) {
            if (link.patch_id == patch.id) {
                mine.push_back(link);
            }
        }
        if (domain::StateOf(patch, current->front().manifest, mine) ==
            domain::PatchState::kAvailable) {
            co_await EnforceOne(patch, instance_id);
        }
    }
}

}  // namespace waka::coordinator::deploy
