#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// Fleet rollouts (docs/rollouts.md, ADR 0035): one change to many instances in phases, with a
// concurrency cap, a failure threshold per phase and a fleet revert. This file is the pure part:
// the strategy and its arithmetic, the life of a rollout as one table, and the decision of what a
// scheduler pass does next from the counts of its members. No Asio, no database.
namespace waka::coordinator::domain {

// "N or N %": a count of members, or a percentage of a whole.
struct Amount {
    bool percent = false;
    double value = 0;  // a count >= 0, or a percentage in [0, 100]

    bool operator==(const Amount&) const = default;
    // The count this amount is of `whole`: a percentage rounds up (a share of a fleet is at least
    // one member when the percentage is not 0); a count is clamped to `whole`.
    [[nodiscard]] std::size_t Of(std::size_t whole) const;
    // Like Of, but a percentage rounds down: what may fail must not round a 10 % allowance of 5
    // members up to a whole member.
    [[nodiscard]] std::size_t FloorOf(std::size_t whole) const;
};

// "25%" or "3": the JSON and wakactl form. Errors: kInvalidArgument naming the problem.
[[nodiscard]] Expected<Amount> ParseAmount(std::string_view text);
[[nodiscard]] std::string ToString(const Amount& amount);

struct RolloutPhase {
    std::string name;
    // How many members have been started by the end of this phase, counted from the first phase
    // (canary 1, then 10 %, 50 %, 100 %): cumulative, not this phase's own share.
    Amount reach;
    std::chrono::minutes bake{0};  // wait after the phase finished before the next one starts

    bool operator==(const RolloutPhase&) const = default;
};

enum class FailureAction { kPause, kRevert };

struct RolloutStrategy {
    std::vector<RolloutPhase> phases;
    Amount max_concurrency{true, 100};  // started and unfinished members at once (of all members)
    Amount max_failures{false, 0};      // failed members a phase tolerates (of its own size)
    FailureAction on_failure = FailureAction::kPause;
    // A member whose deployment should run but whose agent has not been seen for this long counts
    // as failed.
    std::chrono::minutes unreachable_after{15};

    bool operator==(const RolloutStrategy&) const = default;
};

// The one-phase strategy used when a request names none: everything at once, pause at the first
// failure.
[[nodiscard]] RolloutStrategy DefaultStrategy();
// What a patch's enforcement uses unless configured (patches.rollout_strategy, ADR 0038): no
// bake, a quarter of the affected fleet at once, pause once more than a tenth has failed.
[[nodiscard]] RolloutStrategy PatchEnforcementStrategy();
// Errors (kInvalidArgument, the message names the field): no phase, more than 20, an empty or
// repeated name, a reach that goes down, a last phase that does not reach 100 %, a percentage
// outside [0, 100], a bake over 7 days, unreachable_after outside 1 minute..7 days.
[[nodiscard]] Expected<void> ValidateStrategy(const RolloutStrategy& strategy);

// Members per phase for `members` instances, in phase order: each phase's reach rounded up and at
// least 1 (when there is a member), never below the previous phase's, the last one all of them.
// A phase that adds nobody (a reach already met) has size 0 and passes through.
[[nodiscard]] std::vector<std::size_t> PhaseSizes(const RolloutStrategy& strategy,
                                                  std::size_t members);

enum class RolloutState { kRunning, kPaused, kSucceeded, kAborted, kReverting, kReverted };

enum class RolloutEvent {
    kPause,            // an operator paused it
    kThresholdPaused,  // failures crossed the threshold, on_failure pause
    kResume,
    kAbort,            // members not started are cancelled; changed ones stay
    kRevert,           // an operator asked for the fleet revert
    kThresholdRevert,  // failures crossed the threshold, on_failure revert
    kCompleted,        // the last phase finished and baked
    kRevertCompleted,  // every changed member is back (or could not be)
};

struct RolloutTransition {
    RolloutState from;
    RolloutEvent event;
    RolloutState to;
};

[[nodiscard]] std::span<const RolloutTransition> RolloutTransitions();
[[nodiscard]] std::optional<RolloutState> NextRolloutState(RolloutState from, RolloutEvent event);
[[nodiscard]] std::vector<RolloutState> RolloutStatesAccepting(RolloutEvent event);
[[nodiscard]] bool IsFinished(RolloutState state);  // succeeded, aborted, reverted

[[nodiscard]] std::string_view ToString(RolloutState state);
[[nodiscard]] std::optional<RolloutState> ParseRolloutState(std::string_view text);
[[nodiscard]] std::string_view ToString(RolloutEvent event);
[[nodiscard]] std::string_view ToString(FailureAction action);
[[nodiscard]] std::optional<FailureAction> ParseFailureAction(std::string_view text);

// What a member is, derived from its row and its deployment's status (pg/rollout_repository.cpp
// computes it in SQL with the same words).
enum class MemberStatus {
    kPending,    // not started yet
    kWaiting,    // its deployment waits for a window or approvals
    kRunning,    // its deployment is queued or on the agent
    kSucceeded,  // deployed
    kFailed,     // failed, rolled back by the agent, or its agent unreachable past the deadline
    kSkipped,    // not started: frozen, impossible for its pins, rejected or expired
    kCancelled,  // not started because the rollout was aborted or reverted
};

[[nodiscard]] std::span<const MemberStatus> AllMemberStatuses();
[[nodiscard]] std::string_view ToString(MemberStatus status);
[[nodiscard]] std::optional<MemberStatus> ParseMemberStatus(std::string_view text);

struct PhaseCounts {
    std::size_t pending = 0;
    std::size_t waiting = 0;
    std::size_t running = 0;
    std::size_t succeeded = 0;
    std::size_t failed = 0;
    std::size_t skipped = 0;
    std::size_t cancelled = 0;

    void Add(MemberStatus status, std::size_t count);
    PhaseCounts& operator+=(const PhaseCounts& other);
    [[nodiscard]] std::size_t Of(MemberStatus status) const;
    [[nodiscard]] std::size_t Total() const;
    [[nodiscard]] std::size_t InProgress() const { return waiting + running; }
    // Nothing left to start or to wait for.
    [[nodiscard]] bool Finished() const { return pending == 0 && InProgress() == 0; }
};

// What a scheduler pass does for one running rollout.
struct ProgressStep {
    enum class Kind {
        kWait,           // nothing to do now
        kStartMembers,   // start `count` pending members of the current phase
        kPhaseFinished,  // record the end of the current phase (its bake starts now)
        kNextPhase,      // the current phase baked: the next one starts
        kComplete,       // the last phase baked: the rollout succeeded
        kThreshold,      // failures crossed the threshold: pause or revert (strategy.on_failure)
    };
    Kind kind = Kind::kWait;
    std::size_t count = 0;
    std::string reason;  // kThreshold: which phase, how many failed, how many were allowed
    std::optional<TimePoint> wake_at;  // kWait during a bake: when it ends
};

struct RolloutProgress {
    RolloutState state = RolloutState::kRunning;
    std::size_t current_phase = 0;
    std::vector<PhaseCounts> phases;             // one per phase of the strategy
    std::optional<TimePoint> phase_finished_at;  // the current phase's, once finished
};

[[nodiscard]] ProgressStep DecideProgress(const RolloutStrategy& strategy,
                                          const RolloutProgress& progress, TimePoint now);

}  // namespace waka::coordinator::domain
