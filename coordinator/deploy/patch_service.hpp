#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <string>

#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/deploy/evaluation.hpp"
#include "coordinator/deploy/requests.hpp"
#include "coordinator/deploy/rollout_service.hpp"
#include "coordinator/deploy/task_group.hpp"
#include "coordinator/ports/repositories.hpp"
#include "shared/core/error.hpp"

// Security patches applied to instances (docs/patches-and-rollback.md, ADR 0011): by an operator,
// by enforcement over the fleet when a patch is registered, and by catch-up when an agent connects.
namespace waka::coordinator::deploy {

struct PatchOptions {
    // The strategy of every enforcement rollout (patches.rollout_strategy, ADR 0038).
    domain::RolloutStrategy enforcement = domain::PatchEnforcementStrategy();
};

// POST /api/v1/security/patches/{id}/rollout, and what enforcement asks.
struct PatchRolloutRequest {
    std::string patch_id;
    std::optional<domain::Selector> selector;  // neither this nor instance_ids: the whole fleet
    std::vector<std::string> instance_ids;
    std::optional<domain::RolloutStrategy> strategy;  // none: PatchOptions::enforcement
    std::string reason;
    bool enforced = false;
};

struct PatchRolloutOutcome {
    ports::Rollout rollout;
    std::size_t instances_checked = 0;  // live instances with a current manifest
    std::size_t affected = 0;           // of them, those the patch affects
    std::size_t conflicts = 0;          // above the patched version: left alone (ADR 0019)
};

class PatchService {
public:
    PatchService(ports::Repositories& repositories, Evaluation& evaluation,
                 DeploymentService& deployments, RolloutService& rollouts, TaskGroup& background,
                 PatchOptions options = {});

    // A deployment of kind patch moving the patch's component of the instance's current manifest to
    // the patched version (a new manifest), decided by the patch rows of docs/design.md §4.1. Not
    // affected or already patched: answered with no deployment. Checked before anything is stored:
    // a refusal stores only its audit entry. Errors: kNotFound (patch, instance), kConflict
    // (decommissioned, no current manifest, the patch already being applied, policy refusal, the
    // patch would move the component down from the manifest's or the agent's version: ADR 0019,
    // never overridden by force), those of validation.
    boost::asio::awaitable<Expected<ApplyPatchOutcome>> ApplyPatch(
        const domain::Principal& principal, const ApplyPatchRequest& request);
    // A rollout of the patch (ADR 0038) over the instances selected (none selected: the whole
    // fleet) that it affects: each member gets the patch applied to its own current manifest as a
    // deployment of kind patch, decided by its channel, paced by the strategy. Errors: kNotFound
    // (the patch, an explicit instance), kInvalidArgument "selector: ..." (none of them is
    // affected), kConflict (another rollout of the patch is under way), those of
    // RolloutService::Create.
    boost::asio::awaitable<Expected<PatchRolloutOutcome>> StartRollout(
        const domain::Principal& principal, const PatchRolloutRequest& request);
    // Enforcement: the patch's rollout over the whole fleet, as "system", with the configured
    // strategy, its first batch started at once; each member is decided by its channel (critical:
    // now, through frozen, windows and approvals). Refusals are audited per member; the start by
    // one "patch.enforce" entry naming the rollout.
    boost::asio::awaitable<void> Enforce(std::string patch_id);
    // The same for one instance and every patch, skipping patches whose last deployment there
    // failed (they wait for an operator): run when its agent connects, so late instances catch up.
    boost::asio::awaitable<void> CatchUp(std::string instance_id);

private:
    // Get, kNotFound "Patch <id> not found".
    boost::asio::awaitable<Expected<domain::SecurityPatch>> PatchNamed(std::string id);
    boost::asio::awaitable<Expected<domain::Manifest>> CurrentManifest(
        const std::string& instance_id);
    boost::asio::awaitable<Expected<void>> CheckNotInProgress(const domain::SecurityPatch& patch,
                                                              const std::string& instance_id);
    boost::asio::awaitable<Expected<std::map<std::string, domain::Release>>> ReleasesOf(
        const domain::Manifest& manifest, const domain::Manifest& current,
        std::map<std::string, domain::Release> known);
    boost::asio::awaitable<Error> RefuseDowngrade(const domain::Principal& principal,
                                                  const CreateDeploymentRequest& request,
                                                  const std::string& patch_id,
                                                  const std::string& reason);
    boost::asio::awaitable<Expected<CreateDeploymentOutcome>> EvaluatePatched(
        const domain::Principal& principal, const CreateDeploymentRequest& request,
        const domain::Manifest& manifest, const domain::Manifest& current,
        const domain::SecurityPatch& patch);
    boost::asio::awaitable<Expected<ApplyPatchOutcome>> Store(
        const domain::Principal& principal, const ApplyPatchRequest& request,
        const CreateDeploymentRequest& deployment, domain::Manifest manifest,
        ApplyPatchOutcome outcome);
    boost::asio::awaitable<bool> EnforceOne(const domain::SecurityPatch& patch,
                                            const std::string& instance_id);
    // The fleet against the patch: live instances with a current manifest, the affected ones,
    // and those above the patched version.
    struct FleetFit {
        std::size_t checked = 0;
        std::vector<std::string> affected;
        std::size_t conflicts = 0;
    };
    boost::asio::awaitable<Expected<FleetFit>> FitOf(const domain::SecurityPatch& patch);
    boost::asio::awaitable<Expected<PatchRolloutOutcome>> RolloutOf(
        const domain::Principal& principal, const domain::SecurityPatch& patch, FleetFit fit,
        const PatchRolloutRequest& request);

    ports::Repositories& repositories_;
    Evaluation& evaluation_;
    DeploymentService& deployments_;
    RolloutService& rollouts_;
    TaskGroup& background_;
    PatchOptions options_;
};

}  // namespace waka::coordinator::deploy
