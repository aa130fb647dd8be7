#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// Version pins in PostgreSQL (migration 004). At most one active pin per instance and component:
// the active one has no removed_at. Creating a pin replaces the active pin on that component (the
// old row is kept with removed_at and superseded_by); deleting sets removed_at. Expired pins stay
// active rows: whether a pin applies at an instant is the resolver's FilterActivePins. Every
// mutation appends its audit entry in its own transaction.
namespace waka::coordinator::store {

struct PinRecord {
    std::string id;  // "pin-<uuid>", made by Create
    std::string instance_id;
    std::string component_type;  // platform | suite | capability (checked by the caller)
    std::string component_name;
    std::string pinned_version;  // exact version or range (checked by the caller)
    std::string reason;
    std::optional<TimePoint> expires_at;
    std::string created_by;
    TimePoint created_at;
    std::optional<TimePoint> removed_at;
    std::optional<std::string> removed_by;
    std::optional<std::string> superseded_by;

    [[nodiscard]] std::string Component() const { return component_type + ":" + component_name; }
};

class PinStore {
public:
    PinStore(db::Database& database, const Clock& clock);

    // Replaces the active pin on the same component, if any. kNotFound "Instance not found" (also
    // for a decommissioned instance); kConflict when a concurrent pin on the component won.
    boost::asio::awaitable<Expected<PinRecord>> Create(const Principal& by, PinRecord pin);
    // kNotFound "Pin not found".
    boost::asio::awaitable<Expected<PinRecord>> Get(std::string id);
    // The instance's pins, newest first: the active ones (expired included), and with
    // include_removed the removed and replaced ones too.
    boost::asio::awaitable<Expected<std::vector<PinRecord>>> List(std::string instance_id,
                                                                  bool include_removed);
    // Sets removed_at. kNotFound "Pin not found"; kConflict when already removed or replaced.
    boost::asio::awaitable<Expected<PinRecord>> Remove(const Principal& by, std::string id);
    // Records a refused pin request (409) in the audit log: nothing else is stored.
    boost::asio::awaitable<Expected<void>> RecordRefusal(const Principal& by, PinRecord pin,
                                                         std::string why);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
