#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "coordinator/gateway/wire.hpp"

namespace waka::coordinator::gateway {

class Connection;

// Who is connected to one gateway: every live connection (so that Stop() reaches them) and, per
// instance, the connection holding its agent session. Thread-safe: Send() comes from any thread,
// connections register from their strands. Holds connections by shared_ptr only while they are
// an instance's session; a connection untracks itself when it ends.
class SessionRegistry {
public:
    // Records a new connection; shuts it down at once when the gateway is stopping already (it was
    // accepted just before Stop() closed the listener).
    void Track(const std::shared_ptr<Connection>& connection);
    void Untrack(const Connection* connection);

    // False when stopping. Otherwise the connection is the instance's session and replaced (if
    // any) is the session it displaced, for the caller to close.
    bool Register(const std::string& instance_id, const std::shared_ptr<Connection>& connection,
                  std::shared_ptr<Connection>& replaced);
    // Removes the entry only if it still is this connection (a newer session may have replaced it).
    void Unregister(const std::string& instance_id, const Connection* connection);

    // Queues the message on the instance's session; false if it has none.
    bool Post(const std::string& instance_id, OutboundMessage message);
    // Closes the instance's session (policy error, the reason); false if it has none.
    bool Close(const std::string& instance_id, const std::string& reason);
    [[nodiscard]] bool IsConnected(const std::string& instance_id) const;
    [[nodiscard]] std::size_t ConnectedCount() const;
    [[nodiscard]] bool Stopping() const;

    // Marks the gateway stopping and answers every live connection, for the caller to shut down;
    // nullopt when it was stopping already.
    [[nodiscard]] std::optional<std::vector<std::shared_ptr<Connection>>> BeginStop();

private:
    [[nodiscard]] std::shared_ptr<Connection> Find(const std::string& instance_id) const;

    mutable std::mutex mutex_;
    bool stopping_ = false;
    std::unordered_map<std::string, std::shared_ptr<Connection>> sessions_;
    std::unordered_map<const Connection*, std::weak_ptr<Connection>> connections_;
};

}  // namespace waka::coordinator::gateway
