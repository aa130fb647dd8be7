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

// Approval decisions and cancellation of deployments (docs/design.md §4.1, docs/policies.md). Each
// call is one transaction that locks the deployment row, so concurrent approvers are serialised and
// a decision never races the scheduler. Every change writes its deployment event and its audit
// entry in that transaction.
namespace waka::coordinator::ports {

struct ApprovalAction {
    std::string deployment_id;
    domain::Principal by;
    std::string comment;
};

// Where an approved deployment goes once its last approval arrives (decided by the caller from
// the instance's policy and the clock): kApproved (queued) or kApprovedOutsideWindow (scheduled),
// with the reason for the event.
struct AfterApproval {
    domain::StatusEvent event = domain::StatusEvent::kApproved;
    std::string reason;
};

struct ApprovalResult {
    domain::DeploymentStatus status = domain::DeploymentStatus::kPending;  // after the call
    std::string instance_id;
    std::int64_t approvals = 0;  // distinct approvers so far
    std::int64_t required = 0;
    bool running =
        false;  // Cancel only: the deployment is on the agent; nothing changed but an event
};

// One deployment of ApprovalRepository::ApproveMany: its rule's required count and where it goes
// once approved, or the caller's own refusal (the approver's role), audited as refused.
struct ApprovalItem {
    std::string deployment_id;
    std::int64_t required = 1;
    AfterApproval next;
    std::optional<std::string> refused;
};

struct ApprovedMany {
    std::vector<std::pair<std::string, ApprovalResult>> approved;  // deployment id, result
    std::vector<std::pair<std::string, Error>> refused;            // deployment id, why
};

class ApprovalRepository {
public:
    virtual ~ApprovalRepository() = default;

    // Approve for many deployments by one approver, set-based (a rollout's members, ADR 0039): one
    // transaction locks them all (in id order), checks each as Approve does, records every
    // approval, event, status change and audit entry in a few statements. A deployment Approve
    // would refuse is answered in `refused` (kNotFound, kConflict, kPermissionDenied, the
    // caller's own), audited as refused when Approve would audit it.
    virtual boost::asio::awaitable<Expected<ApprovedMany>> ApproveMany(
        const domain::Principal& by, const std::string& comment,
        const std::vector<ApprovalItem>& items) = 0;

    // Records an approval. kNotFound "Deployment not found"; kConflict when the deployment is not
    // awaiting approval or this approver already decided; kPermissionDenied when the approver
    // requested it. When `required` distinct approvers have approved, moves it to next.status.
    virtual boost::asio::awaitable<Expected<ApprovalResult>> Approve(const ApprovalAction& action,
                                                                     std::int64_t required,
                                                                     const AfterApproval& next) = 0;
    // Same errors as Approve; the deployment becomes rejected.
    virtual boost::asio::awaitable<Expected<ApprovalResult>> Reject(
        const ApprovalAction& action) = 0;
    // A deployment not yet on the agent becomes cancelled; one that is deploying only gets a
    // "cancel requested" event (running = true; the caller asks the agent). kNotFound; kConflict
    // when it has already finished.
    virtual boost::asio::awaitable<Expected<ApprovalResult>> Cancel(
        const ApprovalAction& action) = 0;
};

}  // namespace waka::coordinator::ports
