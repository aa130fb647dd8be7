#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>

#include "coordinator/db/database.hpp"

// For coordinator store tests: each test opens its own fresh, fully migrated database.
namespace waka::test {

// Opens a Database on FreshDatabaseUrl() and applies every migration. Fails the current test
// (ADD_FAILURE + exception) when that is impossible.
[[nodiscard]] std::unique_ptr<coordinator::db::Database> OpenMigratedDatabase(
    std::size_t pool_size = 2);

// Runs a coroutine to completion on a private io_context and answers its result. Throws (failing
// the test) when it has not finished within `limit`, instead of hanging the run.
template <class T>
T RunSync(boost::asio::awaitable<T> task, std::chrono::seconds limit = std::chrono::seconds(60)) {
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    io.run_for(limit);
    if (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        throw std::runtime_error("coroutine did not finish in time");
    }
    return future.get();
}

}  // namespace waka::test
