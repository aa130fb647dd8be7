#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "agent/install/operation.hpp"

// Plain forms of the protocol messages (DESIGN §6) the link exchanges with the daemon. The protobuf
// types never leave agent/link.
namespace waka::agent::link {

// The protocol version this build speaks (Envelope.protocol_version).
inline constexpr std::uint32_t kProtocolVersion = 1;

struct HelloData {
    std::string instance_id;
    std::string agent_version;
    std::string credential;  // stored credential, else the enrollment token; never logged
    std::vector<install::InstalledComponent> inventory;
    std::string in_flight_op_id;
};

struct WelcomeData {
    std::string session_id;
    std::uint32_t heartbeat_seconds = 0;  // 0: keep the configured default
    std::string credential;               // set only on enrollment
};

struct InstructionData {
    install::Operation operation;
    std::int64_t deadline_unix_seconds = 0;  // 0: none
};

struct CancelData {
    std::string op_id;
};

struct ErrorData {
    std::string code;
    std::string detail;
};

// A message the coordinator may send to an agent.
using Inbound = std::variant<WelcomeData, InstructionData, CancelData, ErrorData>;

}  // namespace waka::agent::link
