#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "coordinator/ports/agent_channel.hpp"
#include "coordinator/ports/agent_events.hpp"
#include "shared/core/error.hpp"

// Conversion between the protobuf Envelope (docs/design.md §6) and the gateway's plain structs. The
// only place of the gateway that includes generated code, so that Beast and protobuf never meet in
// one translation unit. Pure functions, thread-safe.
namespace waka::coordinator::gateway {

enum class InboundKind {
    kEmpty,  // no body set: malformed
    kHello,
    kHeartbeat,
    kInventory,
    kAck,
    kProgress,
    kResult,
    kCertificateRequest,
    kCoordinatorOnly,  // a coordinator -> agent body (welcome, instruction, cancel, error)
};

// One decoded agent -> coordinator Envelope; only the member matching kind is filled.
struct InboundMessage {
    std::uint32_t protocol_version = 0;
    std::uint64_t seq = 0;
    InboundKind kind = InboundKind::kEmpty;
    std::string body_name;    // "hello", "ack", ... for logs and close reasons
    ports::AgentHello hello;  // peer left empty
    std::vector<domain::InstalledComponent> inventory;
    std::string op_id;  // kAck
    ports::AgentProgress progress;
    ports::AgentResult result;
    std::string certificate_request;  // kCertificateRequest: PEM CSR
};

// Fails with kProtocol when the bytes are not an Envelope or a Result carries no outcome.
[[nodiscard]] Expected<InboundMessage> DecodeAgentEnvelope(std::string_view bytes);

struct WelcomeMessage {
    std::string session_id;
    unsigned heartbeat_seconds = 0;
    std::string credential;  // empty unless an enrollment token was exchanged
    std::vector<ports::SignedFloor> floors;
    std::string certificate;  // PEM client certificate issued for the Hello's request, if any
};
struct CertificateMessage {
    std::string certificate;  // PEM, the answer to an in-session CertificateRequest
};
struct CancelMessage {
    std::string op_id;
};
struct ErrorMessage {
    std::string code;
    std::string detail;
};
using OutboundMessage = std::variant<WelcomeMessage, ports::Instruction, CancelMessage,
                                     ErrorMessage, CertificateMessage>;

// Serialises one coordinator -> agent Envelope with protocol_version = kProtocolVersion.
[[nodiscard]] std::string EncodeOutbound(const OutboundMessage& message, std::uint64_t seq);

}  // namespace waka::coordinator::gateway
