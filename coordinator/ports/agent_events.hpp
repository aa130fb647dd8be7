#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "coordinator/ports/agent_channel.hpp"
#include "shared/core/error.hpp"

// What agents tell the coordinator (docs/design.md §6), as plain messages, and the AgentEvents
// interface the gateway calls with them. Implemented by deploy::AgentSessions; free of Beast and
// protobuf.
namespace waka::coordinator::ports {

// The client certificate the gateway's TLS handshake verified against the agent CA (ADR 0034).
struct PeerCertificate {
    std::string instance_id;  // its subject CN
    std::string serial;       // lower-case hex
};

struct AgentHello {
    std::string instance_id;
    std::string agent_version;
    std::string credential;  // long-lived credential or one-time enrollment token; never logged
    std::vector<domain::InstalledComponent> inventory;
    std::string in_flight_op_id;
    std::string peer;                                 // remote address, for logs
    std::string certificate_request;                  // PEM CSR, or empty
    std::optional<PeerCertificate> peer_certificate;  // set by the gateway from the handshake
};

struct HelloDecision {
    bool accepted = false;
    std::string reason;               // close reason when refused (no secrets)
    std::string new_credential;       // set when an enrollment token was exchanged for a credential
    std::vector<SignedFloor> floors;  // every floor in force, sent in the Welcome (ADR 0022)
    std::string certificate;          // PEM client certificate issued for the Hello's request
};

enum class AgentOutcome { kSucceeded, kFailed, kRolledBack };

struct AgentProgress {
    std::string op_id;
    std::string step;
    std::string component;
    std::uint64_t bytes_done = 0;
    std::uint64_t bytes_total = 0;
};

struct AgentResult {
    std::string op_id;
    AgentOutcome outcome = AgentOutcome::kFailed;
    std::string error;
    std::vector<domain::InstalledComponent> inventory;
};

// The gateway calls these from the agent session's strand and awaits them; implementations run
// database work on the DB pool, never block the caller, and never throw.
class AgentEvents {
public:
    virtual ~AgentEvents() = default;

    // Decides whether the agent may connect: a valid credential for instance_id, or a valid unused
    // enrollment token (then consumed, and a new credential answered).
    virtual boost::asio::awaitable<HelloDecision> Authenticate(const AgentHello& hello) = 0;
    // After Welcome was sent: records the connection and dispatches pending work (re-sends an
    // unfinished instruction: delivery is at-least-once).
    virtual boost::asio::awaitable<void> OnConnected(const AgentHello& hello,
                                                     const std::string& session_id) = 0;
    virtual boost::asio::awaitable<void> OnDisconnected(const std::string& instance_id,
                                                        const std::string& session_id) = 0;
    virtual boost::asio::awaitable<void> OnHeartbeat(const std::string& instance_id) = 0;
    virtual boost::asio::awaitable<void> OnInventory(
        const std::string& instance_id,
        const std::vector<domain::InstalledComponent>& inventory) = 0;
    virtual boost::asio::awaitable<void> OnAck(const std::string& instance_id,
                                               const std::string& op_id) = 0;
    virtual boost::asio::awaitable<void> OnProgress(const std::string& instance_id,
                                                    const AgentProgress& progress) = 0;
    virtual boost::asio::awaitable<void> OnResult(const std::string& instance_id,
                                                  const AgentResult& result) = 0;
    // An open session asks for a renewed client certificate (ADR 0034): the PEM certificate, or
    // an error whose message the agent is told (kInvalidArgument for a bad request, kConflict when
    // renewing again this soon, kPermissionDenied when no agent CA is configured).
    virtual boost::asio::awaitable<Expected<std::string>> RenewCertificate(
        const std::string& instance_id, const std::string& request_pem) = 0;

    // Artifact downloads on the gateway listener (GET /agent/v1/artifacts/<sha256> with headers
    // "X-Waka-Instance: <id>" and "Authorization: Bearer <credential>").
    virtual boost::asio::awaitable<bool> CheckCredential(const std::string& instance_id,
                                                         const std::string& credential) = 0;
    // Whether the (authenticated) instance may download the artifact: only one named by the plan
    // of a deployment its agent is carrying out (ADR 0024). An error is the database's.
    virtual boost::asio::awaitable<Expected<bool>> MayDownload(const std::string& instance_id,
                                                               const std::string& sha256) = 0;
    // The stored file of an artifact, or kNotFound.
    virtual boost::asio::awaitable<Expected<std::filesystem::path>> ArtifactPath(
        const std::string& sha256) = 0;
};

}  // namespace waka::coordinator::ports
