#include "coordinator/deploy/compute_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <thread>

// The resolver's worker pool (ADR 0033): work runs on its threads, never the caller's, and a call
// beyond max_queued is refused at once with kBusy instead of queueing.
namespace waka::coordinator::deploy {
namespace {

TEST(ComputePool, RunsWorkOffTheCallersThread) {
    ComputePool pool({.threads = 1, .max_queued = 4});
    boost::asio::io_context io;
    std::thread::id worker;
    auto done = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<Expected<int>> {
            co_return co_await pool.Run([&]() -> Expected<int> {
                worker = std::this_thread::get_id();
                return 7;
            });
        },
        boost::asio::use_future);
    io.run();
    auto result = done.get();
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(*result, 7);
    EXPECT_NE(worker, std::this_thread::get_id());
    EXPECT_EQ(pool.Queued(), 0u);
}

TEST(ComputePool, ACallBeyondMaxQueuedIsRefusedAtOnce) {
    ComputePool pool({.threads = 1, .max_queued = 1});
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    boost::asio::io_context holder_io;
    auto held = boost::asio::co_spawn(
        holder_io,
        [&]() -> boost::asio::awaitable<Expected<int>> {
            co_return co_await pool.Run([&]() -> Expected<int> {
                started.set_value();
                released.wait();
                return 1;
            });
        },
        boost::asio::use_future);
    std::thread holder([&] { holder_io.run(); });
    started.get_future().wait();

    boost::asio::io_context io;
    auto refused = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<Expected<int>> {
            co_return co_await pool.Run([]() -> Expected<int> { return 2; });
        },
        boost::asio::use_future);
    io.run();
    auto answer = refused.get();
    release.set_value();
    holder.join();
    ASSERT_FALSE(answer);
    EXPECT_TRUE(answer.error().Is(Errc::kBusy));
    EXPECT_NE(answer.error().message.find("resolver.max_queued"), std::string::npos);
    ASSERT_TRUE(held.get());
    EXPECT_EQ(pool.Queued(), 0u);
}

}  // namespace
}  // namespace waka::coordinator::deploy
