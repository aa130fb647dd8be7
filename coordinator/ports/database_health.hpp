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

// What /health and /metrics say about the database.
namespace waka::coordinator::ports {

class DatabaseHealth {
public:
    virtual ~DatabaseHealth() = default;

    // The database answers queries.
    virtual boost::asio::awaitable<Expected<void>> Ping() = 0;
    [[nodiscard]] virtual std::size_t PoolSize() const = 0;
    [[nodiscard]] virtual std::size_t InUse() const = 0;  // connections borrowed right now
};

}  // namespace waka::coordinator::ports
