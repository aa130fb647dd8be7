#pragma once

#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/ports/agent_channel.hpp"

namespace waka::coordinator::fakes {

// Agents "connected" by the test; what was sent to them is kept in order. Thread-safe.
class FakeAgentChannel final : public ports::AgentChannel {
public:
    void Connect(const std::string& instance_id);
    void Disconnect(const std::string& instance_id);
    // Connected, but the session takes nothing (closing, or its outbound queue is full).
    void RefuseSends(bool refuse);

    bool Send(const std::string& instance_id, const ports::Instruction& instruction) override;
    bool SendCancel(const std::string& instance_id, const std::string& op_id) override;
    // The gateway's close: the instance is no longer connected.
    bool Disconnect(const std::string& instance_id, const std::string& reason) override;
    [[nodiscard]] bool IsConnected(const std::string& instance_id) const override;
    [[nodiscard]] std::size_t ConnectedCount() const override;

    // (instance, instruction) in the order sent.
    [[nodiscard]] std::vector<std::pair<std::string, ports::Instruction>> Sent() const;
    // (instance, op_id) of the cancels sent.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> Cancels() const;

private:
    mutable std::mutex mutex_;
    std::set<std::string> connected_;
    bool refuse_sends_ = false;
    std::vector<std::pair<std::string, ports::Instruction>> sent_;
    std::vector<std::pair<std::string, std::string>> cancels_;
};

}  // namespace waka::coordinator::fakes
