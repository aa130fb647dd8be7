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
    bool include_decommissioned = false;
    std::size_t limit = 100;
    std::optional<std::string> after_id;  // cursor: the last id of the previous page
};

enum class AgentAuth { kRefused, kCredential, kEnrolled };

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
    // Sets decommissioned_at and clears the enrollment token and credential, so the agent can no
    // longer connect. kNotFound; kConflict when already decommissioned.
    virtual boost::asio::awaitable<Expected<domain::Instance>> Decommission(
        const domain::Principal& by, std::string id) = 0;

    // Agent side. Hashes are SHA-256 hex of the secrets; secrets never reach here.
    virtual boost::asio::awaitable<Expected<AgentAuth>> AuthenticateAgent(
        const std::string& instance_id, const std::string& secret_hash,
        const std::string& new_credential_hash) = 0;
    virtual boost::asio::awaitable<Expected<bool>> CheckCredential(
        const std::string& instance_id, const std::string& credential_hash) = 0;
    virtual boost::asio::awaitable<Expected<void>> RecordConnected(
        const std::string& instance_id, const std::string& session_id,
        const std::string& agent_version,
        const std::vector<domain::InstalledComponent>& inventory) = 0;
    virtual boost::asio::awaitable<Expected<void>> RecordDisconnected(
        const std::string& instance_id, const std::string& session_id) = 0;
    virtual boost::asio::awaitable<Expected<void>> RecordSeen(const std::string& instance_id) = 0;
    virtual boost::asio::awaitable<Expected<void>> RecordInventory(
        const std::string& instance_id,
        const std::vector<domain::InstalledComponent>& inventory) = 0;
};

}  // namespace waka::coordinator::ports
