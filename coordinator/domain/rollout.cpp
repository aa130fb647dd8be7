#include "coordinator/domain/rollout.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <set>

namespace waka::coordinator::domain {
namespace {

constexpr std::size_t kMaxPhases = 20;
constexpr auto kMaxBake = std::chrono::minutes(7 * 24 * 60);

Error Invalid(const std::string& field, const std::string& problem) {
    return MakeError(Errc::kInvalidArgument, field + ": " + problem);
}

Expected<void> CheckAmount(const Amount& amount, const std::string& field) {
    if (!std::isfinite(amount.value) || amount.value < 0) {
        return Invalid(field, "must not be negative");
    }
    if (amount.percent && amount.value > 100) {
        return Invalid(field, "a percentage is at most 100 %");
    }
    if (!amount.percent && amount.value != std::floor(amount.value)) {
        return Invalid(field, "a count is a whole number");
    }
    return {};
}

// The reach of a phase as a comparable figure when both are of the same kind; counts and
// percentages cannot be compared before the members are known, so only like with like is checked.
bool Decreases(const Amount& previous, const Amount& next) {
    return previous.percent == next.percent && next.value < previous.value;
}

constexpr std::array kTransitions{
    RolloutTransition{RolloutState::kRunning, RolloutEvent::kPause, RolloutState::kPaused},
    RolloutTransition{RolloutState::kRunning, RolloutEvent::kThresholdPaused,
                      RolloutState::kPaused},
    RolloutTransition{RolloutState::kRunning, RolloutEvent::kAbort, RolloutState::kAborted},
    RolloutTransition{RolloutState::kRunning, RolloutEvent::kRevert, RolloutState::kReverting},
    RolloutTransition{RolloutState::kRunning, RolloutEvent::kThresholdRevert,
                      RolloutState::kReverting},
    RolloutTransition{RolloutState::kRunning, RolloutEvent::kCompleted, RolloutState::kSucceeded},
    RolloutTransition{RolloutState::kPaused, RolloutEvent::kResume, RolloutState::kRunning},
    RolloutTransition{RolloutState::kPaused, RolloutEvent::kAbort, RolloutState::kAborted},
    RolloutTransition{RolloutState::kPaused, RolloutEvent::kRevert, RolloutState::kReverting},
    // A finished rollout can still be taken back as a whole.
    RolloutTransition{RolloutState::kSucceeded, RolloutEvent::kRevert, RolloutState::kReverting},
    RolloutTransition{RolloutState::kAborted, RolloutEvent::kRevert, RolloutState::kReverting},
    RolloutTransition{RolloutState::kReverting, RolloutEvent::kRevertCompleted,
                      RolloutState::kReverted},
};

constexpr std::array kStateWords{
    std::pair{RolloutState::kRunning, std::string_view("running")},
    std::pair{RolloutState::kPaused, std::string_view("paused")},
    std::pair{RolloutState::kSucceeded, std::string_view("succeeded")},
    std::pair{RolloutState::kAborted, std::string_view("aborted")},
    std::pair{RolloutState::kReverting, std::string_view("reverting")},
    std::pair{RolloutState::kReverted, std::string_view("reverted")},
};

constexpr std::array kMemberWords{
    std::pair{MemberStatus::kPending, std::string_view("pending")},
    std::pair{MemberStatus::kWaiting, std::string_view("waiting")},
    std::pair{MemberStatus::kRunning, std::string_view("running")},
    std::pair{MemberStatus::kSucceeded, std::string_view("succeeded")},
    std::pair{MemberStatus::kFailed, std::string_view("failed")},
    std::pair{MemberStatus::kSkipped, std::string_view("skipped")},
    std::pair{MemberStatus::kCancelled, std::string_view("cancelled")},
};

constexpr std::array kAllMemberStatuses{
    MemberStatus::kPending,   MemberStatus::kWaiting, MemberStatus::kRunning,
    MemberStatus::kSucceeded, MemberStatus::kFailed,  MemberStatus::kSkipped,
    MemberStatus::kCancelled,
};

}  // namespace

std::size_t Amount::Of(std::size_t whole) const {
    if (!percent) {
        return std::min(whole, static_cast<std::size_t>(value));
    }
    // Rounded up, computed in integers of hundredths of a percent so 10 % of 30 is exactly 3.
    const auto hundredths = static_cast<std::uint64_t>(std::llround(value * 100));
    const std::uint64_t share = (hundredths * whole + 9999) / 10000;
    return std::min<std::size_t>(whole, share);
}

std::size_t Amount::FloorOf(std::size_t whole) const {
    if (!percent) {
        return static_cast<std::size_t>(value);
    }
    const auto hundredths = static_cast<std::uint64_t>(std::llround(value * 100));
    return static_cast<std::size_t>(hundredths * whole / 10000);
}

Expected<Amount> ParseAmount(std::string_view text) {
    Amount amount;
    if (!text.empty() && text.back() == '%') {
        amount.percent = true;
        text.remove_suffix(1);
        while (!text.empty() && text.back() == ' ') {
            text.remove_suffix(1);
        }
    }
    const char* end = text.data() + text.size();
    auto [stop, error] = std::from_chars(text.data(), end, amount.value);
    if (text.empty() || error != std::errc() || stop != end) {
        return MakeError(Errc::kInvalidArgument, "must be a count (3) or a percentage (25%)");
    }
    if (auto checked = CheckAmount(amount, "amount"); !checked) {
        return checked.error();
    }
    return amount;
}

std::string ToString(const Amount& amount) {
    char buffer[32];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), amount.value);
    std::string text(buffer, error == std::errc() ? end : buffer);
    return amount.percent ? text + "%" : text;
}

RolloutStrategy DefaultStrategy() {
    RolloutStrategy strategy;
    strategy.phases.push_back({"all", Amount{true, 100}, std::chrono::minutes(0)});
    return strategy;
}

RolloutStrategy PatchEnforcementStrategy() {
    RolloutStrategy strategy = DefaultStrategy();
    strategy.max_concurrency = Amount{true, 25};
    strategy.max_failures = Amount{true, 10};
    strategy.on_failure = FailureAction::kPause;
    return strategy;
}

Expected<void> ValidateStrategy(const RolloutStrategy& strategy) {
    if (strategy.phases.empty()) {
        return Invalid("strategy.phases", "at least one phase is needed");
    }
    if (strategy.phases.size() > kMaxPhases) {
        return Invalid("strategy.phases", "at most 20 phases");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < strategy.phases.size(); ++i) {
        const auto& phase = strategy.phases[i];
        const std::string field = "strategy.phases[" + std::to_string(i) + "]";
        if (phase.name.empty() || phase.name.size() > 64) {
            return Invalid(field + ".name", "must be 1 to 64 characters");
        }
        if (!names.insert(phase.name).second) {
            return Invalid(field + ".name", "phase " + phase.name + " is named twice");
        }
        if (auto checked = CheckAmount(phase.reach, field); !checked) {
            return checked;
        }
        if (!phase.reach.percent && phase.reach.value < 1) {
            return Invalid(field + ".count", "must be at least 1");
        }
        if (i > 0 && Decreases(strategy.phases[i - 1].reach, phase.reach)) {
            return Invalid(field, "reaches fewer members than the phase before it");
        }
        if (phase.bake < std::chrono::minutes(0) || phase.bake > kMaxBake) {
            return Invalid(field + ".bake_minutes", "must be 0 to 10080 (7 days)");
        }
    }
    const auto& last = strategy.phases.back().reach;
    if (!last.percent || last.value != 100) {
        return Invalid("strategy.phases", "the last phase must reach 100 % of the members");
    }
    if (auto checked = CheckAmount(strategy.max_concurrency, "strategy.max_concurrency");
        !checked) {
        return checked;
    }
    if (strategy.max_concurrency.value == 0) {
        return Invalid("strategy.max_concurrency", "must be at least 1 member or above 0 %");
    }
    if (auto checked = CheckAmount(strategy.max_failures, "strategy.max_failures"); !checked) {
        return checked;
    }
    if (strategy.unreachable_after < std::chrono::minutes(1) ||
        strategy.unreachable_after > kMaxBake) {
        return Invalid("strategy.unreachable_minutes", "must be 1 to 10080 (7 days)");
    }
    return {};
}

std::vector<std::size_t> PhaseSizes(const RolloutStrategy& strategy, std::size_t members) {
    std::vector<std::size_t> sizes;
    std::size_t reached = 0;
    for (std::size_t i = 0; i < strategy.phases.size(); ++i) {
        const bool last = i + 1 == strategy.phases.size();
        std::size_t reach = last ? members : strategy.phases[i].reach.Of(members);
        reach = std::max(reach, std::min<std::size_t>(members, 1));
        reach = std::max(reach, reached);
        sizes.push_back(reach - reached);
        reached = reach;
    }
    return sizes;
}

std::span<const RolloutTransition> RolloutTransitions() { return kTransitions; }

std::optional<RolloutState> NextRolloutState(RolloutState from, RolloutEvent event) {
    for (const auto& row : kTransitions) {
        if (row.from == from && row.event == event) {
            return row.to;
        }
    }
    return std::nullopt;
}

std::vector<RolloutState> RolloutStatesAccepting(RolloutEvent event) {
    std::vector<RolloutState> states;
    for (const auto& [state, word] : kStateWords) {
        if (NextRolloutState(state, event)) {
            states.push_back(state);
        }
    }
    return states;
}

bool IsFinished(RolloutState state) {
    return state == RolloutState::kSucceeded || state == RolloutState::kAborted ||
           state == RolloutState::kReverted;
}

std::string_view ToString(RolloutState state) {
    for (const auto& [value, word] : kStateWords) {
        if (value == state) {
            return word;
        }
    }
    return "unknown";
}

std::optional<RolloutState> ParseRolloutState(std::string_view text) {
    for (const auto& [value, word] : kStateWords) {
        if (word == text) {
            return value;
        }
    }
    return std::nullopt;
}

std::string_view ToString(RolloutEvent event) {
    switch (event) {
        case RolloutEvent::kPause:
            return "pause";
        case RolloutEvent::kThresholdPaused:
            return "threshold_pause";
        case RolloutEvent::kResume:
            return "resume";
        case RolloutEvent::kAbort:
            return "abort";
        case RolloutEvent::kRevert:
            return "revert";
        case RolloutEvent::kThresholdRevert:
            return "threshold_revert";
        case RolloutEvent::kCompleted:
            return "complete";
        case RolloutEvent::kRevertCompleted:
            return "revert_complete";
    }
    return "unknown";
}

std::string_view ToString(FailureAction action) {
    return action == FailureAction::kRevert ? "revert" : "pause";
}

std::optional<FailureAction> ParseFailureAction(std::string_view text) {
    if (text == "pause") {
        return FailureAction::kPause;
    }
    if (text == "revert") {
        return FailureAction::kRevert;
    }
    return std::nullopt;
}

std::span<const MemberStatus> AllMemberStatuses() { return kAllMemberStatuses; }

std::string_view ToString(MemberStatus status) {
    for (const auto& [value, word] : kMemberWords) {
        if (value == status) {
            return word;
        }
    }
    return "unknown";
}

std::optional<MemberStatus> ParseMemberStatus(std::string_view text) {
    for (const auto& [value, word] : kMemberWords) {
        if (word == text) {
            return value;
        }
    }
    return std::nullopt;
}

void PhaseCounts::Add(MemberStatus status, std::size_t count) {
    switch (status) {
        case MemberStatus::kPending:
            pending += count;
            break;
        case MemberStatus::kWaiting:
            waiting += count;
            break;
        case MemberStatus::kRunning:
            running += count;
            break;
        case MemberStatus::kSucceeded:
            succeeded += count;
            break;
        case MemberStatus::kFailed:
            failed += count;
            break;
        case MemberStatus::kSkipped:
            skipped += count;
            break;
        case MemberStatus::kCancelled:
            cancelled += count;
            break;
    }
}

PhaseCounts& PhaseCounts::operator+=(const PhaseCounts& other) {
    for (auto status : kAllMemberStatuses) {
        Add(status, other.Of(status));
    }
    return *this;
}

std::size_t PhaseCounts::Of(MemberStatus status) const {
    switch (status) {
        case MemberStatus::kPending:
            return pending;
        case MemberStatus::kWaiting:
            return waiting;
        case MemberStatus::kRunning:
            return running;
        case MemberStatus::kSucceeded:
            return succeeded;
        case MemberStatus::kFailed:
            return failed;
        case MemberStatus::kSkipped:
            return skipped;
        case MemberStatus::kCancelled:
            return cancelled;
    }
    return 0;
}

std::size_t PhaseCounts::Total() const {
    return pending + waiting + running + succeeded + failed + skipped + cancelled;
}

ProgressStep DecideProgress(const RolloutStrategy& strategy, const RolloutProgress& progress,
                            TimePoint now) {
    ProgressStep step;
    if (progress.state != RolloutState::kRunning ||
        progress.current_phase >= progress.phases.size() ||
        progress.current_phase >= strategy.phases.size()) {
        return step;
    }
    const PhaseCounts& phase = progress.phases[progress.current_phase];
    const std::size_t allowed = strategy.max_failures.FloorOf(phase.Total());
    if (phase.failed > allowed) {
        step.kind = ProgressStep::Kind::kThreshold;
        step.reason = "phase " + strategy.phases[progress.current_phase].name + ": " +
                      std::to_string(phase.failed) + " of " + std::to_string(phase.Total()) +
                      " members failed (" + std::to_string(allowed) + " allowed)";
        return step;
    }
    if (phase.pending > 0) {
        std::size_t members = 0;
        std::size_t in_progress = 0;
        for (const auto& counts : progress.phases) {
            members += counts.Total();
            in_progress += counts.InProgress();
        }
        const std::size_t cap = std::max<std::size_t>(1, strategy.max_concurrency.Of(members));
        if (in_progress < cap) {
            step.kind = ProgressStep::Kind::kStartMembers;
            step.count = std::min(phase.pending, cap - in_progress);
        }
        return step;
    }
    if (phase.InProgress() > 0) {
        return step;
    }
    if (!progress.phase_finished_at) {
        step.kind = ProgressStep::Kind::kPhaseFinished;
        return step;
    }
    const TimePoint baked =
        *progress.phase_finished_at + strategy.phases[progress.current_phase].bake;
    if (now < baked) {
        step.wake_at = baked;
        return step;
    }
    const bool last = progress.current_phase + 1 >= strategy.phases.size();
    step.kind = last ? ProgressStep::Kind::kComplete : ProgressStep::Kind::kNextPhase;
    return step;
}

}  // namespace waka::coordinator::domain
