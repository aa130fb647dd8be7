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

// Version pins (ADR 0014). At most one active pin per instance and component: creating a pin
// replaces the active pin on that component; deleting sets removed_at. Expired pins stay active
// rows: whether a pin applies at an instant is the resolver's FilterActivePins. Mutations append
// their audit entry in their transaction.
namespace waka::coordinator::ports {

class PinRepository {
public:
    virtual ~PinRepository() = default;

    // Replaces the active pin on the same component, if any. kNotFound "Instance not found" (also
    // for a decommissioned instance); kConflict when a concurrent pin on the component won.
    virtual boost::asio::awaitable<Expected<domain::PinRecord>> Create(const domain::Principal& by,
                                                                       domain::PinRecord pin) = 0;
    // kNotFound "Pin not found".
    virtual boost::asio::awaitable<Expected<domain::PinRecord>> Get(std::string id) = 0;
    // The instance's pins, newest first: the active ones (expired included), and with
    // include_removed the removed and replaced ones too.
    virtual boost::asio::awaitable<Expected<std::vector<domain::PinRecord>>> List(
        std::string instance_id, bool include_removed) = 0;
    // Sets removed_at. kNotFound "Pin not found"; kConflict when already removed or replaced.
    virtual boost::asio::awaitable<Expected<domain::PinRecord>> Remove(const domain::Principal& by,
                                                                       std::string id) = 0;
    // Records a refused pin request (409) in the audit log: nothing else is stored.
    virtual boost::asio::awaitable<Expected<void>> RecordRefusal(const domain::Principal& by,
                                                                 domain::PinRecord pin,
                                                                 std::string why) = 0;
};

}  // namespace waka::coordinator::ports
