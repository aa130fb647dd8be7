#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <mutex>

// The owner of the coordinator's background work (patch enforcement, catch-up on connect, dispatch
// after an answer): every task runs on the group's own strand, not on the strand of whoever asked
// (an HTTP connection's), and the app stops the group before the gateway at shutdown.
namespace waka::coordinator::deploy {

class TaskGroup {
public:
    // Tasks run on a strand of `executor`.
    explicit TaskGroup(boost::asio::any_io_executor executor);
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    // Starts `task` unless the group is stopping (then it is dropped and false answered). Tasks
    // must not throw; one that does is logged and counted as finished. Thread-safe.
    bool Spawn(std::function<boost::asio::awaitable<void>()> task);
    // Refuses new tasks; long tasks see Stopping() and end at their next step. Thread-safe.
    void Stop();
    [[nodiscard]] bool Stopping() const { return stopping_; }
    // Tasks started and not yet finished. Thread-safe.
    [[nodiscard]] std::size_t Running() const;

private:
    boost::asio::any_io_executor strand_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::size_t running_ = 0;
};

}  // namespace waka::coordinator::deploy
