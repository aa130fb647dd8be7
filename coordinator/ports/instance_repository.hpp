#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "coordinator/domain/selector.hpp"
#include "shared/core/error.hpp"

// Registered instances: the operator's side (register, list, decommission) and the agent's
// (enrollment, credentials, connection state, inventory). Mutations append their audit entry in
// their transaction.
namespace waka::coordinator::ports {

struct NewInstance {
    std::string id;  // operator-chosen, valid (checked by the caller)
    std::map<std::string, std::string> labels;
    std::string enrollment_token_hash;  // hex SHA-256 of the one-time token; never the token
    TimePoint enrollment_expires_at;
};

struct InstanceFilter {
    std::map<std::string, std::string> labels;  // every pair must match
    std::optional<domain::Selector> selector;   // and this selector too (ADR 0036)
    bool include_decommissioned = false;
    std::size_t limit = 100;
    std::optional<std::string> after_id;  // cursor: the last id of the previous page
};

// A client certificate of an agent (ADR 0034), as recorded.
struct AgentCertificateRecord {
    std::string serial;  // lower-case hex
    TimePoint not_after;
};

// One agent's Hello, as the repository checks it in one transaction.
struct AgentLogin {
    std::string instance_id;
    std::string secret_hash;          // of the Hello's credential or enrollment token
    std::string new_credential_hash;  // stored when an enrollment token is exchanged
    // The serial of the client certificate the TLS handshake verified: it must be one issued to
    // this instance and not revoked. Accepting it revokes the instance's older certificates.
    std::optional<std::string> presented_serial;
    std::optional<AgentCertificateRecord> issued;  // recorded when the login is accepted
    // A credential alone does not do: only an enrollment may come without a certificate.
    bool credential_needs_certificate = false;
};

// kCertificateRevoked: the presented certificate is revoked or not this instance's;
// kCertificateRequired: a valid credential, but credential_needs_certificate.
enum class AgentAuth {
    kRefused,
    kCredential,
    kEnrolled,
    kCertificateRevoked,
    kCertificateRequired
};

class InstanceRepository {
public:
    virtual ~InstanceRepository() = default;

    // kConflict when the id is taken (decommissioned instances keep their id).
    virtual boost::asio::awaitable<Expected<domain::Instance>> Create(const domain::Principal& by,
                                                                      NewInstance instance) = 0;
    // kNotFound "Instance not found".
    virtual boost::asio::awaitable<Expected<domain::Instance>> Get(std::string id) = 0;
    // Ordered by id.
    virtual boost::asio::awaitable<Expected<std::vector<domain::Instance>>> List(
        InstanceFilter filter) = 0;
    // Sets decommissioned_at, clears the enrollment token and credential and revokes every client
    // certificate, so the agent can no longer connect. kNotFound; kConflict when already
    // decommissioned.
    virtual boost::asio::awaitable<Expected<domain::Instance>> Decommission(
        const domain::Principal& by, std::string id) = 0;
    // Replaces the whole label set (valid, checked by the caller) and appends the audit entry
    // instance.labels.update {"before": {...}, "after": {...}} in the same transaction. kNotFound;
    // kConflict when the instance is decommissioned.
    virtual boost::asio::awaitable<Expected<domain::Instance>> ReplaceLabels(
        const domain::Principal& by, std::string id, std::map<std::string, std::string> labels) = 0;

    // Agent side. Hashes are SHA-256 hex of the secrets; secrets never reach here.
    virtual boost::asio::awaitable<Expected<AgentAuth>> AuthenticateAgent(
        const AgentLogin& login) = 0;
    // Records a renewed client certificate of an active instance. kNotFound when the instance is
    // unknown or decommissioned; kConflict when it was issued one after `not_renewed_since`
    // (renewing again this soon: a bound on what one agent can make the CA sign).
    virtual boost::asio::awaitable<Expected<void>> RecordCertificate(
        const std::string& instance_id, const AgentCertificateRecord& issued,
        TimePoint not_renewed_since) = 0;
    virtual boost::asio::awaitable<Expected<bool>> CheckCredential(
        const std::string& instance_id, const std::string& credential_hash) = 0;
    virtual boost::asio::awaitable<Expected<void>> RecordConnected(
        const std::string& instance_id, const std::string& session_id,
        const std::string& agent_version,
        const std::vector<domain::InstalledComponent>& inventory) = 0;
    virtual boost::asio::awaitable<Expected<void>> RecordDisconnected(
        const std::string& instance_id, const std::string& session_id) = 0;
    // last_seen_at = now for every one of instance_ids, in one statement (coalesced heartbeats).
    virtual boost::asio::awaitable<Expected<void>> RecordSeen(
        const std::vector<std::string>& instance_ids) = 0;
    virtual boost::asio::awaitable<Expected<void>> RecordInventory(
        const std::string& instance_id,
        const std::vector<domain::InstalledComponent>& inventory) = 0;
};

}  // namespace waka::coordinator::ports
