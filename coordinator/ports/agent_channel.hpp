#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// The way to the agents (docs/design.md §6), as the use cases see it: plain instructions, no
// protobuf, no Beast. Implemented by the agent gateway (coordinator/gateway) and by test fakes.
namespace waka::coordinator::ports {

struct ComponentChange {
    std::string type;
    std::string name;
    std::string from_version;
    std::string to_version;  // empty: deactivate
    std::string artifact_sha256;
    std::uint64_t size = 0;
    std::string download_path;      // "/agent/v1/artifacts/<sha256>" on the gateway listener
    std::string release_statement;  // the publisher's signed statement, verbatim (ADR 0020)
    std::string release_signature;  // raw Ed25519 signature
};

// A publisher-signed floor, as forwarded (ADR 0022).
struct SignedFloor {
    std::string statement;  // canonical JSON, verbatim
    std::string signature;  // raw
};

struct Instruction {
    std::string op_id;  // the deployment id
    std::string kind;   // deploy | patch | rollback
    std::vector<ComponentChange> components;
    std::int64_t deadline_unix_seconds = 0;
    std::string configuration_json;
    std::vector<SignedFloor> floors;  // every floor in force
};

// Thread-safe: called from any thread; never blocks on the network (messages are queued on the
// agent's session, whose own strand writes them).
class AgentChannel {
public:
    virtual ~AgentChannel() = default;

    // Queues the instruction on the instance's session; false when its agent is not connected here.
    virtual bool Send(const std::string& instance_id, const Instruction& instruction) = 0;
    // Asks the agent to cancel op_id; false when its agent is not connected here.
    virtual bool SendCancel(const std::string& instance_id, const std::string& op_id) = 0;
    // Closes the instance's session at once with the reason (decommission, ADR 0034); false when
    // its agent is not connected here.
    virtual bool Disconnect(const std::string& instance_id, const std::string& reason) = 0;
    [[nodiscard]] virtual bool IsConnected(const std::string& instance_id) const = 0;
    [[nodiscard]] virtual std::size_t ConnectedCount() const = 0;
};

}  // namespace waka::coordinator::ports
