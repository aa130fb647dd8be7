#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// What the scheduler reads and claims (docs/policies.md "Scheduler"). All state lives in
// PostgreSQL: every change is a conditional UPDATE ... WHERE status = <expected> RETURNING, so a
// deployment moves once even if two coordinators (or a restarted one) try, and each move writes
// its event and its audit entry (actor "system") in the same transaction. Times come from the
// injected clock, never from the database's now().
namespace waka::coordinator::store {

// A deployment waiting for a window: scheduled ones, and queued ones of kind deploy that were not
// forced (they go back to scheduled when the window closes before the agent takes them).
struct WaitingDeployment {
    std::string id;
    std::string instance_id;
    std::string status;
    std::string kind;
};

// An instance auto-update may move: live, with a current manifest.
struct UpdatableInstance {
    std::string instance_id;
    Manifest current;
};

class ScheduleStore {
public:
    ScheduleStore(db::Database& database, const Clock& clock);

    // Oldest first, at most `limit`.
    boost::asio::awaitable<Expected<std::vector<WaitingDeployment>>> Waiting(std::size_t limit);
    // Moves the deployment from `from` to `to` if it still is `from`; answers whether this call
    // moved it. The event and the audit entry carry `reason`.
    boost::asio::awaitable<Expected<bool>> Move(const std::string& id, const std::string& from,
                                                const std::string& to, const std::string& reason);
    // Deployments awaiting approval for longer than the approval timeout_hours of their instance's
    // active, enabled policy (72 without one) become expired. Answers their ids.
    boost::asio::awaitable<Expected<std::vector<std::string>>> ExpireApprovals();
    // Changes whenever a release gets an artifact (releases and artifacts are never removed), so
    // the scheduler looks for auto-updates only when there may be something new.
    boost::asio::awaitable<Expected<long long>> CatalogVersion();
    boost::asio::awaitable<Expected<std::vector<UpdatableInstance>>> UpdatableInstances();
    // Instances with a queued deployment (the dispatcher of each coordinator hands them to the
    // agents it holds).
    boost::asio::awaitable<Expected<std::vector<std::string>>> InstancesWithQueuedWork();

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
