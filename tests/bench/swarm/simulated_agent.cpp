#include "tests/bench/swarm/simulated_agent.hpp"

#include <boost/asio/steady_timer.hpp>

namespace waka::bench::swarm {

namespace asio = boost::asio;
namespace model = agent::model;

// The ChannelHandler of one link: forwards to the agent while its link is the current one.
class SimulatedAgent::Handler final : public model::ChannelHandler {
public:
    explicit Handler(SimulatedAgent& agent) : agent_(agent) {}
    void Retire() { current_ = false; }

    model::HelloData MakeHello() override { return agent_.MakeHello(); }
    void OnEstablished(const model::WelcomeData& welcome) override {
        if (current_) {
            agent_.OnEstablished(welcome);
        }
    }
    void OnInstruction(model::InstructionData instruction) override {
        if (current_) {
            agent_.OnInstruction(instruction);
        }
    }
    void OnCancel(const std::string& /*op_id*/) override { ++agent_.counters_.cancels; }
    void OnSessionDown() override {
        if (current_) {
            agent_.OnSessionDown();
        }
    }
    void OnAttemptFailed() override { ++agent_.counters_.failed_attempts; }

private:
    SimulatedAgent& agent_;
    bool current_ = true;
};

SimulatedAgent::SimulatedAgent(asio::io_context& io, agent::link::LinkOptions options,
                               AgentIdentity identity, const AgentBehaviour& behaviour,
                               SwarmCounters& counters, std::uint64_t seed)
    : io_(io),
      options_(std::move(options)),
      identity_(std::move(identity)),
      behaviour_(behaviour),
      counters_(counters),
      random_(seed) {
    options_.backoff_seed = seed | 1;
}

SimulatedAgent::~SimulatedAgent() = default;

void SimulatedAgent::Connect(std::chrono::milliseconds delay) {
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    timer->async_wait([this, timer](const boost::system::error_code&) {
        if (stopped_) {
            return;
        }
        handlers_.push_back(std::make_unique<Handler>(*this));
        link_ = std::make_unique<agent::link::Link>(io_, options_, *handlers_.back());
        if (!link_->Start()) {
            ++counters_.failed_attempts;
        }
    });
}

void SimulatedAgent::Storm(std::chrono::milliseconds delay) {
    storm_pending_ = true;
    CloseLink();
    Connect(delay);
}

void SimulatedAgent::Stop() {
    stopped_ = true;
    CloseLink();
}

void SimulatedAgent::CloseLink() {
    if (established_) {
        established_ = false;
        --counters_.established;
    }
    if (!handlers_.empty()) {
        handlers_.back()->Retire();
    }
    if (link_) {
        link_->Stop();
        link_.reset();  // its coroutines keep what they use until they have ended
    }
}

model::HelloData SimulatedAgent::MakeHello() const {
    model::HelloData hello;
    hello.instance_id = identity_.instance_id;
    hello.agent_version = "waka-swarm";
    hello.credential = identity_.secret;
    hello.inventory = inventory_;
    return hello;
}

void SimulatedAgent::OnEstablished(const model::WelcomeData& welcome) {
    if (!welcome.credential.empty()) {
        identity_.secret = welcome.credential;
        ++counters_.enrolled;
    }
    established_ = true;
    ++counters_.established;
    if (!ever_established_) {
        ever_established_ = true;
        ++counters_.ever_established;
    }
    if (storm_pending_) {
        storm_pending_ = false;
        ++counters_.storm_reconnected;
    }
}

void SimulatedAgent::OnSessionDown() {
    if (established_) {
        established_ = false;
        --counters_.established;
        ++counters_.sessions_lost;
    }
}

void SimulatedAgent::OnInstruction(const model::InstructionData& instruction) {
    counters_.RecordArrival();
    if (!link_->SendAck(instruction.operation.op_id)) {
        ++counters_.sends_refused;
    }
    auto timer = std::make_shared<asio::steady_timer>(io_, behaviour_.latency);
    timer->async_wait([this, timer, operation = instruction.operation](
                          const boost::system::error_code&) { Answer(operation); });
}

// Progress, then the result; a success makes the operation's versions the inventory.
void SimulatedAgent::Answer(const model::Operation& operation) {
    if (!link_ || stopped_) {
        ++counters_.sends_refused;
        return;
    }
    link_->SendProgress({operation.op_id, "commit", "", 0, 0});
    model::OperationResult result;
    result.op_id = operation.op_id;
    const bool fail =
        std::uniform_real_distribution<double>(0.0, 1.0)(random_) < behaviour_.failure_rate;
    if (fail) {
        result.outcome = model::Outcome::kFailed;
        result.error = "simulated failure (waka-swarm --failure-rate)";
    } else {
        for (const auto& change : operation.components) {
            std::erase_if(inventory_, [&](const model::InstalledComponent& installed) {
                return installed.type == change.type && installed.name == change.name;
            });
            if (!change.to_version.empty()) {
                inventory_.push_back({change.type, change.name, change.to_version});
            }
        }
        result.outcome = model::Outcome::kSucceeded;
    }
    result.inventory = inventory_;
    if (link_->SendResult(result)) {
        ++(fail ? counters_.results_failed : counters_.results_succeeded);
    } else {
        ++counters_.sends_refused;
    }
}

}  // namespace waka::bench::swarm
