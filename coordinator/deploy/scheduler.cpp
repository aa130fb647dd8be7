#include "coordinator/deploy/scheduler.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>

#include "coordinator/deploy/approval_service.hpp"
#include "coordinator/deploy/auto_updater.hpp"
#include "coordinator/policy/decision.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

// Deployments looked at per pass; the rest wait for the next pass.
constexpr std::size_t kBatch = 500;

}  // namespace

struct Scheduler::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::any_io_executor executor, ports::Repositories& repositories,
         std::unique_ptr<ports::LeaderLock> leader_lock, const Clock& clock_ref,
         DeploymentService& service, Dispatcher& dispatch, RolloutService& rollout_service,
         SchedulerOptions opts)
        // A strand: the loop and the Wake/Stop handlers touch the timer from several I/O threads.
        : timer(asio::make_strand(executor)),
          lock(std::move(leader_lock)),
          clock(clock_ref),
          deployments(service),
          dispatcher(dispatch),
          rollouts(rollout_service),
          schedule(repositories.schedule),
          policies(repositories.policies),
          auto_updater(repositories, clock_ref, service),
          options(opts) {}

    asio::steady_timer timer;
    std::unique_ptr<ports::LeaderLock> lock;  // one pass at a time
    const Clock& clock;
    DeploymentService& deployments;
    Dispatcher& dispatcher;
    RolloutService& rollouts;
    ports::ScheduleRepository& schedule;
    ports::PolicyRepository& policies;
    AutoUpdater auto_updater;  // touched by passes only, one at a time
    SchedulerOptions options;
    std::atomic<bool> stopped{false};
    std::atomic<bool> woken{false};

    asio::awaitable<void> AsyncLoop();
    std::chrono::milliseconds NextWait(std::optional<TimePoint> next_window) const;
    asio::awaitable<Expected<PassReport>> Pass();
    asio::awaitable<Expected<bool>> HoldLock();
    asio::awaitable<Expected<void>> DispatchLocal();
    asio::awaitable<Expected<policy::Policy>> EffectivePolicy(const std::string& instance_id);
    asio::awaitable<Expected<void>> MoveWaiting(PassReport& report);
    asio::awaitable<Expected<void>> MoveOne(const ports::WaitingDeployment& waiting,
                                            const policy::Policy& settings, PassReport& report);
};

asio::awaitable<void> Scheduler::Impl::AsyncLoop() {
    auto self = shared_from_this();
    while (!stopped) {
        woken = false;
        auto report = co_await Pass();
        if (report) {
            log::Debug("scheduler pass leader={}", report->leader);
        }
        if (!report) {
            log::Warn("scheduler pass failed error=\"{}\"", report.error().message);
        } else if (report->started + report->deferred + report->expired + report->auto_updates +
                       report->rollouts.members_started + report->rollouts.phases_started +
                       report->rollouts.reverts_started >
                   0) {
            log::Info(
                "scheduler pass started={} deferred={} expired={} auto_updates={} "
                "rollout_members={} rollout_phases={} rollout_reverts={}",
                report->started, report->deferred, report->expired, report->auto_updates,
                report->rollouts.members_started, report->rollouts.phases_started,
                report->rollouts.reverts_started);
        }
        if (stopped || woken) {
            continue;
        }
        timer.expires_after(NextWait(report ? report->next_window : std::nullopt));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_await lock->Release();
}

// A window opening before the next interval is met on time (a little after its start, so that
// the pass sees it open).
std::chrono::milliseconds Scheduler::Impl::NextWait(std::optional<TimePoint> next_window) const {
    if (!next_window) {
        return options.interval;
    }
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next_window - clock.Now()) +
                 std::chrono::milliseconds(50);
    return std::clamp(until, std::chrono::milliseconds(50), options.interval);
}

asio::awaitable<Expected<bool>> Scheduler::Impl::HoldLock() { co_return co_await lock->TryHold(); }

asio::awaitable<Expected<PassReport>> Scheduler::Impl::Pass() {
    PassReport report;
    auto leader = co_await HoldLock();
    if (!leader) {
        co_return leader.error();
    }
    report.leader = *leader;
    if (!report.leader) {
        if (auto dispatched = co_await DispatchLocal(); !dispatched) {
            co_return dispatched.error().WithContext("dispatch queued work");
        }
        co_return report;
    }
    auto expired = co_await schedule.ExpireApprovals();
    if (!expired) {
        co_return expired.error().WithContext("expire approvals");
    }
    report.expired = static_cast<int>(expired->size());
    if (auto moved = co_await MoveWaiting(report); !moved) {
        co_return moved.error().WithContext("move waiting deployments");
    }
    if (options.auto_update) {
        auto updated = co_await auto_updater.Scan();
        if (!updated) {
            co_return updated.error().WithContext("auto-update");
        }
        report.auto_updates = *updated;
    }
    auto advanced = co_await rollouts.Advance();
    if (!advanced) {
        co_return advanced.error().WithContext("rollouts");
    }
    report.rollouts = *advanced;
    if (advanced->wake_at && (!report.next_window || *advanced->wake_at < *report.next_window)) {
        report.next_window = advanced->wake_at;  // a bake ends before the next interval
    }
    if (auto dispatched = co_await DispatchLocal(); !dispatched) {
        co_return dispatched.error().WithContext("dispatch queued work");
    }
    co_return report;
}

// Every coordinator, leader or not, offers queued work to the agents it holds: a deployment queued
// by another coordinator (its scheduler, an approval) starts within one interval even though
// coordinators do not notify each other. DispatchNext does nothing for agents held elsewhere, and
// claiming is a conditional update, so no deployment is dispatched twice. One claim for the whole
// set (ADR 0037): a fleet with queued work costs one transaction per pass, not one per instance.
asio::awaitable<Expected<void>> Scheduler::Impl::DispatchLocal() {
    auto instances = co_await schedule.InstancesWithQueuedWork();
    if (!instances) {
        co_return instances.error();
    }
    co_await dispatcher.DispatchBatch(std::move(*instances));
    co_return Expected<void>{};
}

asio::awaitable<Expected<policy::Policy>> Scheduler::Impl::EffectivePolicy(
    const std::string& instance_id) {
    co_return co_await deploy::EffectivePolicy(policies, instance_id);
}

asio::awaitable<Expected<void>> Scheduler::Impl::MoveWaiting(PassReport& report) {
    auto waiting = co_await schedule.Waiting(kBatch);
    if (!waiting) {
        co_return waiting.error();
    }
    std::map<std::string, policy::Policy> settings;  // per instance, read once per pass
    for (const auto& deployment : *waiting) {
        if (!settings.contains(deployment.instance_id)) {
            auto loaded = co_await EffectivePolicy(deployment.instance_id);
            if (!loaded) {
                co_return loaded.error();
            }
            settings.emplace(deployment.instance_id, std::move(*loaded));
        }
        auto moved = co_await MoveOne(deployment, settings.at(deployment.instance_id), report);
        if (!moved) {
            co_return moved.error();
        }
    }
    co_return Expected<void>{};
}

// The window of the instance's policy in force now decides (a policy changed since the
// deployment was created applies). A frozen instance holds its scheduled operator deployments:
// they wait (or are cancelled) instead of running on a frozen instance.
asio::awaitable<Expected<void>> Scheduler::Impl::MoveOne(const ports::WaitingDeployment& waiting,
                                                         const policy::Policy& settings,
                                                         PassReport& report) {
    using domain::DeploymentStatus;
    if (waiting.kind == "deploy" && settings.type == policy::PolicyType::kFrozen) {
        co_return Expected<void>{};
    }
    const auto window = policy::DecideWindow(&settings, clock.Now(), "scheduled deployment");
    const bool open = window.verdict == policy::Verdict::kAllowNow;
    const bool scheduled = waiting.status == DeploymentStatus::kScheduled;
    if (scheduled && !open && window.window_start &&
        (!report.next_window || *window.window_start < *report.next_window)) {
        report.next_window = window.window_start;
    }
    if (scheduled && open) {
        const std::string reason = window.reason + "; waiting for the agent";
        auto moved = co_await schedule.Move(waiting.id, waiting.status,
                                            domain::StatusEvent::kWindowOpened, reason);
        if (!moved) {
            co_return moved.error();
        }
        if (*moved) {
            ++report.started;
            co_await dispatcher.DispatchNext(waiting.instance_id);
        }
    } else if (waiting.status == DeploymentStatus::kQueued && !open && !settings.windows.empty()) {
        // "None starts after the window closes": not yet on the agent, so it waits again.
        const std::string reason = "the window closed before the agent took it; " + window.reason;
        auto moved = co_await schedule.Move(waiting.id, waiting.status,
                                            domain::StatusEvent::kWindowClosed, reason);
        if (!moved) {
            co_return moved.error();
        }
        report.deferred += *moved ? 1 : 0;
    }
    co_return Expected<void>{};
}

Scheduler::Scheduler(asio::any_io_executor executor, ports::Repositories& repositories,
                     std::unique_ptr<ports::LeaderLock> lock, const Clock& clock,
                     DeploymentService& deployments, Dispatcher& dispatcher,
                     RolloutService& rollouts, SchedulerOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), repositories, std::move(lock), clock,
                                   deployments, dispatcher, rollouts, options)) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
    asio::co_spawn(impl_->timer.get_executor(), impl_->AsyncLoop(), asio::detached);
}

void Scheduler::Stop() {
    impl_->stopped = true;
    asio::post(impl_->timer.get_executor(), [impl = impl_] { impl->timer.cancel(); });
}

void Scheduler::Wake() {
    impl_->woken = true;
    asio::post(impl_->timer.get_executor(), [impl = impl_] { impl->timer.cancel(); });
}

asio::awaitable<Expected<PassReport>> Scheduler::RunOnce() { co_return co_await impl_->Pass(); }

}  // namespace waka::coordinator::deploy
