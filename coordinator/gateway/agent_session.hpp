#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "coordinator/gateway/close_reason.hpp"
#include "coordinator/gateway/wire.hpp"

namespace waka::coordinator::gateway {

struct GatewayContext;
class Connection;

// What the agent protocol needs from its WebSocket connection. Called on the connection's strand.
class SessionLink {
public:
    virtual ~SessionLink() = default;
    // Queues a message for the writer; dropped once the session is closing (the outbound bound
    // closes the session on overflow).
    virtual void Enqueue(OutboundMessage message) = 0;
    // Starts the closing handshake, once; flush_queue sends what is queued before the close.
    virtual void RequestClose(CloseCode code, std::string_view reason, bool flush_queue) = 0;
    // Unless something moves the deadline again, the session is closed with `reason` (policy
    // error) after `seconds`.
    virtual void SetDeadline(unsigned seconds, std::string reason) = 0;
    // True once a close was requested.
    [[nodiscard]] virtual bool Closing() const = 0;
    // The Hello was accepted: messages may be max_message_bytes from now on instead of
    // max_pre_hello_bytes. Called before the Welcome is queued.
    virtual void HelloAccepted() = 0;
};

// The agent protocol of one WebSocket session (docs/design.md §6): the first frame must be a Hello,
// which the directory authenticates; an accepted agent becomes its instance's session (replacing an
// older one) and is welcomed, and its later messages go to the directory. Protocol violations
// close the session with the reasons of close_reason.hpp. Runs on the connection's strand; not
// thread-safe. Free of Beast: the connection owns the WebSocket and this object.
class AgentSession {
public:
    // context, link and connection must outlive the session: the connection is the link, holds
    // the context and owns the session.
    AgentSession(GatewayContext& context, SessionLink& link, Connection& connection,
                 std::string peer);

    // One binary frame from the agent; bytes stay valid until the awaitable completes.
    boost::asio::awaitable<void> AsyncHandleFrame(std::string_view bytes);
    // A frame arrived: the idle deadline of an open session starts again.
    void OnFrame();
    // The connection ended: unregisters the session and tells the directory, once; nothing when
    // the agent was never welcomed. cause goes to the log.
    boost::asio::awaitable<void> AsyncClosed(const std::string& cause);

    // The client certificate the TLS handshake verified (ADR 0034); set before the first frame.
    void SetPeerCertificate(std::optional<ports::PeerCertificate> certificate) {
        peer_certificate_ = std::move(certificate);
    }

    // Empty until the Hello was accepted.
    [[nodiscard]] const std::string& instance_id() const { return instance_id_; }
    [[nodiscard]] const std::string& session_id() const { return session_id_; }

private:
    enum class State { kAwaitingHello, kOpen };

    boost::asio::awaitable<void> AsyncHello(ports::AgentHello& hello);
    boost::asio::awaitable<void> AsyncDispatch(const InboundMessage& message);
    // Frames are handled one after the other, so one renewal at a time; how often one instance
    // may renew is the directory's bound.
    boost::asio::awaitable<void> AsyncRenewCertificate(const std::string& request_pem);
    void RestartIdleDeadline();

    GatewayContext& context_;
    SessionLink& link_;
    Connection& connection_;
    std::string peer_;
    State state_ = State::kAwaitingHello;
    std::string instance_id_;
    std::string session_id_;
    bool registered_ = false;
    std::optional<ports::PeerCertificate> peer_certificate_;
};

}  // namespace waka::coordinator::gateway
