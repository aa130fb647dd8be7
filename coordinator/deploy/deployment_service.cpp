#include "coordinator/deploy/deployment_service.hpp"

#include "coordinator/domain/rollback_rules.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

// The stored inputs Create evaluates, or why there is nothing to evaluate.
Expected<void> CheckInputs(const CreateDeploymentRequest& request,
                           const domain::DeploymentInputs& inputs) {
    if (!inputs.instance) {
        return MakeError(Errc::kNotFound, "Instance " + request.instance_id + " not found");
    }
    if (inputs.instance->decommissioned_at) {
        return MakeError(Errc::kConflict, "Instance " + request.instance_id + " is decommissioned");
    }
    if (!inputs.manifest) {
        return MakeError(Errc::kNotFound, "Manifest " + request.manifest_id + " not found");
    }
    const auto& scope = inputs.manifest->instance_id;
    if (scope && *scope != request.instance_id) {
        return MakeError(Errc::kInvalidArgument,
                         "manifest " + request.manifest_id + " belongs to instance " + *scope);
    }
    return {};
}

}  // namespace

DeploymentService::DeploymentService(ports::DeploymentRepository& deployments,
                                     Evaluation& evaluation, Dispatcher& dispatcher,
                                     TaskGroup& background)
    : deployments_(deployments),
      evaluation_(evaluation),
      dispatcher_(dispatcher),
      background_(background) {}

boost::asio::awaitable<Expected<CreateDeploymentOutcome>> DeploymentService::Create(
    const domain::Principal& principal, const CreateDeploymentRequest& request) {
    auto inputs = co_await deployments_.LoadInputs(request.instance_id, request.manifest_id);
    if (!inputs) {
        co_return inputs.error().WithContext("load deployment inputs");
    }
    if (auto checked = CheckInputs(request, *inputs); !checked) {
        co_return checked.error();
    }
    EvaluationSubject subject{*inputs->instance, *inputs->manifest, inputs->releases,
                              inputs->floors};
    auto evaluated = co_await evaluation_.Evaluate(principal, request, subject, std::nullopt);
    if (!evaluated) {
        co_return evaluated.error();
    }
    if (request.dry_run) {
        co_return std::move(evaluated->outcome);
    }
    auto stored = co_await deployments_.Insert(evaluated->outcome.deployment, evaluated->audit);
    if (!stored) {
        co_return stored.error().WithContext("store deployment");
    }
    CreateDeploymentOutcome outcome = std::move(evaluated->outcome);
    outcome.deployment = std::move(*stored);
    const auto& d = outcome.deployment;
    log::Info("deployment {} deployment_id={} instance_id={} manifest_id={} changes={}",
              domain::ToString(d.status), d.id, request.instance_id, request.manifest_id,
              d.plan.size());
    if (d.status == domain::DeploymentStatus::kQueued) {
        // Only queued work is dispatched; the rest waits for a window or for approvals.
        background_.Spawn([this, instance_id = request.instance_id] {
            return dispatcher_.DispatchNext(instance_id);
        });
    }
    co_return outcome;
}

// A rollback is a deployment like any other once its target is chosen: Create validates it (the one
// validation call site; skip_validation passes through), decides it by the rollback row (now,
// under every channel), stores it and dispatches it to the agent.
boost::asio::awaitable<Expected<CreateDeploymentOutcome>> DeploymentService::CreateRollback(
    const domain::Principal& principal, const CreateRollbackRequest& request) {
    std::string instance_id = request.instance_id;
    std::string asked = request.to_manifest_id.value_or("");
    auto history = co_await deployments_.History(instance_id, asked);
    if (!history) {
        co_return history.error().WithContext("load rollback history");
    }
    auto target =
        domain::ChooseRollbackTarget(request.instance_id, *history, request.to_manifest_id);
    if (!target) {
        co_return target.error();
    }
    CreateDeploymentRequest deployment{.manifest_id = *target,
                                       .instance_id = request.instance_id,
                                       .dry_run = request.dry_run,
                                       .skip_validation = request.skip_validation,
                                       .reason = request.reason,
                                       .kind = "rollback"};
    co_return co_await Create(principal, deployment);
}

boost::asio::awaitable<Expected<domain::Deployment>> DeploymentService::Get(const std::string& id) {
    auto found = co_await deployments_.Find(id);
    if (!found) {
        co_return found.error();
    }
    if (!*found) {
        co_return MakeError(Errc::kNotFound, "Deployment not found");
    }
    co_return std::move(**found);
}

boost::asio::awaitable<Expected<std::vector<domain::Deployment>>> DeploymentService::List(
    const DeploymentFilter& filter) {
    ports::DeploymentListFilter query{filter.instance_id, filter.status, filter.rollout_id,
                                      filter.limit, filter.cursor};
    co_return co_await deployments_.List(query);
}

}  // namespace waka::coordinator::deploy
