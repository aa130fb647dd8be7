#include "coordinator/gateway/session_registry.hpp"

#include "coordinator/gateway/connection.hpp"

namespace waka::coordinator::gateway {

void SessionRegistry::Track(const std::shared_ptr<Connection>& connection) {
    bool stopping = false;
    {
        std::lock_guard lock(mutex_);
        connections_[connection.get()] = connection;
        stopping = stopping_;
    }
    if (stopping) {
        connection->PostShutdown();
    }
}

void SessionRegistry::Untrack(const Connection* connection) {
    std::lock_guard lock(mutex_);
    connections_.erase(connection);
}

bool SessionRegistry::Register(const std::string& instance_id,
                               const std::shared_ptr<Connection>& connection,
                               std::shared_ptr<Connection>& replaced) {
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return false;
    }
    auto& slot = sessions_[instance_id];
    replaced = std::move(slot);
    slot = connection;
    return true;
}

void SessionRegistry::Unregister(const std::string& instance_id, const Connection* connection) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(instance_id);
    if (it != sessions_.end() && it->second.get() == connection) {
        sessions_.erase(it);
    }
}

std::shared_ptr<Connection> SessionRegistry::Find(const std::string& instance_id) const {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(instance_id);
    return it == sessions_.end() ? nullptr : it->second;
}

bool SessionRegistry::Post(const std::string& instance_id, OutboundMessage message) {
    const auto session = Find(instance_id);
    if (session) {
        session->PostSend(std::move(message));  // outside the lock: it takes the strand's
    }
    return session != nullptr;
}

bool SessionRegistry::Close(const std::string& instance_id, const std::string& reason) {
    const auto session = Find(instance_id);
    if (session) {
        session->PostClose(CloseCode::kPolicyError, reason);
    }
    return session != nullptr;
}

bool SessionRegistry::IsConnected(const std::string& instance_id) const {
    std::lock_guard lock(mutex_);
    return sessions_.contains(instance_id);
}

std::size_t SessionRegistry::ConnectedCount() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

bool SessionRegistry::Stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
}

std::optional<std::vector<std::shared_ptr<Connection>>> SessionRegistry::BeginStop() {
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return std::nullopt;
    }
    stopping_ = true;
    std::vector<std::shared_ptr<Connection>> open;
    for (const auto& [key, weak] : connections_) {
        if (auto connection = weak.lock()) {
            open.push_back(std::move(connection));
        }
    }
    return open;
}

}  // namespace waka::coordinator::gateway
