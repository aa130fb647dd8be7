#pragma once

#include <boost/asio/awaitable.hpp>
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
