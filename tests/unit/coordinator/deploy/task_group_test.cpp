#include "coordinator/deploy/task_group.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

// The owner of background work: tasks run on its strand, a stopped group takes no more, and long
// tasks see Stopping() and end.
namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

TEST(TaskGroup, RunsTasksAndCountsThemUntilTheyEnd) {
    asio::io_context io;
    TaskGroup group(io.get_executor());
    int ran = 0;
    ASSERT_TRUE(group.Spawn([&ran]() -> asio::awaitable<void> {
        ++ran;
        co_return;
    }));
    EXPECT_EQ(group.Running(), 1u);
    io.run_for(std::chrono::seconds(10));
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(group.Running(), 0u);
}

TEST(TaskGroup, AStoppedGroupTakesNoMoreAndLongTasksEndAtTheirNextStep) {
    asio::io_context io;
    TaskGroup group(io.get_executor());
    int steps = 0;
    ASSERT_TRUE(group.Spawn([&]() -> asio::awaitable<void> {
        while (!group.Stopping()) {
            if (++steps == 3) {
                group.Stop();  // as the app does on SIGTERM, between two steps
            }
            co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        }
    }));
    io.run_for(std::chrono::seconds(10));
    EXPECT_EQ(steps, 3);
    EXPECT_EQ(group.Running(), 0u);
    EXPECT_FALSE(group.Spawn([]() -> asio::awaitable<void> { co_return; }));
    EXPECT_EQ(group.Running(), 0u);
}

TEST(TaskGroup, ATaskThatThrowsIsCountedAsFinished) {
    asio::io_context io;
    TaskGroup group(io.get_executor());
    ASSERT_TRUE(group.Spawn([]() -> asio::awaitable<void> {
        throw std::runtime_error("boom");
        co_return;
    }));
    io.run_for(std::chrono::seconds(10));
    EXPECT_EQ(group.Running(), 0u);
}

}  // namespace
}  // namespace waka::coordinator::deploy
