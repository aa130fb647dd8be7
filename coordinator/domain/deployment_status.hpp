#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

// The life of a deployment (docs/design.md §3) as one table: every status, every event that moves
// a deployment, and the legal {from, event, to} transitions. Every layer uses these enums; the
// status words exist only at the edges (the SQL codec, JSON, wakactl output). Pure, thread-safe.
namespace waka::coordinator::domain {

enum class DeploymentStatus {
    kPending,           // requested, not yet decided (only in the first event of a deployment)
    kAwaitingApproval,  // the policy asks for approvals
    kScheduled,         // waiting for a maintenance window
    kQueued,            // waiting for the agent
    kDeploying,         // on the agent
    kDeployed,          // the agent reported success: the instance is on the new manifest
    kFailed,            // the agent failed and could not restore the previous versions
    kRolledBack,        // the agent failed and restored the previous versions
    kRejected,          // an approver said no
    kExpired,           // no approval decision within the policy's timeout
    kCancelled,         // withdrawn before it reached the agent
};

// What happens to a deployment (not to be confused with DeploymentEvent, an entry of its history).
enum class StatusEvent {
    kAllowedNow,             // policy: runs now
    kDeferredToWindow,       // policy: waits for a window
    kApprovalRequired,       // policy: waits for approvals
    kApproved,               // last approval, window open (or none)
    kApprovedOutsideWindow,  // last approval, window closed
    kRejected,
    kApprovalExpired,
    kWindowOpened,  // scheduler: a scheduled deployment may go
    kWindowClosed,  // scheduler: a queued deployment the agent did not take waits again
    kDispatched,    // handed to the agent
    kAgentSucceeded,
    kAgentFailed,
    kAgentRolledBack,
    kCancelled,
};

struct StatusTransition {
    DeploymentStatus from;
    StatusEvent event;
    DeploymentStatus to;
};

// Every legal transition, one row each.
[[nodiscard]] std::span<const StatusTransition> StatusTransitions();
// Where `event` takes a deployment in status `from`; nullopt when the table has no such row.
[[nodiscard]] std::optional<DeploymentStatus> NextStatus(DeploymentStatus from, StatusEvent event);
// The statuses `event` applies to (the guard of a conditional update), in enum order.
[[nodiscard]] std::vector<DeploymentStatus> StatusesAccepting(StatusEvent event);
// True for the statuses a deployment never leaves (no transition starts there).
[[nodiscard]] bool IsTerminal(DeploymentStatus status);

// Every status, in enum order (lists, metrics).
[[nodiscard]] std::span<const DeploymentStatus> AllDeploymentStatuses();
// "pending", "awaiting_approval", ..., as stored, answered by the API and printed by wakactl.
[[nodiscard]] std::string_view ToString(DeploymentStatus status);
[[nodiscard]] std::optional<DeploymentStatus> ParseDeploymentStatus(std::string_view text);
[[nodiscard]] std::string_view ToString(StatusEvent event);

// The prototype's status words (docs/patches-and-rollback.md), shared by rollbacks and patch
// applications: pending | in_progress | `done` | failed | cancelled.
[[nodiscard]] std::string_view PrototypeStatus(DeploymentStatus status, std::string_view done);
// A rollback's: `done` is "completed".
[[nodiscard]] std::string_view RollbackStatus(DeploymentStatus status);
// A patch application's: `done` is "applied".
[[nodiscard]] std::string_view PatchApplicationStatus(DeploymentStatus status);

}  // namespace waka::coordinator::domain
