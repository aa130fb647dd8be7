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

// Versions quarantined on an instance (docs/design.md §4.1): removed by a rollback, or undone by
// the agent after a failed deployment. The resolver refuses them for that instance until an
// operator clears them. Mutations append their audit entry in their transaction.
namespace waka::coordinator::ports {

class QuarantineRepository {
public:
    virtual ~QuarantineRepository() = default;

    // Quarantines each {type, name, version} on the instance (one already active is kept), with one
    // audit entry by "system" naming them. Nothing to add: no transaction.
    virtual boost::asio::awaitable<Expected<void>> Add(
        std::string instance_id, std::vector<domain::InstalledComponent> versions,
        std::string deployment_id, std::string reason) = 0;
    // Newest first; cleared ones only when include_cleared.
    virtual boost::asio::awaitable<Expected<std::vector<domain::Quarantine>>> List(
        std::string instance_id, bool include_cleared) = 0;
    // "type:name" -> versions, active ones only (the resolver's quarantine input).
    virtual boost::asio::awaitable<Expected<std::map<std::string, std::vector<std::string>>>>
    Active(std::string instance_id) = 0;
    // kNotFound "Quarantine not found" (also for another instance's); kConflict when cleared.
    virtual boost::asio::awaitable<Expected<domain::Quarantine>> Clear(const domain::Principal& by,
                                                                       std::string instance_id,
                                                                       std::string id,
                                                                       std::string reason) = 0;
};

}  // namespace waka::coordinator::ports
