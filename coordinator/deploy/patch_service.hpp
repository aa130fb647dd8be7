#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <string>

#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/deploy/evaluation.hpp"
#include "coordinator/deploy/requests.hpp"
#include "coordinator/deploy/task_group.hpp"
#include "coordinator/ports/repositories.hpp"
#include "shared/core/error.hpp"

// Security patches applied to instances (docs/patches-and-rollback.md, ADR 0011): by an operator,
// by enforcement over the fleet when a patch is registered, and by catch-up when an agent connects.
namespace waka::coordinator::deploy {

class PatchService {
public:
    PatchService(ports::Repositories& repositories, Evaluation& evaluation,
                 DeploymentService& deployments, TaskGroup& background);

    // A deployment of kind patch moving the patch's component of the instance's current manifest to
    // the patched version (a new manifest), decided by the patch rows of docs/design.md §4.1. Not
    // affected or already patched: answered with no deployment. Checked before anything is stored:
    // a refusal stores only its audit entry. Errors: kNotFound (patch, instance), kConflict
    // (decommissioned, no current manifest, the patch already being applied, policy refusal, the
    // patch would move the component down from the manifest's or the agent's version: ADR 0019,
    // never overridden by force), those of validation.
    boost::asio::awaitable<Expected<ApplyPatchOutcome>> ApplyPatch(
        const domain::Principal& principal, const ApplyPatchRequest& request);
    // Enforcement: applies the patch, as "system", to every instance whose current manifest it
    // affects and that has nothing under way for it; each is decided by its channel (critical: now,
    // through frozen, windows and approvals). Refusals are audited by ApplyPatch; the whole run by
    // one "patch.enforce" entry. Ends early when the background group stops.
    boost::asio::awaitable<void> Enforce(std::string patch_id);
    // The same for one instance and every patch, skipping patches whose last deployment there
    // failed (they wait for an operator): run when its agent connects, so late instances catch up.
    boost::asio::awaitable<void> CatchUp(std::string instance_id);

private:
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

    ports::Repositories& repositories_;
    Evaluation& evaluation_;
    DeploymentService& deployments_;
    TaskGroup& background_;
};

}  // namespace waka::coordinator::deploy
