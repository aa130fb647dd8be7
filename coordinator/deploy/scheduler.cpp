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
#include <boost/json.hpp>
#include <map>
#include <mutex>

#include "coordinator/deploy/approval_service.hpp"
#include "coordinator/domain/auto_update.hpp"
#include "coordinator/domain/manifest_hash.hpp"
#include "coordinator/policy/decision.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

// Deployments looked at per pass; the rest wait for the next pass.
constexpr std::size_t kBatch = 500;

const domain::Principal kSystem{"system", domain::Role::kOperator, ""};

using domain::Catalog;

}  // namespace

struct Scheduler::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::any_io_executor executor, ports::Repositories& repositories,
         std::unique_ptr<ports::LeaderLock> leader_lock, const Clock& clock_ref,
         DeploymentService& service, Dispatcher& dispatch, SchedulerOptions opts)
        // A strand: the loop and the Wake/Stop handlers touch the timer from several I/O threads.
        : timer(asio::make_strand(executor)),
          lock(std::move(leader_lock)),
          clock(clock_ref),
          deployments(service),
          dispatcher(dispatch),
          schedule(repositories.schedule),
          policies(repositories.policies),
          releases(repositories.catalog),
          manifests(repositories.manifests),
          quarantines(repositories.quarantines),
          audit(repositories.audit),
          options(opts) {}

    asio::steady_timer timer;
    std::unique_ptr<ports::LeaderLock> lock;  // one pass at a time
    const Clock& clock;
    DeploymentService& deployments;
    Dispatcher& dispatcher;
    ports::ScheduleRepository& schedule;
    ports::PolicyRepository& policies;
    ports::CatalogRepository& releases;
    ports::ManifestRepository& manifests;
    ports::QuarantineRepository& quarantines;
    ports::AuditLog& audit;  // refusals, which store nothing else
    SchedulerOptions options;
    std::atomic<bool> stopped{false};
    std::atomic<bool> woken{false};
    long long catalog_seen = -1;  // CatalogVersion at the last auto-update scan; -1: never scanned

    asio::awaitable<void> AsyncLoop();
    std::chrono::milliseconds NextWait(std::optional<TimePoint> next_window) const;
    asio::awaitable<Expected<PassReport>> Pass();
    asio::awaitable<Expected<bool>> HoldLock();
    asio::awaitable<Expected<void>> DispatchLocal();
    asio::awaitable<Expected<policy::Policy>> EffectivePolicy(const std::string& instance_id);
    asio::awaitable<Expected<void>> MoveWaiting(PassReport& report);
    asio::awaitable<Expected<void>> MoveOne(const ports::WaitingDeployment& waiting,
                                            const policy::Policy& settings, PassReport& report);
    asio::awaitable<Expected<void>> AutoUpdate(PassReport& report);
    asio::awaitable<Expected<bool>> Refused(const ports::UpdatableInstance& instance,
                                            const std::vector<std::string>& changes);
    asio::awaitable<Expected<bool>> ProposeUpdate(const ports::UpdatableInstance& instance,
                                                  const Catalog& catalog);
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
        } else if (report->started + report->deferred + report->expired + report->auto_updates >
                   0) {
            log::Info("scheduler pass started={} deferred={} expired={} auto_updates={}",
                      report->started, report->deferred, report->expired, report->auto_updates);
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
        if (auto updated = co_await AutoUpdate(report); !updated) {
            co_return updated.error().WithContext("auto-update");
        }
    }
    if (auto dispatched = co_await DispatchLocal(); !dispatched) {
        co_return dispatched.error().WithContext("dispatch queued work");
    }
    co_return report;
}

// Every coordinator, leader or not, offers queued work to the agents it holds: a deployment queued
// by another coordinator (its scheduler, an approval) starts within one interval even though
// coordinators do not notify each other. DispatchNext does nothing for agents held elsewhere, and
// claiming is a conditional update, so no deployment is dispatched twice.
asio::awaitable<Expected<void>> Scheduler::Impl::DispatchLocal() {
    auto instances = co_await schedule.InstancesWithQueuedWork();
    if (!instances) {
        co_return instances.error();
    }
    for (const auto& instance_id : *instances) {
        co_await dispatcher.DispatchNext(instance_id);
    }
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

asio::awaitable<Expected<void>> Scheduler::Impl::AutoUpdate(PassReport& report) {
    auto version = co_await schedule.CatalogVersion();
    if (!version) {
        co_return version.error();
    }
    if (*version == catalog_seen) {
        co_return Expected<void>{};
    }
    ports::ReleaseFilter all;
    auto listed = co_await releases.List(all);
    if (!listed) {
        co_return listed.error();
    }
    const Catalog catalog = domain::DeployableCatalog(*listed);
    auto instances = co_await schedule.UpdatableInstances();
    if (!instances) {
        co_return instances.error();
    }
    for (const auto& instance : *instances) {
        auto created = co_await ProposeUpdate(instance, catalog);
        if (!created) {
            co_return created.error();
        }
        report.auto_updates += *created ? 1 : 0;
    }
    catalog_seen = *version;  // only once every instance was handled: a failed scan is retried
    co_return Expected<void>{};
}

// One auto-update per instance, current manifest and target content: its manifest and deployment
// ids are derived from that key, so a second scan (or a restart) finds them instead of making more.
asio::awaitable<Expected<bool>> Scheduler::Impl::ProposeUpdate(
    const ports::UpdatableInstance& instance, const Catalog& catalog) {
    auto quarantined = co_await quarantines.Active(instance.instance_id);
    if (!quarantined) {
        co_return quarantined.error();
    }
    auto plan = domain::PlanAutoUpdate(instance.current, catalog, *quarantined);
    if (!plan) {
        co_return false;
    }
    auto refused = co_await Refused(instance, plan->changes);
    if (!refused || *refused) {
        co_return refused ? Expected<bool>(false) : Expected<bool>(refused.error());
    }
    auto hash = domain::ManifestContentHash(plan->target);
    if (!hash) {
        co_return hash.error();
    }
    const std::string key = instance.instance_id + "|" + instance.current.id + "|" + *hash;
    const std::string deployment_id = domain::StableId("deploy", key);
    if (auto existing = co_await deployments.Get(deployment_id); existing) {
        co_return false;
    } else if (!existing.error().Is(Errc::kNotFound)) {
        co_return existing.error();
    }
    domain::Manifest manifest = plan->target;
    manifest.id = domain::StableId("manifest", key);
    manifest.instance_id = instance.instance_id;
    auto stored = co_await manifests.Create(kSystem, std::move(manifest));
    if (!stored && !stored.error().Is(Errc::kConflict)) {  // kConflict: made by an earlier pass
        co_return stored.error();
    }
    std::string reason = "auto-update:";
    for (const auto& change : plan->changes) {
        reason += " " + change;
    }
    CreateDeploymentRequest request;
    request.manifest_id = domain::StableId("manifest", key);
    request.instance_id = instance.instance_id;
    request.reason = reason;
    request.id = deployment_id;
    request.auto_update = true;
    auto created = co_await deployments.Create(kSystem, request);
    if (!created) {
        // A frozen instance refuses (audited by Create); anything else is logged and retried.
        log::Info("auto-update not created instance_id={} reason=\"{}\"", instance.instance_id,
                  created.error().message);
        co_return false;
    }
    log::Info("auto-update {} deployment_id={} instance_id={} {}",
              domain::ToString(created->deployment.status), deployment_id, instance.instance_id,
              reason);
    co_return true;
}

// A frozen instance gets nothing, not even a manifest; the refusal is audited (docs/design.md §4.1:
// every decision is), once per scan that finds the update.
asio::awaitable<Expected<bool>> Scheduler::Impl::Refused(const ports::UpdatableInstance& instance,
                                                         const std::vector<std::string>& changes) {
    auto settings = co_await EffectivePolicy(instance.instance_id);
    if (!settings) {
        co_return settings.error();
    }
    policy::Change change;
    change.kind = policy::ChangeKind::kAutoUpdate;
    auto decision = policy::Decide(&*settings, change, clock.Now());
    if (!decision) {
        co_return decision.error();
    }
    if (decision->verdict != policy::Verdict::kRefuse) {
        co_return false;
    }
    boost::json::array moved;
    for (const auto& item : changes) {
        moved.emplace_back(item);
    }
    domain::AuditDraft draft{
        kSystem.actor,        "deployment.auto_update",
        "instance",           instance.instance_id,
        instance.instance_id, "refused",
        decision->reason,     boost::json::serialize(boost::json::object{{"changes", moved}})};
    if (auto recorded = co_await audit.Record(draft); !recorded) {
        co_return recorded.error();
    }
    co_return true;
}

Scheduler::Scheduler(asio::any_io_executor executor, ports::Repositories& repositories,
                     std::unique_ptr<ports::LeaderLock> lock, const Clock& clock,
                     DeploymentService& deployments, Dispatcher& dispatcher,
                     SchedulerOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), repositories, std::move(lock), clock,
                                   deployments, dispatcher, options)) {}

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
