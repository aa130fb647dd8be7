#include "coordinator/domain/deployment_status.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace waka::coordinator::domain {
namespace {

using S = DeploymentStatus;
using E = StatusEvent;

// The whole life of a deployment. A deployment is stored once the policy has decided (pending
// appears only in its first event); the agent's outcome is accepted only while it is deploying.
// clang-format off
constexpr std::array<StatusTransition, 18> kTransitions{{
    // from                  event                        to
    {S::kPending,          E::kAllowedNow,            S::kQueued},
    {S::kPending,          E::kDeferredToWindow,      S::kScheduled},
    {S::kPending,          E::kApprovalRequired,      S::kAwaitingApproval},
    {S::kAwaitingApproval, E::kApproved,              S::kQueued},
    {S::kAwaitingApproval, E::kApprovedOutsideWindow, S::kScheduled},
    {S::kAwaitingApproval, E::kRejected,              S::kRejected},
    {S::kAwaitingApproval, E::kApprovalExpired,       S::kExpired},
    {S::kScheduled,        E::kWindowOpened,          S::kQueued},
    {S::kQueued,           E::kWindowClosed,          S::kScheduled},
    {S::kQueued,           E::kDispatched,            S::kDeploying},
    {S::kDeploying,        E::kAgentSucceeded,        S::kDeployed},
    {S::kDeploying,        E::kAgentFailed,           S::kFailed},
    {S::kDeploying,        E::kAgentRolledBack,       S::kRolledBack},
    {S::kPending,          E::kCancelled,             S::kCancelled},
    {S::kAwaitingApproval, E::kCancelled,             S::kCancelled},
    {S::kScheduled,        E::kCancelled,             S::kCancelled},
    {S::kQueued,           E::kCancelled,             S::kCancelled},
    // Not a status change: a cancel of a running deployment is asked of the agent, which answers
    // with its outcome. Listed so that the table says where a cancel may be asked at all.
    {S::kDeploying,        E::kCancelled,             S::kDeploying},
}};
// clang-format on

constexpr std::array<std::pair<S, std::string_view>, 11> kStatusNames{{
    {S::kPending, "pending"},
    {S::kAwaitingApproval, "awaiting_approval"},
    {S::kScheduled, "scheduled"},
    {S::kQueued, "queued"},
    {S::kDeploying, "deploying"},
    {S::kDeployed, "deployed"},
    {S::kFailed, "failed"},
    {S::kRolledBack, "rolled_back"},
    {S::kRejected, "rejected"},
    {S::kExpired, "expired"},
    {S::kCancelled, "cancelled"},
}};

constexpr std::array<S, 11> kAllStatuses{
    S::kPending, S::kAwaitingApproval, S::kScheduled, S::kQueued,  S::kDeploying, S::kDeployed,
    S::kFailed,  S::kRolledBack,       S::kRejected,  S::kExpired, S::kCancelled};

constexpr std::array<std::pair<E, std::string_view>, 14> kEventNames{{
    {E::kAllowedNow, "allowed_now"},
    {E::kDeferredToWindow, "deferred_to_window"},
    {E::kApprovalRequired, "approval_required"},
    {E::kApproved, "approved"},
    {E::kApprovedOutsideWindow, "approved_outside_window"},
    {E::kRejected, "rejected"},
    {E::kApprovalExpired, "approval_expired"},
    {E::kWindowOpened, "window_opened"},
    {E::kWindowClosed, "window_closed"},
    {E::kDispatched, "dispatched"},
    {E::kAgentSucceeded, "agent_succeeded"},
    {E::kAgentFailed, "agent_failed"},
    {E::kAgentRolledBack, "agent_rolled_back"},
    {E::kCancelled, "cancelled"},
}};

}  // namespace

std::span<const StatusTransition> StatusTransitions() { return kTransitions; }

std::optional<DeploymentStatus> NextStatus(DeploymentStatus from, StatusEvent event) {
    for (const auto& row : kTransitions) {
        if (row.from == from && row.event == event) {
            return row.to;
        }
    }
    return std::nullopt;
}

std::vector<DeploymentStatus> StatusesAccepting(StatusEvent event) {
    std::vector<DeploymentStatus> out;
    for (const auto status : kAllStatuses) {
        if (NextStatus(status, event)) {
            out.push_back(status);
        }
    }
    return out;
}

bool IsTerminal(DeploymentStatus status) {
    return std::none_of(kTransitions.begin(), kTransitions.end(),
                        [status](const StatusTransition& row) { return row.from == status; });
}

std::span<const DeploymentStatus> AllDeploymentStatuses() { return kAllStatuses; }

std::string_view ToString(DeploymentStatus status) {
    for (const auto& [value, name] : kStatusNames) {
        if (value == status) {
            return name;
        }
    }
    return "pending";
}

std::optional<DeploymentStatus> ParseDeploymentStatus(std::string_view text) {
    for (const auto& [value, name] : kStatusNames) {
        if (name == text) {
            return value;
        }
    }
    return std::nullopt;
}

std::string_view ToString(StatusEvent event) {
    for (const auto& [value, name] : kEventNames) {
        if (value == event) {
            return name;
        }
    }
    return "cancelled";
}

std::string_view PrototypeStatus(DeploymentStatus status, std::string_view done) {
    switch (status) {
        case S::kDeploying:
            return "in_progress";
        case S::kDeployed:
            return done;
        case S::kFailed:
        case S::kRolledBack:
            return "failed";
        case S::kCancelled:
        case S::kRejected:
        case S::kExpired:
            return "cancelled";
        case S::kPending:
        case S::kAwaitingApproval:
        case S::kScheduled:
        case S::kQueued:
            break;
    }
    return "pending";
}

std::string_view RollbackStatus(DeploymentStatus status) {
    return PrototypeStatus(status, "completed");
}

std::string_view PatchApplicationStatus(DeploymentStatus status) {
    return PrototypeStatus(status, "applied");
}

}  // namespace waka::coordinator::domain
