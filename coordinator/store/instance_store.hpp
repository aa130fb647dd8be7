#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// Registered instances in PostgreSQL. Every method runs one transaction on the database pool;
// mutations append their audit entry in that transaction.
namespace waka::coordinator::store {

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

class InstanceStore {
public:
    InstanceStore(db::Database& database, const Clock& clock);

    // kConflict when the id is taken (decommissioned instances keep their id).
    boost::asio::awaitable<Expected<Instance>> Create(const Principal& by, NewInstance instance);
    // kNotFound "Instance not found".
    boost::asio::awaitable<Expected<Instance>> Get(std::string id);
    // Ordered by id.
    boost::asio::awaitable<Expected<std::vector<Instance>>> List(InstanceFilter filter);
    // Sets decommissioned_at and clears the enrollment token and credential, so the agent can no
    // longer connect. kNotFound; kConflict when already decommissioned.
    boost::asio::awaitable<Expected<Instance>> Decommission(const Principal& by, std::string id);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
