#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "agent/model/messages.hpp"

// The link's own message forms: what a coordinator-to-agent frame decodes to. The messages the
// daemon sees are in agent/model/messages.hpp; the protobuf types never leave agent/link.
namespace waka::agent::link {

// The protocol version this build speaks (Envelope.protocol_version).
inline constexpr std::uint32_t kProtocolVersion = 1;

struct CancelData {
    std::string op_id;
};

struct CertificateData {
    std::string certificate;  // PEM
};

struct ErrorData {
    std::string code;
    std::string detail;
};

// A message the coordinator may send to an agent.
using Inbound = std::variant<model::WelcomeData, model::InstructionData, CancelData, ErrorData,
                             CertificateData>;

}  // namespace waka::agent::link
