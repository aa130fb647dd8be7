#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "coordinator/ports/agent_channel.hpp"
#include "coordinator/ports/agent_events.hpp"
#include "shared/core/error.hpp"

namespace waka::net {
class PeerGate;
}  // namespace waka::net

namespace waka::coordinator::gateway {

struct GatewayOptions {
    std::string address = "0.0.0.0";
    std::uint16_t port = 8443;        // 0: pick a free port (tests)
    std::filesystem::path cert_file;  // PEM server certificate chain
    std::filesystem::path key_file;   // PEM private key
    // The agent CA certificates client certificates are checked against (ADR 0034; several
    // during a CA rotation). Empty: no client certificate is asked for.
    std::filesystem::path client_ca_file;
    // Artifact downloads need a client certificate naming their X-Waka-Instance (the sessions'
    // rule is the directory's).
    bool require_client_certificate = false;
    unsigned heartbeat_seconds = 15;          // told to agents in Welcome
    unsigned handshake_timeout_seconds = 10;  // TLS + WebSocket handshake + Hello
    unsigned idle_timeout_seconds = 60;       // no frame from the agent for this long: close
    std::size_t max_message_bytes = 1 << 20;  // per WebSocket message once Hello is accepted
    // Per message until the Hello is accepted (at most max_message_bytes): an unauthenticated
    // peer cannot make the gateway buffer 1 MiB.
    std::size_t max_pre_hello_bytes = 64 * 1024;
    std::size_t max_queued_messages = 256;  // per session outbound bound; overflow closes it
    // Optional: who may connect (gateway.allowed_networks, the per-address connection cap and
    // handshake rate); others are closed right after accept, before TLS.
    std::shared_ptr<net::PeerGate> peer_gate;
};

// The agent gateway: one TLS listener serving the WebSocket endpoint /agent/v1/connect (protobuf
// Envelopes, docs/design.md §6) and artifact downloads GET /agent/v1/artifacts/<sha256> (Range
// supported). A strand per connection, one writer per WebSocket, a deadline on every step. Garbage
// frames, a wrong protocol version, a refused Hello or an idle peer close that connection only,
// with a reason. A second session for the same instance replaces the first.
//
// Close codes and reasons an agent sees (WebSocket close frame):
//   1008 policy_error   the directory's refusal reason; "unsupported protocol version N; this
//                       coordinator speaks 1" (after an Error{unsupported_protocol_version});
//                       "replaced by a newer session"; "no hello within N s";
//                       "idle timeout: no frame for N s"; "outbound queue overflow"
//   1002 protocol_error "malformed envelope"; "expected hello, got X"; "unexpected X from agent"
//   1003 unknown_data   "text frames are not supported"
//   1009 too_big        a message over max_pre_hello_bytes before the Hello is accepted, over
//                       max_message_bytes after
//   1001 going_away     "coordinator shutting down"
// A refused agent should back off before reconnecting; a replaced one should not fight back.
// Artifact errors are JSON {"detail", "code"}: 400 invalid_sha256, 401 unauthenticated,
// 404 artifact_not_found / not_found, 405, 416 range_not_satisfiable (Content-Range: bytes */size),
// 426 upgrade_required (plain GET of the connect path), 503 artifact_store_unavailable.
//
// Lifetime: the io_context and the directory must outlive every connection; stop the io_context
// (or let it drain after Stop()) before destroying the directory. A thread pool whose completions
// resume connection coroutines (the database pool) must be joined before the io_context is
// destroyed: a completion arriving after it would destroy a connection without its services.
class GatewayServer final : public ports::AgentChannel {
public:
    GatewayServer(boost::asio::io_context& io, GatewayOptions options);
    ~GatewayServer() override;
    GatewayServer(const GatewayServer&) = delete;
    GatewayServer& operator=(const GatewayServer&) = delete;

    // Loads the certificate and key, binds and listens; answers the bound port. Agents' messages go
    // to `directory`, which must outlive the gateway's connections.
    [[nodiscard]] Expected<std::uint16_t> Start(ports::AgentEvents& directory);
    // Closes the listener and every session with the reason "coordinator shutting down".
    void Stop();
    // Reads the certificate and key files again (SIGHUP): new connections use them, open sessions
    // keep theirs. On failure the identity in use stays and the error says why. Thread-safe.
    [[nodiscard]] Expected<void> ReloadTls();

    // ports::AgentChannel: thread-safe; a message for an instance not connected here is refused.
    bool Send(const std::string& instance_id, const ports::Instruction& instruction) override;
    bool SendCancel(const std::string& instance_id, const std::string& op_id) override;
    bool Disconnect(const std::string& instance_id, const std::string& reason) override;
    [[nodiscard]] bool IsConnected(const std::string& instance_id) const override;
    [[nodiscard]] std::size_t ConnectedCount() const override;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// The protocol version this build speaks; an Envelope with another is refused.
inline constexpr std::uint32_t kProtocolVersion = 1;

}  // namespace waka::coordinator::gateway
