#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// Approval decisions and cancellation of deployments (DESIGN §4.1, docs/policies.md). Each call is
// one transaction that locks the deployment row, so concurrent approvers are serialised and a
// decision never races the scheduler (which claims work with conditional updates). Every change
// writes its deployment event and its audit entry in that transaction.
namespace waka::coordinator::store {

struct ApprovalAction {
    std::string deployment_id;
    Principal by;
    std::string comment;
};

// Where an approved deployment goes once its last approval arrives (decided by the caller from
// the instance's policy and the clock): "queued" or "scheduled", with the reason for the event.
struct AfterApproval {
    std::string status;
    std::string reason;
};

struct ApprovalResult {
    std::string status;  // of the deployment after the call
    std::string instance_id;
    std::int64_t approvals = 0;  // distinct approvers so far
    std::int64_t required = 0;
    bool running =
        false;  // Cancel only: the deployment is on the agent; nothing changed but an event
};

class ApprovalStore {
public:
    ApprovalStore(db::Database& database, const Clock& clock);

    // Records an approval. kNotFound "Deployment not found"; kConflict when the deployment is not
    // awaiting approval or this approver already decided; kPermissionDenied when the approver
    // requested it. When `required` distinct approvers have approved, moves it to next.status.
    boost::asio::awaitable<Expected<ApprovalResult>> Approve(const ApprovalAction& action,
                                                             std::int64_t required,
                                                             const AfterApproval& next);
    // Same errors as Approve; the deployment becomes rejected.
    boost::asio::awaitable<Expected<ApprovalResult>> Reject(const ApprovalAction& action);
    // A deployment not yet on the agent becomes cancelled; one that is deploying only gets a
    // "cancel requested" event (running = true; the caller asks the agent). kNotFound; kConflict
    // when it has already finished.
    boost::asio::awaitable<Expected<ApprovalResult>> Cancel(const ApprovalAction& action);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
