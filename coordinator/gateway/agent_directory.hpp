#pragma once

#include "coordinator/ports/agent_channel.hpp"
#include "coordinator/ports/agent_events.hpp"

// The gateway's names for the agent ports (coordinator/ports): the gateway implements
// ports::AgentChannel and calls ports::AgentEvents.
namespace waka::coordinator::gateway {

using domain::InstalledComponent;
using ports::AgentHello;
using ports::AgentProgress;
using ports::AgentResult;
using ports::ComponentChange;
using ports::HelloDecision;
using ports::Instruction;
using Outcome = ports::AgentOutcome;
using AgentDirectory = ports::AgentEvents;

}  // namespace waka::coordinator::gateway
