#include "coordinator/api/fleet_figures.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <vector>

// The cache of GET /metrics: computed at most once per window, one computation shared by the
// scrapes that arrive while it runs. Driven on one io_context by hand: no sleeps, no timing.
namespace waka::coordinator::api {
namespace {

using namespace std::chrono_literals;

class FleetFiguresCacheTest : public ::testing::Test {
protected:
    // A computation that counts itself and then waits until the test releases it.
    boost::asio::awaitable<Expected<FleetFigures>> Compute() {
        ++computations_;
        boost::system::error_code ec;
        co_await gate_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (fail_) {
            co_return MakeError(Errc::kDatabase, "connection refused");
        }
        FleetFigures figures;
        figures.deployments.all[domain::DeploymentStatus::kPending] =
            static_cast<std::uint64_t>(computations_);
        co_return figures;
    }

    // Starts a scrape at `now`; its answer lands in results_.
    void Scrape(TimePoint now, std::chrono::seconds max_age) {
        boost::asio::co_spawn(
            io_,
            [this, now, max_age]() -> boost::asio::awaitable<void> {
                auto result = co_await cache_.Get(now, max_age, [this] { return Compute(); });
                results_.push_back(result);
            },
            boost::asio::detached);
    }

    // Runs what is ready; restarts the context first, since it stops whenever it runs out of work.
    void Poll() {
        io_.restart();
        io_.poll();
    }

    void Release() {
        gate_.cancel();
        Poll();
        gate_.expires_at(std::chrono::steady_clock::time_point::max());
    }

    boost::asio::io_context io_;
    boost::asio::steady_timer gate_{io_, std::chrono::steady_clock::time_point::max()};
    FleetFiguresCache cache_;
    int computations_ = 0;
    bool fail_ = false;
    std::vector<FleetFiguresCache::Result> results_;
    const TimePoint t0_ = TimePoint(std::chrono::hours(1000));
};

TEST_F(FleetFiguresCacheTest, ConcurrentScrapesShareOneComputation) {
    for (int i = 0; i < 5; ++i) {
        Scrape(t0_, 15s);
    }
    Poll();
    EXPECT_EQ(computations_, 1);
    EXPECT_TRUE(results_.empty());
    Release();
    ASSERT_EQ(results_.size(), 5u);
    for (const auto& result : results_) {
        EXPECT_EQ(result.get(), results_.front().get());  // the same answer, not five computations
        ASSERT_TRUE(result->has_value());
    }
}

TEST_F(FleetFiguresCacheTest, ServesTheCacheInsideTheWindowAndComputesAfterIt) {
    Scrape(t0_, 15s);
    Poll();
    Release();
    Scrape(t0_ + 14s, 15s);
    Poll();
    EXPECT_EQ(computations_, 1);
    ASSERT_EQ(results_.size(), 2u);
    EXPECT_EQ(results_[1].get(), results_[0].get());
    Scrape(t0_ + 15s, 15s);
    Poll();
    Release();
    EXPECT_EQ(computations_, 2);
    ASSERT_EQ(results_.size(), 3u);
    EXPECT_EQ((*results_[2])->deployments.all.at(domain::DeploymentStatus::kPending), 2u);
    Scrape(t0_ - 1s, 15s);  // the clock went back: stale, not fresh for ever
    Poll();
    Release();
    EXPECT_EQ(computations_, 3);
}

TEST_F(FleetFiguresCacheTest, ZeroSecondsComputesEveryScrape) {
    for (int i = 1; i <= 3; ++i) {
        Scrape(t0_, 0s);
        Poll();
        Release();
        EXPECT_EQ(computations_, i);
    }
}

TEST_F(FleetFiguresCacheTest, AnErrorIsSharedButNotCached) {
    fail_ = true;
    Scrape(t0_, 15s);
    Scrape(t0_, 15s);
    Poll();
    Release();
    ASSERT_EQ(results_.size(), 2u);
    EXPECT_FALSE(results_[0]->has_value());
    EXPECT_EQ(results_[1].get(), results_[0].get());
    EXPECT_EQ(computations_, 1);
    fail_ = false;
    Scrape(t0_ + 1s, 15s);
    Poll();
    Release();
    EXPECT_EQ(computations_, 2);
    ASSERT_EQ(results_.size(), 3u);
    EXPECT_TRUE(results_[2]->has_value());
}

}  // namespace
}  // namespace waka::coordinator::api
