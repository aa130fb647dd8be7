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

// Versions quarantined on an instance (DESIGN §4.1): removed by a rollback, or undone by the agent
// after a failed deployment. The resolver refuses them for that instance until an operator clears
// them. Every method is one transaction; mutations append their audit entry in it.
namespace waka::coordinator::store {

struct Quarantine {
    std::string id;  // "quarantine-<uuid>"
    std::string instance_id;
    std::string component_type;
    std::string component_name;
    std::string version;
    std::optional<std::string> deployment_id;  // the rollback or failed deployment
    std::string reason;
    TimePoint created_at;
    std::optional<TimePoint> cleared_at;
    std::optional<std::string> cleared_by;
    std::optional<std::string> clear_reason;
};

class QuarantineStore {
public:
    QuarantineStore(db::Database& database, const Clock& clock);

    // Quarantines each {type, name, version} on the instance (one already active is kept), with one
    // audit entry by "system" naming them. Nothing to add: no transaction.
    boost::asio::awaitable<Expected<void>> Add(std::string instance_id,
                                               std::vector<InstalledComponent> versions,
                                               std::string deployment_id, std::string reason);
    // Newest first; cleared ones only when include_cleared.
    boost::asio::awaitable<Expected<std::vector<Quarantine>>> List(std::string instance_id,
                                                                   bool include_cleared);
    // "type:name" -> versions, active ones only (the resolver's quarantine input).
    boost::asio::awaitable<Expected<std::map<std::string, std::vector<std::string>>>> Active(
        std::string instance_id);
    // kNotFound "Quarantine not found" (also for another instance's); kConflict when cleared.
    boost::asio::awaitable<Expected<Quarantine>> Clear(const Principal& by, std::string instance_id,
                                                       std::string id, std::string reason);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
