#include "coordinator/api/fleet_figures.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <string>

namespace waka::coordinator::api {

bool FleetFiguresCache::FreshLocked(TimePoint now, std::chrono::seconds max_age) const {
    // A clock that went backwards makes the figures stale rather than fresh for ever.
    return cached_ != nullptr && now >= computed_at_ && now - computed_at_ < max_age;
}

boost::asio::awaitable<FleetFiguresCache::Result> FleetFiguresCache::Get(
    TimePoint now, std::chrono::seconds max_age, Compute compute) {
    bool join = false;
    {
        std::lock_guard lock(mutex_);
        if (FreshLocked(now, max_age)) {
            co_return cached_;
        }
        join = refreshing_;
        refreshing_ = true;
    }
    if (join) {
        co_return co_await Join();
    }
    // Whatever happens, the flight ends: a computation that escaped with an exception would
    // otherwise leave every later scrape waiting for it.
    Expected<FleetFigures> computed = MakeError(Errc::kInternal, "fleet figures not computed");
    try {
        computed = co_await compute();
    } catch (const std::exception& error) {
        computed = MakeError(Errc::kInternal, std::string("fleet figures: ") + error.what());
    }
    auto result = std::make_shared<const Expected<FleetFigures>>(std::move(computed));
    std::vector<Waiter> waiters;
    {
        std::lock_guard lock(mutex_);
        refreshing_ = false;
        last_ = result;
        if (*result) {
            cached_ = result;
            computed_at_ = now;
        }
        waiters.swap(waiters_);
    }
    for (Waiter& waiter : waiters) {
        waiter(result);
    }
    co_return result;
}

// Suspends until the running computation answers. The state is checked again under the lock at
// registration, so a computation that ended in between is not waited for.
boost::asio::awaitable<FleetFiguresCache::Result> FleetFiguresCache::Join() {
    return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(Result)>(
        [this](auto handler) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            Waiter waiter = [shared](Result result) {
                auto executor = boost::asio::get_associated_executor(*shared);
                boost::asio::post(executor, [shared, result = std::move(result)]() mutable {
                    (*shared)(std::move(result));
                });
            };
            std::unique_lock lock(mutex_);
            if (!refreshing_) {
                Result last = last_;
                lock.unlock();
                waiter(std::move(last));
                return;
            }
            waiters_.push_back(std::move(waiter));
        },
        boost::asio::use_awaitable);
}

}  // namespace waka::coordinator::api
