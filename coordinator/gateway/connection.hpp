#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "coordinator/gateway/close_reason.hpp"
#include "coordinator/gateway/wire.hpp"
#include "shared/net/peer_gate.hpp"

// Internal to the gateway: the boundary between its Beast-free parts (listener, session registry,
// agent session, artifact decisions) and connection.cpp, the one translation unit that
// instantiates Beast.
namespace waka::coordinator::gateway {

struct GatewayContext;

// One accepted connection as the registry sees it. Thread-safe: every call posts to the
// connection's strand.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    virtual ~Connection() = default;
    // Queues a message on the agent session; dropped once the session is closing or gone.
    virtual void PostSend(OutboundMessage message) = 0;
    // Closes the agent session with this code and reason.
    virtual void PostClose(CloseCode code, std::string reason) = 0;
    // Stop(): a WebSocket is closed with going_away ("coordinator shutting down"); a connection
    // still in TLS or HTTP is dropped.
    virtual void PostShutdown() = 0;
};

// Serves an accepted socket, whose executor must be a strand, until it closes: TLS, then HTTP
// requests (artifact downloads, keep-alive) or one upgrade to the agent WebSocket. The connection
// tracks itself in context->registry for its whole life and holds slot (its address's place in
// the per-address cap) until it is destroyed. Throws only what allocation throws.
void StartConnection(std::shared_ptr<GatewayContext> context, boost::asio::ip::tcp::socket socket,
                     net::ConnectionSlot slot);

}  // namespace waka::coordinator::gateway
