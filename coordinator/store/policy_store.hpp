#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/policy/decision.hpp"
#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// Update-channel policies in PostgreSQL (ADR 0009). At most one active policy per instance: the
// active one has no superseded_at. Creating a policy supersedes the active one; deleting sets
// superseded_at without a successor. Superseded policies stay readable and can no longer change.
// Every mutation appends its audit entry in its own transaction.
namespace waka::coordinator::store {

struct PolicyRecord {
    std::string id;  // "policy-<uuid>", made by Create
    std::string instance_id;
    std::string description;
    policy::Policy settings;  // validated by the caller
    std::string created_by;
    TimePoint created_at;
    TimePoint updated_at;
    std::optional<TimePoint> superseded_at;
};

class PolicyStore {
public:
    PolicyStore(db::Database& database, const Clock& clock);

    // Supersedes the instance's active policy, if any. kNotFound "Instance not found" (also for a
    // decommissioned instance).
    boost::asio::awaitable<Expected<PolicyRecord>> Create(const Principal& by, PolicyRecord record);
    // kNotFound "Policy not found".
    boost::asio::awaitable<Expected<PolicyRecord>> Get(std::string id);
    // Every policy of the instance (or of all instances when empty), active and superseded,
    // newest first.
    boost::asio::awaitable<Expected<std::vector<PolicyRecord>>> List(std::string instance_id);
    // The active policy, or nullopt: the instance follows the default policy.
    boost::asio::awaitable<Expected<std::optional<PolicyRecord>>> Active(std::string instance_id);
    // Replaces description and settings of an active policy. kNotFound; kConflict if superseded.
    boost::asio::awaitable<Expected<PolicyRecord>> Update(const Principal& by, PolicyRecord record);
    // Supersedes without successor. kNotFound; kConflict if already superseded.
    boost::asio::awaitable<Expected<PolicyRecord>> Delete(const Principal& by, std::string id);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
