#pragma once

#include <boost/asio/ssl/context.hpp>

#include "coordinator/gateway/agent_directory.hpp"
#include "coordinator/gateway/gateway_server.hpp"
#include "coordinator/gateway/session_registry.hpp"

namespace waka::coordinator::gateway {

// What every connection of one gateway shares. Connections hold it by shared_ptr, so it outlives
// them; the directory must outlive it (GatewayServer's contract).
struct GatewayContext {
    GatewayContext(GatewayOptions options_in, AgentDirectory& directory_in)
        : options(std::move(options_in)),
          directory(directory_in),
          tls(boost::asio::ssl::context::tls_server) {}

    const GatewayOptions options;
    AgentDirectory& directory;
    // Loaded by the listener before the first accept; only read (by handshakes) after that.
    boost::asio::ssl::context tls;
    SessionRegistry registry;
};

}  // namespace waka::coordinator::gateway
