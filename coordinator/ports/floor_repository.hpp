#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

// Anti-rollback floors (ADR 0022): one per component, only ever raised.
namespace waka::coordinator::ports {

class FloorRepository {
public:
    virtual ~FloorRepository() = default;

    // Stores `floor` (verified by the caller) as its component's floor, with its "floor.raise"
    // audit entry, under a lock on the component's row: kConflict naming the current floor when
    // `floor.min_version` is not above it. created_by/created_at are set here.
    virtual boost::asio::awaitable<Expected<domain::Floor>> Raise(const domain::Principal& by,
                                                                  domain::Floor floor) = 0;
    // Every floor in force, by component.
    virtual boost::asio::awaitable<Expected<std::vector<domain::Floor>>> List() = 0;
};

}  // namespace waka::coordinator::ports
