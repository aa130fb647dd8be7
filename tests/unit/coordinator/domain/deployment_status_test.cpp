#include "coordinator/domain/deployment_status.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

// The life of a deployment as one table (coordinator/domain/deployment_status.hpp): every row a
// case, and what the table must never allow.
namespace waka::coordinator::domain {
namespace {

using S = DeploymentStatus;
using E = StatusEvent;

TEST(DeploymentStatus, EveryLegalTransitionAsATable) {
    struct Case {
        S from;
        E event;
        S to;
    };
    const Case cases[] = {
        {S::kPending, E::kAllowedNow, S::kQueued},
        {S::kPending, E::kDeferredToWindow, S::kScheduled},
        {S::kPending, E::kApprovalRequired, S::kAwaitingApproval},
        {S::kAwaitingApproval, E::kApproved, S::kQueued},
        {S::kAwaitingApproval, E::kApprovedOutsideWindow, S::kScheduled},
        {S::kAwaitingApproval, E::kRejected, S::kRejected},
        {S::kAwaitingApproval, E::kApprovalExpired, S::kExpired},
        {S::kScheduled, E::kWindowOpened, S::kQueued},
        {S::kQueued, E::kWindowClosed, S::kScheduled},
        {S::kQueued, E::kDispatched, S::kDeploying},
        {S::kDeploying, E::kAgentSucceeded, S::kDeployed},
        {S::kDeploying, E::kAgentFailed, S::kFailed},
        {S::kDeploying, E::kAgentRolledBack, S::kRolledBack},
        {S::kPending, E::kCancelled, S::kCancelled},
        {S::kAwaitingApproval, E::kCancelled, S::kCancelled},
        {S::kScheduled, E::kCancelled, S::kCancelled},
        {S::kQueued, E::kCancelled, S::kCancelled},
        {S::kDeploying, E::kCancelled, S::kDeploying},  // asked of the agent, no status change
    };
    for (const auto& c : cases) {
        auto to = NextStatus(c.from, c.event);
        ASSERT_TRUE(to) << ToString(c.from) << " + " << ToString(c.event);
        EXPECT_EQ(*to, c.to) << ToString(c.from) << " + " << ToString(c.event);
    }
    EXPECT_EQ(StatusTransitions().size(), std::size(cases));
}

TEST(DeploymentStatus, IllegalTransitionsHaveNoRow) {
    EXPECT_FALSE(NextStatus(S::kDeployed, E::kDispatched));          // finished work never restarts
    EXPECT_FALSE(NextStatus(S::kScheduled, E::kDispatched));         // a window comes first
    EXPECT_FALSE(NextStatus(S::kAwaitingApproval, E::kDispatched));  // approvals come first
    EXPECT_FALSE(NextStatus(S::kQueued, E::kAgentSucceeded));        // only a running one ends
    EXPECT_FALSE(NextStatus(S::kQueued, E::kApproved));
    EXPECT_FALSE(NextStatus(S::kCancelled, E::kCancelled));
    EXPECT_FALSE(NextStatus(S::kFailed, E::kAgentSucceeded));  // a late result changes nothing
}

TEST(DeploymentStatus, TerminalStatusesAreThoseNoTransitionLeaves) {
    std::set<std::string> terminal;
    for (const auto status : AllDeploymentStatuses()) {
        if (IsTerminal(status)) {
            terminal.insert(std::string(ToString(status)));
        }
    }
    EXPECT_EQ(terminal, (std::set<std::string>{"cancelled", "deployed", "expired", "failed",
                                               "rejected", "rolled_back"}));
    for (const auto& row : StatusTransitions()) {
        EXPECT_FALSE(IsTerminal(row.from)) << ToString(row.from);
    }
}

TEST(DeploymentStatus, GuardsAreTheStatusesAnEventAppliesTo) {
    EXPECT_EQ(StatusesAccepting(E::kDispatched), std::vector<S>{S::kQueued});
    EXPECT_EQ(StatusesAccepting(E::kAgentFailed), std::vector<S>{S::kDeploying});
    EXPECT_EQ(StatusesAccepting(E::kCancelled),
              (std::vector<S>{S::kPending, S::kAwaitingApproval, S::kScheduled, S::kQueued,
                              S::kDeploying}));
}

TEST(DeploymentStatus, WordsReadBackAsTheSameStatus) {
    EXPECT_EQ(AllDeploymentStatuses().size(), 11u);
    for (const auto status : AllDeploymentStatuses()) {
        auto parsed = ParseDeploymentStatus(ToString(status));
        ASSERT_TRUE(parsed) << ToString(status);
        EXPECT_EQ(*parsed, status);
    }
    EXPECT_FALSE(ParseDeploymentStatus("Deployed"));
    EXPECT_FALSE(ParseDeploymentStatus("done"));
    EXPECT_FALSE(ParseDeploymentStatus(""));
}

TEST(DeploymentStatus, PrototypeWordsForRollbacksAndPatchApplications) {
    struct Case {
        S status;
        const char* rollback;
        const char* patch;
    };
    const Case cases[] = {
        {S::kPending, "pending", "pending"},
        {S::kAwaitingApproval, "pending", "pending"},
        {S::kScheduled, "pending", "pending"},
        {S::kQueued, "pending", "pending"},
        {S::kDeploying, "in_progress", "in_progress"},
        {S::kDeployed, "completed", "applied"},
        {S::kFailed, "failed", "failed"},
        {S::kRolledBack, "failed", "failed"},
        {S::kRejected, "cancelled", "cancelled"},
        {S::kExpired, "cancelled", "cancelled"},
        {S::kCancelled, "cancelled", "cancelled"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(RollbackStatus(c.status), c.rollback) << ToString(c.status);
        EXPECT_EQ(PatchApplicationStatus(c.status), c.patch) << ToString(c.status);
    }
}

}  // namespace
}  // namespace waka::coordinator::domain
