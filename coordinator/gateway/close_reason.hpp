#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "coordinator/gateway/gateway_server.hpp"

// The WebSocket close codes and reasons an agent sees (gateway_server.hpp lists them), in one place
// and free of Beast. Header-only: each is one line of text.
namespace waka::coordinator::gateway {

// The RFC 6455 §7.4.1 codes the gateway sends itself; the numbers are Beast's close_code values.
// 1009 (too big) is sent by Beast when a message exceeds max_pre_hello_bytes (before the Hello is
// accepted) or max_message_bytes.
enum class CloseCode : std::uint16_t {
    kGoingAway = 1001,
    kProtocolError = 1002,
    kUnknownData = 1003,
    kPolicyError = 1008,
};

inline constexpr std::string_view kShutdownReason = "coordinator shutting down";
inline constexpr std::string_view kReplacedReason = "replaced by a newer session";
inline constexpr std::string_view kQueueOverflowReason = "outbound queue overflow";
inline constexpr std::string_view kTextFrameReason = "text frames are not supported";
inline constexpr std::string_view kMalformedEnvelopeReason = "malformed envelope";
inline constexpr std::string_view kNoInstanceReason = "hello without instance_id";
inline constexpr std::string_view kRefusedReason = "refused";  // the directory gave no reason
// Not sent: the watchdog drops a connection whose closing handshake does not finish in time.
inline constexpr std::string_view kClosingTimeoutReason = "closing handshake timed out";

// "no hello within N s"
[[nodiscard]] inline std::string NoHelloReason(unsigned seconds) {
    return "no hello within " + std::to_string(seconds) + " s";
}
// "idle timeout: no frame for N s"
[[nodiscard]] inline std::string IdleTimeoutReason(unsigned seconds) {
    return "idle timeout: no frame for " + std::to_string(seconds) + " s";
}
// "unsupported protocol version N; this coordinator speaks <kProtocolVersion>"
[[nodiscard]] inline std::string UnsupportedVersionReason(std::uint32_t version) {
    return "unsupported protocol version " + std::to_string(version) +
           "; this coordinator speaks " + std::to_string(kProtocolVersion);
}
// "expected hello, got <body>"
[[nodiscard]] inline std::string ExpectedHelloReason(std::string_view body_name) {
    return "expected hello, got " + std::string(body_name);
}
// "unexpected <body> from agent"
[[nodiscard]] inline std::string UnexpectedMessageReason(std::string_view body_name) {
    return "unexpected " + std::string(body_name) + " from agent";
}

// The log's cause for a session the agent closed: "closed by agent code=N '<reason>'".
[[nodiscard]] inline std::string ClosedByAgentCause(std::uint16_t code, std::string_view reason) {
    return "closed by agent code=" + std::to_string(code) + " '" + std::string(reason) + "'";
}

// RFC 6455 §5.5: a close frame carries at most 125 bytes, 2 of them the code.
inline constexpr std::size_t kMaxCloseReasonBytes = 123;

// The reason cut to what a close frame can carry.
[[nodiscard]] inline std::string ClampCloseReason(std::string_view reason) {
    return std::string(reason.substr(0, kMaxCloseReasonBytes));
}

}  // namespace waka::coordinator::gateway
