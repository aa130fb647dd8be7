#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <type_traits>

#include "shared/core/error.hpp"

// A small bounded pool of threads for pure CPU work that must not run on an I/O thread: the
// resolver (docs/design.md §4.2), whose cost a request's shape decides. While its threads compute,
// the I/O threads keep serving heartbeats and requests (issue 13, ADR 0033).
namespace waka::coordinator::deploy {

struct ComputePoolOptions {
    std::size_t threads = 1;      // at least 1
    std::size_t max_queued = 16;  // calls waiting or running at once; at least 1
};

class ComputePool {
public:
    explicit ComputePool(ComputePoolOptions options);
    // Waits for the work already handed to the threads.
    ~ComputePool();
    ComputePool(const ComputePool&) = delete;
    ComputePool& operator=(const ComputePool&) = delete;

    // Runs `work()` on a pool thread and answers its result (an Expected) on the caller's
    // executor; kBusy naming resolver.max_queued at once when max_queued calls are already
    // waiting or running. `work` runs while the caller is suspended, so it may refer to the
    // caller's locals.
    template <class Work>
    auto Run(Work work) -> boost::asio::awaitable<std::invoke_result_t<Work>> {
        using Result = std::invoke_result_t<Work>;
        if (queued_.fetch_add(1) >= max_queued_) {
            queued_.fetch_sub(1);
            co_return BusyError();
        }
        const Slot slot{queued_};
        co_return co_await boost::asio::co_spawn(
            pool_.get_executor(),
            [work = std::move(work)]() mutable -> boost::asio::awaitable<Result> {
                co_return work();
            },
            boost::asio::use_awaitable);
    }

    [[nodiscard]] std::size_t Queued() const { return queued_.load(); }

private:
    // Gives a Run() slot back when the call ends, however it ends.
    struct Slot {
        std::atomic<std::size_t>& count;
        ~Slot() { count.fetch_sub(1); }
    };
    [[nodiscard]] Error BusyError() const;

    std::size_t max_queued_;
    std::atomic<std::size_t> queued_{0};
    boost::asio::thread_pool pool_;
};

}  // namespace waka::coordinator::deploy
