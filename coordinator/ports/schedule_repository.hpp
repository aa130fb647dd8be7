#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

// What the scheduler reads and claims (docs/policies.md "Scheduler"). Every change is a conditional
// update, so a deployment moves once even if two coordinators (or a restarted one) try, and each
// move writes its event and its audit entry (actor "system") in the same transaction. Times come
// from the injected clock, never from the database's now().
namespace waka::coordinator::ports {

// A deployment waiting for a window: scheduled ones, and queued ones of kind deploy that were not
// forced (they go back to scheduled when the window closes before the agent takes them).
struct WaitingDeployment {
    std::string id;
    std::string instance_id;
    domain::DeploymentStatus status = domain::DeploymentStatus::kScheduled;
    std::string kind;
};

// An instance auto-update may move: live, with a current manifest.
struct UpdatableInstance {
    std::string instance_id;
    domain::Manifest current;
};

class ScheduleRepository {
public:
    virtual ~ScheduleRepository() = default;

    // Oldest first, at most `limit`.
    virtual boost::asio::awaitable<Expected<std::vector<WaitingDeployment>>> Waiting(
        std::size_t limit) = 0;
    // Applies `event` (kWindowOpened or kWindowClosed) to the deployment if it still is in `from`;
    // answers whether this call moved it. The event and the audit entry carry `reason`.
    virtual boost::asio::awaitable<Expected<bool>> Move(const std::string& id,
                                                        domain::DeploymentStatus from,
                                                        domain::StatusEvent event,
                                                        const std::string& reason) = 0;
    // Deployments awaiting approval for longer than the approval timeout_hours of their instance's
    // active, enabled policy (72 without one) become expired. Answers their ids.
    virtual boost::asio::awaitable<Expected<std::vector<std::string>>> ExpireApprovals() = 0;
    // Changes whenever a release gets an artifact (releases and artifacts are never removed), so
    // the scheduler looks for auto-updates only when there may be something new.
    virtual boost::asio::awaitable<Expected<long long>> CatalogVersion() = 0;
    virtual boost::asio::awaitable<Expected<std::vector<UpdatableInstance>>>
    UpdatableInstances() = 0;
    // Instances with a queued deployment (the dispatcher of each coordinator hands them to the
    // agents it holds).
    virtual boost::asio::awaitable<Expected<std::vector<std::string>>>
    InstancesWithQueuedWork() = 0;
};

}  // namespace waka::coordinator::ports

namespace waka::coordinator::ports {

// Leadership among coordinators sharing one database (a PostgreSQL session advisory lock): only the
// holder runs scheduler passes. One owner; calls are not concurrent.
class LeaderLock {
public:
    virtual ~LeaderLock() = default;

    // True when this coordinator holds the lock now (takes it when free); a lost session answers
    // false (or an error) once and retries on the next call.
    virtual boost::asio::awaitable<Expected<bool>> TryHold() = 0;
    // Gives the lock up. Safe when not held.
    virtual boost::asio::awaitable<void> Release() = 0;
};

}  // namespace waka::coordinator::ports
