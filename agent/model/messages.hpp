#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/model/operation.hpp"

// Plain forms of the protocol messages (docs/design.md §6) the agent's channel to the coordinator
// carries to and from the daemon. The protobuf types never leave agent/link.
namespace waka::agent::model {

struct HelloData {
    std::string instance_id;
    std::string agent_version;
    std::string credential;  // stored credential, else the enrollment token; never logged
    std::vector<InstalledComponent> inventory;
    std::string in_flight_op_id;
    std::string certificate_request;  // PEM CSR while no client certificate is stored (ADR 0034)
};

struct WelcomeData {
    std::string session_id;
    std::uint32_t heartbeat_seconds = 0;  // 0: keep the configured default
    std::string credential;               // set only on enrollment
    std::vector<SignedFloor> floors;      // every floor in force (ADR 0022)
    std::string certificate;              // PEM, issued for the Hello's certificate_request
};

struct InstructionData {
    Operation operation;
    std::int64_t deadline_unix_seconds = 0;  // 0: none
};

}  // namespace waka::agent::model
