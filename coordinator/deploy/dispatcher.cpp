#include "coordinator/deploy/dispatcher.hpp"

#include <chrono>

#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

// Agents get this long to finish an instruction; it bounds how long a stale instruction is
// honoured.
constexpr auto kInstructionDeadline = std::chrono::hours(1);

}  // namespace

ports::Instruction MakeInstruction(const domain::Dispatch& dispatch, TimePoint now) {
    ports::Instruction instruction;
    instruction.op_id = dispatch.deployment.id;
    instruction.kind = dispatch.deployment.kind;
    instruction.configuration_json = dispatch.configuration_json;
    instruction.deadline_unix_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                                            (now + kInstructionDeadline).time_since_epoch())
                                            .count();
    for (const auto& change : dispatch.deployment.plan) {
        ports::ComponentChange component{change.type,
                                         change.name,
                                         change.from_version,
                                         change.to_version,
                                         change.artifact_sha256,
                                         change.size,
                                         "",
                                         change.release_statement,
                                         change.release_signature};
        if (!change.artifact_sha256.empty()) {
            component.download_path = "/agent/v1/artifacts/" + change.artifact_sha256;
        }
        instruction.components.push_back(std::move(component));
    }
    for (const auto& floor : dispatch.floors) {
        instruction.floors.push_back({floor.statement, floor.signature});
    }
    return instruction;
}

Dispatcher::Dispatcher(ports::DeploymentRepository& deployments, ports::AgentChannel& agents,
                       const Clock& clock)
    : deployments_(deployments), agents_(agents), clock_(clock) {}

bool Dispatcher::IsConnected(const std::string& instance_id) const {
    return agents_.IsConnected(instance_id);
}

boost::asio::awaitable<void> Dispatcher::DispatchNext(std::string instance_id) {
    if (!agents_.IsConnected(instance_id)) {
        co_return;
    }
    auto claimed = co_await deployments_.ClaimNext(instance_id);
    if (!claimed) {
        log::Warn("dispatch failed instance_id={} error=\"{}\"", instance_id,
                  claimed.error().message);
        co_return;
    }
    if (*claimed) {
        Send(**claimed);
    }
}

boost::asio::awaitable<void> Dispatcher::ResumeOrDispatch(std::string instance_id) {
    auto in_flight = co_await deployments_.InFlight(instance_id);
    if (in_flight && *in_flight) {
        Send(**in_flight);
        co_return;
    }
    co_await DispatchNext(std::move(instance_id));
}

boost::asio::awaitable<void> Dispatcher::DispatchBatch(std::vector<std::string> instance_ids) {
    std::erase_if(instance_ids, [this](const std::string& id) { return !agents_.IsConnected(id); });
    if (instance_ids.empty()) {
        co_return;
    }
    auto claimed = co_await deployments_.ClaimBatch(instance_ids);
    if (!claimed) {
        log::Warn("dispatch failed instances={} error=\"{}\"", instance_ids.size(),
                  claimed.error().message);
        co_return;
    }
    for (const auto& dispatch : *claimed) {
        Send(dispatch);
    }
}

bool Dispatcher::RequestCancel(const std::string& instance_id, const std::string& deployment_id) {
    return agents_.SendCancel(instance_id, deployment_id);
}

void Dispatcher::Send(const domain::Dispatch& dispatch) {
    const auto& d = dispatch.deployment;
    const bool sent = agents_.Send(d.instance_id, MakeInstruction(dispatch, clock_.Now()));
    // Not sent: it stays deploying and is re-sent when the agent's next session starts.
    log::Info("instruction {} deployment_id={} instance_id={}", sent ? "sent" : "deferred", d.id,
              d.instance_id);
}

}  // namespace waka::coordinator::deploy
