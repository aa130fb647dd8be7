#include "coordinator/gateway/agent_session.hpp"

#include <memory>

#include "coordinator/gateway/connection.hpp"
#include "coordinator/gateway/gateway_context.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::gateway {

namespace asio = boost::asio;

AgentSession::AgentSession(GatewayContext& context, SessionLink& link, Connection& connection,
                           std::string peer)
    : context_(context), link_(link), connection_(connection), peer_(std::move(peer)) {}

void AgentSession::OnFrame() {
    if (state_ == State::kOpen) {
        RestartIdleDeadline();
    }
}

void AgentSession::RestartIdleDeadline() {
    const unsigned idle = context_.options.idle_timeout_seconds;
    link_.SetDeadline(idle, IdleTimeoutReason(idle));
}

asio::awaitable<void> AgentSession::AsyncHandleFrame(std::string_view bytes) {
    auto decoded = DecodeAgentEnvelope(bytes);
    if (!decoded) {
        link_.RequestClose(CloseCode::kProtocolError, decoded.error().message, false);
        co_return;
    }
    InboundMessage& message = *decoded;
    if (message.protocol_version != kProtocolVersion) {
        const std::string reason = UnsupportedVersionReason(message.protocol_version);
        link_.Enqueue(ErrorMessage{"unsupported_protocol_version", reason});
        link_.RequestClose(CloseCode::kPolicyError, reason, true);
        co_return;
    }
    if (state_ == State::kAwaitingHello) {
        if (message.kind != InboundKind::kHello) {
            link_.RequestClose(CloseCode::kProtocolError, ExpectedHelloReason(message.body_name),
                               false);
            co_return;
        }
        co_await AsyncHello(message.hello);
        co_return;
    }
    co_await AsyncDispatch(message);
}

asio::awaitable<void> AgentSession::AsyncHello(ports::AgentHello& hello) {
    hello.peer = peer_;
    hello.peer_certificate = peer_certificate_;
    if (hello.instance_id.empty()) {
        link_.RequestClose(CloseCode::kPolicyError, kNoInstanceReason, false);
        co_return;
    }
    const ports::HelloDecision decision = co_await context_.Directory().Authenticate(hello);
    if (link_.Closing()) {
        co_return;  // shut down while the directory was deciding
    }
    if (!decision.accepted) {
        log::Info("agent refused instance_id={} peer={} reason={}", hello.instance_id, peer_,
                  decision.reason);
        link_.RequestClose(CloseCode::kPolicyError,
                           decision.reason.empty() ? kRefusedReason : decision.reason, false);
        co_return;
    }
    instance_id_ = hello.instance_id;
    session_id_ = NewId("session");
    std::shared_ptr<Connection> replaced;
    if (!context_.registry.Register(instance_id_, connection_.shared_from_this(), replaced)) {
        link_.RequestClose(CloseCode::kGoingAway, kShutdownReason, false);
        co_return;
    }
    registered_ = true;
    link_.HelloAccepted();
    if (replaced) {
        replaced->PostClose(CloseCode::kPolicyError, std::string(kReplacedReason));
    }
    link_.Enqueue(WelcomeMessage{session_id_, context_.options.heartbeat_seconds,
                                 decision.new_credential, decision.floors, decision.certificate});
    state_ = State::kOpen;
    RestartIdleDeadline();
    log::Info("agent session opened instance_id={} session_id={} peer={} agent_version={}",
              instance_id_, session_id_, peer_, hello.agent_version);
    co_await context_.Directory().OnConnected(hello, session_id_);
}

asio::awaitable<void> AgentSession::AsyncDispatch(const InboundMessage& message) {
    ports::AgentEvents& directory = context_.Directory();
    switch (message.kind) {
        case InboundKind::kHeartbeat:
            co_await directory.OnHeartbeat(instance_id_);
            co_return;
        case InboundKind::kInventory:
            co_await directory.OnInventory(instance_id_, message.inventory);
            co_return;
        case InboundKind::kAck:
            co_await directory.OnAck(instance_id_, message.op_id);
            co_return;
        case InboundKind::kProgress:
            co_await directory.OnProgress(instance_id_, message.progress);
            co_return;
        case InboundKind::kResult:
            co_await directory.OnResult(instance_id_, message.result);
            co_return;
        case InboundKind::kCertificateRequest:
            co_await AsyncRenewCertificate(message.certificate_request);
            co_return;
        case InboundKind::kEmpty:
            link_.RequestClose(CloseCode::kProtocolError, kMalformedEnvelopeReason, false);
            co_return;
        case InboundKind::kHello:
        case InboundKind::kCoordinatorOnly:
            break;
    }
    link_.RequestClose(CloseCode::kProtocolError, UnexpectedMessageReason(message.body_name),
                       false);
}

asio::awaitable<void> AgentSession::AsyncRenewCertificate(const std::string& request_pem) {
    auto issued = co_await context_.Directory().RenewCertificate(instance_id_, request_pem);
    if (!issued) {
        log::Warn("agent certificate renewal refused instance_id={} reason=\"{}\"", instance_id_,
                  issued.error().message);
        link_.Enqueue(ErrorMessage{"certificate_refused", issued.error().message});
        co_return;
    }
    link_.Enqueue(CertificateMessage{std::move(*issued)});
}

asio::awaitable<void> AgentSession::AsyncClosed(const std::string& cause) {
    if (!registered_) {
        co_return;
    }
    registered_ = false;
    context_.registry.Unregister(instance_id_, &connection_);
    log::Info("agent session closed instance_id={} session_id={} peer={} reason={}", instance_id_,
              session_id_, peer_, cause);
    co_await context_.Directory().OnDisconnected(instance_id_, session_id_);
}

}  // namespace waka::coordinator::gateway
