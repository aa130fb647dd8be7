#include "tests/support/fakes/fake_agent_channel.hpp"

namespace waka::coordinator::fakes {

void FakeAgentChannel::Connect(const std::string& instance_id) {
    std::lock_guard lock(mutex_);
    connected_.insert(instance_id);
}

void FakeAgentChannel::Disconnect(const std::string& instance_id) {
    std::lock_guard lock(mutex_);
    connected_.erase(instance_id);
}

void FakeAgentChannel::RefuseSends(bool refuse) {
    std::lock_guard lock(mutex_);
    refuse_sends_ = refuse;
}

bool FakeAgentChannel::Send(const std::string& instance_id, const ports::Instruction& instruction) {
    std::lock_guard lock(mutex_);
    if (!connected_.contains(instance_id) || refuse_sends_) {
        return false;
    }
    sent_.emplace_back(instance_id, instruction);
    return true;
}

bool FakeAgentChannel::SendCancel(const std::string& instance_id, const std::string& op_id) {
    std::lock_guard lock(mutex_);
    if (!connected_.contains(instance_id)) {
        return false;
    }
    cancels_.emplace_back(instance_id, op_id);
    return true;
}

bool FakeAgentChannel::IsConnected(const std::string& instance_id) const {
    std::lock_guard lock(mutex_);
    return connected_.contains(instance_id);
}

std::size_t FakeAgentChannel::ConnectedCount() const {
    std::lock_guard lock(mutex_);
    return connected_.size();
}

std::vector<std::pair<std::string, ports::Instruction>> FakeAgentChannel::Sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
}

std::vector<std::pair<std::string, std::string>> FakeAgentChannel::Cancels() const {
    std::lock_guard lock(mutex_);
    return cancels_;
}

}  // namespace waka::coordinator::fakes

namespace waka::coordinator::fakes {

bool FakeAgentChannel::Disconnect(const std::string& instance_id, const std::string&) {
    std::lock_guard lock(mutex_);
    return connected_.erase(instance_id) > 0;
}

}  // namespace waka::coordinator::fakes
