#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "coordinator/deploy/dispatcher.hpp"
#include "coordinator/deploy/evaluation.hpp"
#include "coordinator/deploy/requests.hpp"
#include "coordinator/deploy/task_group.hpp"
#include "coordinator/ports/deployment_repository.hpp"
#include "shared/core/error.hpp"

// Deployments as operators make and read them: POST /deployments (and its dry run), rollbacks,
// and the reads. A created deployment that may run now is handed to the dispatcher in the
// background, so the answer does not wait for the agent round trip.
namespace waka::coordinator::deploy {

// What CreateFleet did.
struct FleetOutcome {
    std::vector<domain::Deployment> created;
    std::vector<std::pair<std::string, std::string>> refused;  // instance id, why
};

class DeploymentService {
public:
    DeploymentService(ports::DeploymentRepository& deployments, Evaluation& evaluation,
                      Dispatcher& dispatcher, TaskGroup& background);

    // Errors: kNotFound (instance or manifest unknown), kInvalidArgument (a release or artifact
    // named by the manifest is missing, or the manifest belongs to another instance; the message
    // names it), kConflict (decommissioned, a pin or dependency, a policy refusal).
    boost::asio::awaitable<Expected<CreateDeploymentOutcome>> Create(
        const domain::Principal& principal, const CreateDeploymentRequest& request);
    // A deployment of kind rollback, decided by the rollback row of docs/design.md §4.1 (now,
    // under every channel). Errors: those of domain::ChooseRollbackTarget, then those of Create.
    boost::asio::awaitable<Expected<CreateDeploymentOutcome>> CreateRollback(
        const domain::Principal& principal, const CreateRollbackRequest& request);
    // Create for many instances at once (a rollout phase, ADR 0037), set-based: one read of every
    // input, one evaluation pass, one transaction storing every deployment and audit entry, then
    // one claim for the queued ones whose agents are connected here (fleet_deployments.cpp). A
    // member Create would refuse is answered in `refused` with Create's reason. Errors: kNotFound
    // (the manifest), kBusy, the database's, kConflict when a rollout member is no longer pending
    // (nothing stored).
    //
    // `choose`, when given, picks each member's manifest on the members' inputs (ADR 0038: a
    // patch applied to each member's own current manifest); without it every member gets
    // base.manifest_id.
    using TargetChooser = std::function<boost::asio::awaitable<Expected<ports::FleetTargets>>(
        const std::vector<ports::FleetMember>&)>;
    boost::asio::awaitable<Expected<FleetOutcome>> CreateFleet(
        const domain::Principal& principal, const CreateDeploymentRequest& base,
        const std::vector<std::string>& instance_ids, const TargetChooser& choose = {});
    // With events; kNotFound "Deployment not found".
    boost::asio::awaitable<Expected<domain::Deployment>> Get(const std::string& id);
    boost::asio::awaitable<Expected<std::vector<domain::Deployment>>> List(
        const DeploymentFilter& filter);

private:
    ports::DeploymentRepository& deployments_;
    Evaluation& evaluation_;
    Dispatcher& dispatcher_;
    TaskGroup& background_;
};

}  // namespace waka::coordinator::deploy
