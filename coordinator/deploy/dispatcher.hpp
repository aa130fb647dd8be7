#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "coordinator/domain/model.hpp"
#include "coordinator/ports/agent_channel.hpp"
#include "coordinator/ports/deployment_repository.hpp"
#include "shared/core/clock.hpp"

// Hands queued deployments to their agents (docs/design.md §4.3 "wait → dispatch"): one in flight
// per instance (ADR 0006), claimed with a conditional update so that no deployment goes out twice,
// and only to agents connected to this coordinator.
namespace waka::coordinator::deploy {

class Dispatcher {
public:
    Dispatcher(ports::DeploymentRepository& deployments, ports::AgentChannel& agents,
               const Clock& clock);

    // Claims the instance's oldest queued deployment and sends it, when its agent is connected here
    // and has nothing in flight. Failures are logged: the scheduler's next pass tries again.
    boost::asio::awaitable<void> DispatchNext(std::string instance_id);
    // At-least-once (docs/design.md §6): the instruction that was on the agent when its last
    // session ended goes again (the agent de-duplicates by op_id); otherwise DispatchNext.
    boost::asio::awaitable<void> ResumeOrDispatch(std::string instance_id);
    // DispatchNext for a set (ADR 0037): the instances whose agents are connected here are claimed
    // in one transaction and their instructions sent, one pass over the set.
    boost::asio::awaitable<void> DispatchBatch(std::vector<std::string> instance_ids);
    // Asks the agent to cancel the deployment it holds; false when it is not connected here.
    bool RequestCancel(const std::string& instance_id, const std::string& deployment_id);
    [[nodiscard]] bool IsConnected(const std::string& instance_id) const;

private:
    void Send(const domain::Dispatch& dispatch);

    ports::DeploymentRepository& deployments_;
    ports::AgentChannel& agents_;
    const Clock& clock_;
};

// The instruction for a claimed deployment, due `deadline` after `now`.
[[nodiscard]] ports::Instruction MakeInstruction(const domain::Dispatch& dispatch, TimePoint now);

}  // namespace waka::coordinator::deploy
