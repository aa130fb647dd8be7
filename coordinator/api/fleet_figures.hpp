#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "coordinator/api/routes.hpp"
#include "coordinator/ports/deployment_repository.hpp"
#include "coordinator/ports/rollout_repository.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The fleet figures GET /metrics reads from the database, and the cache that keeps a scrape flood
// off the database (ADR 0026). Internal to waka_coord_api.
namespace waka::coordinator::api {

struct FleetFigures {
    ports::StatusCounts deployments;
    std::vector<PatchComplianceCount> patches;
    ports::RolloutRepository::Counts rollouts;
};

// Serves the last good FleetFigures while they are younger than `max_age`, and computes them
// again after that: at most one computation at a time (single flight). Scrapes arriving while one
// runs wait for it and share its answer, error included; an error is not cached, so the next
// scrape after it tries again. max_age 0: every scrape computes (concurrent ones still share).
// Thread-safe: callers may run on any executor; each resumes on its own.
class FleetFiguresCache {
public:
    using Result = std::shared_ptr<const Expected<FleetFigures>>;
    using Compute = std::function<boost::asio::awaitable<Expected<FleetFigures>>()>;

    // `compute` must not throw; it runs on the caller's executor.
    [[nodiscard]] boost::asio::awaitable<Result> Get(TimePoint now, std::chrono::seconds max_age,
                                                     Compute compute);

private:
    using Waiter = std::function<void(Result)>;

    boost::asio::awaitable<Result> Join();
    bool FreshLocked(TimePoint now, std::chrono::seconds max_age) const;

    std::mutex mutex_;
    Result cached_;  // last good figures
    TimePoint computed_at_{};
    bool refreshing_ = false;
    Result last_;                  // answer of the last computation, for late joiners
    std::vector<Waiter> waiters_;  // scrapes waiting for the running computation
};

}  // namespace waka::coordinator::api
