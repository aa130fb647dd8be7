#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/deploy/dispatcher.hpp"
#include "coordinator/deploy/rollout_service.hpp"
#include "coordinator/ports/repositories.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The coordinator's scheduler (docs/design.md §2, §4.1; docs/policies.md "Scheduler"). One pass:
// - expires deployments awaiting approval past their policy's timeout_hours;
// - moves scheduled deployments to queued when their instance's window is open and dispatches them,
//   and puts queued (not yet dispatched) deployments back to scheduled when their window closed;
// - when the catalog gained a deployable release, proposes auto-updates (one deployment per
//   instance and target, decided by the auto-update row of §4.1);
// - moves every running rollout on (docs/rollouts.md): starts members, finishes and starts phases,
//   stops at a crossed threshold, reverts.
// Only the coordinator holding the PostgreSQL advisory lock kScheduleLockKey runs passes; the
// state is in PostgreSQL only, and every move is a conditional update, so a restart or a second
// coordinator loses nothing and runs nothing twice.
namespace waka::coordinator::deploy {

// "wakaschd": the advisory lock key of the scheduler.
inline constexpr long long kScheduleLockKey = 0x77616b6173636864LL;

struct SchedulerOptions {
    std::chrono::milliseconds interval = std::chrono::seconds(30);  // between passes
    bool auto_update = true;
};

struct PassReport {
    bool leader = false;   // false: another coordinator holds the lock; nothing was done
    int started = 0;       // scheduled -> queued
    int deferred = 0;      // queued -> scheduled (the window closed first)
    int expired = 0;       // awaiting_approval -> expired
    int auto_updates = 0;  // auto-update deployments created
    RolloutPassReport rollouts;
    // The earliest window start a scheduled deployment waits for: the loop wakes then instead of
    // waiting a whole interval.
    std::optional<TimePoint> next_window;
};

class Scheduler {
public:
    // Passes run on a strand of `executor`; only the holder of `lock` runs them.
    Scheduler(boost::asio::any_io_executor executor, ports::Repositories& repositories,
              std::unique_ptr<ports::LeaderLock> lock, const Clock& clock,
              DeploymentService& deployments, Dispatcher& dispatcher, RolloutService& rollouts,
              SchedulerOptions options);
    ~Scheduler();

    // Starts the periodic loop. Stop() before destruction ends it and gives up the lock.
    void Start();
    void Stop();
    // Thread-safe: run a pass soon (a release or an artifact was registered).
    void Wake();

    // One pass now (tests drive the scheduler with this and an injected clock; nothing sleeps).
    boost::asio::awaitable<Expected<PassReport>> RunOnce();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace waka::coordinator::deploy
