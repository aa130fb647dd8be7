#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <random>
#include <vector>

#include "agent/link/link.hpp"
#include "agent/model/channel.hpp"
#include "tests/bench/swarm/counters.hpp"
#include "tests/bench/swarm/credentials.hpp"

namespace waka::bench::swarm {

// How a simulated agent answers an instruction: Ack at once, then after `latency` one Progress
// and a Result, failed with probability `failure_rate`. Nothing touches the disk.
struct AgentBehaviour {
    std::chrono::milliseconds latency{20};
    double failure_rate = 0.0;
};

// One simulated agent: the project's own Link (TLS WebSocket, Hello/Welcome, heartbeats at the
// Welcome's interval, reconnects with full-jitter backoff) with a handler that plays the agent.
// Every member function runs on the agent's io thread (post to it).
class SimulatedAgent {
public:
    SimulatedAgent(boost::asio::io_context& io, agent::link::LinkOptions options,
                   AgentIdentity identity, const AgentBehaviour& behaviour, SwarmCounters& counters,
                   std::uint64_t seed);
    ~SimulatedAgent();
    SimulatedAgent(const SimulatedAgent&) = delete;
    SimulatedAgent& operator=(const SimulatedAgent&) = delete;

    // Starts a new link after `delay` (the connect jitter).
    void Connect(std::chrono::milliseconds delay);
    // A reconnect storm for this agent: its session is closed now and a new link connects after
    // `delay`; counted in storm_reconnected once welcomed again.
    void Storm(std::chrono::milliseconds delay);
    // Closes the session for good.
    void Stop();
    // The identity as it is now (the credential once enrolled). Read after the io thread stopped.
    [[nodiscard]] const AgentIdentity& Identity() const { return identity_; }

private:
    class Handler;
    friend class Handler;

    agent::model::HelloData MakeHello() const;
    void OnEstablished(const agent::model::WelcomeData& welcome);
    void OnInstruction(const agent::model::InstructionData& instruction);
    void OnSessionDown();
    void Answer(const agent::model::Operation& operation);
    void CloseLink();

    boost::asio::io_context& io_;
    agent::link::LinkOptions options_;
    AgentIdentity identity_;
    const AgentBehaviour& behaviour_;
    SwarmCounters& counters_;
    std::mt19937_64 random_;
    std::vector<agent::model::InstalledComponent> inventory_;
    std::unique_ptr<agent::link::Link> link_;
    // Handlers of this agent's links, the current one last: a closed link may still report its
    // end, to a handler that knows it is no longer current. They live as long as the agent.
    std::vector<std::unique_ptr<Handler>> handlers_;
    bool established_ = false;
    bool ever_established_ = false;
    bool storm_pending_ = false;
    bool stopped_ = false;
};

}  // namespace waka::bench::swarm
