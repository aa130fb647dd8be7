#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <optional>

#include "coordinator/ports/agent_channel.hpp"
#include "coordinator/ports/agent_events.hpp"
#include "shared/core/error.hpp"
#include "shared/net/peer_gate.hpp"

namespace waka::coordinator::gateway {

struct GatewayContext;

// The gateway's TLS listener: loads the certificate and key into the context, binds, and hands
// every accepted socket (on a strand of its own) to a connection. Start() and Stop() may be called
// from any thread; the accept loop runs on the acceptor's strand and keeps the listener alive.
// listener.cpp also implements GatewayServer (gateway_server.hpp): a listener and the context
// its connections share.
class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(boost::asio::io_context& io, std::shared_ptr<GatewayContext> context);

    // Checks the limits, loads TLS, binds and listens; answers the bound port. Once only. The
    // connections' messages go to `directory`.
    [[nodiscard]] Expected<std::uint16_t> Start(ports::AgentEvents& directory);
    // Closes the listener and shuts every connection down (idempotent).
    void Stop();

private:
    static boost::asio::awaitable<void> AsyncAccept(std::shared_ptr<Listener> self);
    [[nodiscard]] Expected<void> Listen();
    // The peer gate's verdict (allowed networks, per-address limits): the connection's slot, or
    // nullopt after counting and logging the refusal.
    [[nodiscard]] std::optional<net::ConnectionSlot> Admit(
        const boost::asio::ip::address& peer) const;

    boost::asio::io_context& io_;
    std::shared_ptr<GatewayContext> context_;
    boost::asio::ip::tcp::acceptor acceptor_;  // used on its strand only, after Start()
    std::atomic<bool> started_{false};
};

}  // namespace waka::coordinator::gateway
