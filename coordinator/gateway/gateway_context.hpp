#pragma once

#include "coordinator/gateway/gateway_server.hpp"
#include "coordinator/gateway/session_registry.hpp"
#include "coordinator/ports/agent_channel.hpp"
#include "coordinator/ports/agent_events.hpp"
#include "shared/net/tls_server.hpp"

namespace waka::coordinator::gateway {

// What every connection of one gateway shares. Connections hold it by shared_ptr, so it outlives
// them; the directory must outlive it (GatewayServer's contract).
struct GatewayContext {
    explicit GatewayContext(GatewayOptions options_in)
        : options(std::move(options_in)),
          tls(net::TlsServerFiles{options.cert_file, options.key_file, "gateway TLS",
                                  options.client_ca_file}) {}

    // Set by GatewayServer::Start before the first accept; only read after that.
    [[nodiscard]] ports::AgentEvents& Directory() const { return *directory; }

    const GatewayOptions options;
    ports::AgentEvents* directory = nullptr;
    // Loaded by the listener before the first accept, reloaded on SIGHUP (ReloadTls).
    net::ReloadableTlsServer tls;
    SessionRegistry registry;
};

}  // namespace waka::coordinator::gateway
