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

// Update-channel policies (ADR 0009). At most one active policy per instance: creating one
// supersedes the active one; deleting supersedes without a successor. Superseded policies stay
// readable and can no longer change. Mutations append their audit entry in their transaction.
// Replacing, changing or deleting a manual_approval or frozen policy needs the admin role
// (domain::CheckPolicyChange, asked under the row lock): kPermissionDenied naming the rule, nothing
// stored.
namespace waka::coordinator::ports {

class PolicyRepository {
public:
    virtual ~PolicyRepository() = default;

    // Supersedes the instance's active policy, if any. kNotFound "Instance not found" (also for a
    // decommissioned instance).
    virtual boost::asio::awaitable<Expected<domain::PolicyRecord>> Create(
        const domain::Principal& by, domain::PolicyRecord record) = 0;
    // kNotFound "Policy not found".
    virtual boost::asio::awaitable<Expected<domain::PolicyRecord>> Get(std::string id) = 0;
    // Every policy of the instance (or of all instances when empty), active and superseded,
    // newest first.
    virtual boost::asio::awaitable<Expected<std::vector<domain::PolicyRecord>>> List(
        std::string instance_id) = 0;
    // The active policy, or nullopt: the instance follows the default policy.
    virtual boost::asio::awaitable<Expected<std::optional<domain::PolicyRecord>>> Active(
        std::string instance_id) = 0;
    // Replaces description and settings of an active policy. kNotFound; kConflict if superseded.
    virtual boost::asio::awaitable<Expected<domain::PolicyRecord>> Update(
        const domain::Principal& by, domain::PolicyRecord record) = 0;
    // Supersedes without successor. kNotFound; kConflict if already superseded.
    virtual boost::asio::awaitable<Expected<domain::PolicyRecord>> Delete(
        const domain::Principal& by, std::string id) = 0;
};

}  // namespace waka::coordinator::ports
