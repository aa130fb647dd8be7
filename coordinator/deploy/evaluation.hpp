#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>

#include "coordinator/deploy/policy_decider.hpp"
#include "coordinator/deploy/requests.hpp"
#include "coordinator/deploy/resolution_service.hpp"
#include "coordinator/domain/model.hpp"
#include "coordinator/domain/planner.hpp"
#include "coordinator/ports/audit_log.hpp"
#include "coordinator/ports/deployment_repository.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The one evaluation pipeline of a deployment (docs/design.md §4.3): plan the component changes,
// validate (pins, compatibility, quarantine: the resolver), decide (the policy), and build the
// deployment that would be stored. Used by every way a deployment is made: POST /deployments and
// its dry run, rollbacks, auto-updates and patch applications.
namespace waka::coordinator::deploy {

// What a deployment is evaluated on, read by the caller in one snapshot.
struct EvaluationSubject {
    const domain::Instance& instance;
    const domain::Manifest& manifest;  // its id may name a manifest not stored yet (patches)
    const std::map<std::string, domain::Release>& releases;  // "<type>:<name>" -> release
    const std::vector<domain::Floor>& floors;                // every floor in force
};

struct Evaluated {
    CreateDeploymentOutcome outcome;
    domain::AuditDraft audit;  // the decision's entry, stored with the deployment
};

// A fleet change evaluated member by member on inputs read once (ADR 0037).
struct FleetEvaluation {
    std::vector<domain::Deployment> deployments;  // allowed or deferred: to be stored
    std::vector<domain::AuditDraft> audits;       // theirs and the refusals', in member order
    std::vector<std::pair<std::string, std::string>> refused;  // instance id, why
};

class Evaluation {
public:
    Evaluation(ResolutionService& resolution, PolicyDecider& decider, ports::AuditLog& audit,
               const Clock& clock, domain::PlanRules rules = {});

    // Validation refusals, policy refusals and dry runs record their audit entry here and store
    // nothing else; an allowed or deferred change is answered with its audit entry for the caller
    // to store with the deployment. With a patch_id the entries are a patch application's (the
    // compliance report reads them back by patch). Errors: kInvalidArgument (a release or artifact
    // is missing), kConflict (a pin, a dependency or the policy refuses; the reason says why).
    boost::asio::awaitable<Expected<Evaluated>> Evaluate(const domain::Principal& principal,
                                                         const CreateDeploymentRequest& request,
                                                         EvaluationSubject subject,
                                                         std::optional<std::string> patch_id);

    // Evaluate for every member of `inputs` that `targets` gives a manifest, with `base` (its
    // instance_id and manifest_id are each member's): the same steps, decisions and audit entries
    // (a patch application's when base.patch is set), but nothing recorded here — the caller
    // stores the audits with the deployments in one transaction. Errors: kBusy.
    boost::asio::awaitable<Expected<FleetEvaluation>> EvaluateFleet(
        const domain::Principal& principal, const CreateDeploymentRequest& base,
        const ports::FleetInputs& inputs, const ports::FleetTargets& targets);

private:
    boost::asio::awaitable<Expected<void>> Record(domain::AuditDraft draft);

    ResolutionService& resolution_;
    PolicyDecider& decider_;
    ports::AuditLog& audit_;
    const Clock& clock_;
    domain::PlanRules rules_;
};

}  // namespace waka::coordinator::deploy
