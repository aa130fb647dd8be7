#include "coordinator/domain/rollout.hpp"

#include <gtest/gtest.h>

#include "coordinator/domain/rollout_codec.hpp"

namespace waka::coordinator::domain {
namespace {

using std::chrono::minutes;

RolloutStrategy Canary() {
    RolloutStrategy strategy;
    strategy.phases = {{"canary", Amount{false, 1}, minutes(0)},
                       {"tenth", Amount{true, 10}, minutes(5)},
                       {"half", Amount{true, 50}, minutes(0)},
                       {"all", Amount{true, 100}, minutes(0)}};
    return strategy;
}

TEST(RolloutAmountTest, PercentagesRoundUpAndCountsClamp) {
    EXPECT_EQ((Amount{true, 10}.Of(30)), 3u);
    EXPECT_EQ((Amount{true, 10}.Of(31)), 4u);
    EXPECT_EQ((Amount{true, 10}.Of(5)), 1u);
    EXPECT_EQ((Amount{true, 0}.Of(5)), 0u);
    EXPECT_EQ((Amount{true, 100}.Of(7)), 7u);
    EXPECT_EQ((Amount{true, 33.3}.Of(1000)), 333u);
    EXPECT_EQ((Amount{false, 3}.Of(2)), 2u);
    EXPECT_EQ((Amount{false, 3}.Of(10)), 3u);
}

TEST(RolloutAmountTest, AllowancesRoundDown) {
    EXPECT_EQ((Amount{true, 10}.FloorOf(5)), 0u);
    EXPECT_EQ((Amount{true, 10}.FloorOf(10)), 1u);
    EXPECT_EQ((Amount{true, 10}.FloorOf(19)), 1u);
    EXPECT_EQ((Amount{false, 2}.FloorOf(1)), 2u);
}

TEST(RolloutAmountTest, ParsesCountsAndPercentages) {
    EXPECT_EQ(*ParseAmount("25%"), (Amount{true, 25}));
    EXPECT_EQ(*ParseAmount("2.5 %"), (Amount{true, 2.5}));
    EXPECT_EQ(*ParseAmount("3"), (Amount{false, 3}));
    EXPECT_EQ(ToString(Amount{true, 25}), "25%");
    EXPECT_EQ(ToString(Amount{false, 3}), "3");
    for (const char* bad : {"", "%", "abc", "-1", "101%", "1.5", "3x"}) {
        EXPECT_FALSE(ParseAmount(bad)) << bad;
    }
}

TEST(RolloutPhaseSizesTest, CumulativeReachesBecomePhaseShares) {
    EXPECT_EQ(PhaseSizes(Canary(), 100), (std::vector<std::size_t>{1, 9, 40, 50}));
    EXPECT_EQ(PhaseSizes(Canary(), 12), (std::vector<std::size_t>{1, 1, 4, 6}));
    // A reach already met adds nobody; every member is in some phase.
    EXPECT_EQ(PhaseSizes(Canary(), 2), (std::vector<std::size_t>{1, 0, 0, 1}));
    EXPECT_EQ(PhaseSizes(Canary(), 1), (std::vector<std::size_t>{1, 0, 0, 0}));
    EXPECT_EQ(PhaseSizes(Canary(), 0), (std::vector<std::size_t>{0, 0, 0, 0}));
}

TEST(RolloutPhaseSizesTest, AZeroPercentPhaseStillStartsOne) {
    RolloutStrategy strategy;
    strategy.phases = {{"first", Amount{true, 0}, minutes(0)}, {"rest", Amount{true, 100}, {}}};
    EXPECT_EQ(PhaseSizes(strategy, 10), (std::vector<std::size_t>{1, 9}));
}

TEST(RolloutStrategyTest, RefusesWhatCannotRun) {
    EXPECT_TRUE(ValidateStrategy(Canary()));
    EXPECT_TRUE(ValidateStrategy(DefaultStrategy()));
    auto refused = [](RolloutStrategy strategy, std::string_view field) {
        auto checked = ValidateStrategy(strategy);
        ASSERT_FALSE(checked);
        EXPECT_NE(checked.error().message.find(field), std::string::npos)
            << checked.error().message;
    };
    RolloutStrategy none;
    refused(none, "strategy.phases");
    auto short_of_all = Canary();
    short_of_all.phases.pop_back();
    refused(short_of_all, "100 %");
    auto twice = Canary();
    twice.phases[1].name = "canary";
    refused(twice, "strategy.phases[1].name");
    auto down = Canary();
    down.phases[2].reach = Amount{true, 5};
    refused(down, "strategy.phases[2]");
    auto zero_count = Canary();
    zero_count.phases[0].reach = Amount{false, 0};
    refused(zero_count, "strategy.phases[0].count");
    auto long_bake = Canary();
    long_bake.phases[0].bake = minutes(7 * 24 * 60 + 1);
    refused(long_bake, "bake_minutes");
    auto no_concurrency = Canary();
    no_concurrency.max_concurrency = Amount{false, 0};
    refused(no_concurrency, "strategy.max_concurrency");
    auto over = Canary();
    over.max_failures = Amount{true, 150};
    refused(over, "strategy.max_failures");
    auto never_unreachable = Canary();
    never_unreachable.unreachable_after = minutes(0);
    refused(never_unreachable, "strategy.unreachable_minutes");
}

// The state table, row by row, and a few events it must refuse.
TEST(RolloutStateTest, TransitionsAsATable) {
    using S = RolloutState;
    using E = RolloutEvent;
    struct Row {
        S from;
        E event;
        std::optional<S> to;
    };
    const Row rows[] = {
        {S::kRunning, E::kPause, S::kPaused},
        {S::kRunning, E::kThresholdPaused, S::kPaused},
        {S::kRunning, E::kThresholdRevert, S::kReverting},
        {S::kRunning, E::kCompleted, S::kSucceeded},
        {S::kRunning, E::kAbort, S::kAborted},
        {S::kPaused, E::kResume, S::kRunning},
        {S::kPaused, E::kRevert, S::kReverting},
        {S::kSucceeded, E::kRevert, S::kReverting},
        {S::kReverting, E::kRevertCompleted, S::kReverted},
        {S::kSucceeded, E::kPause, std::nullopt},
        {S::kAborted, E::kResume, std::nullopt},
        {S::kReverted, E::kRevert, std::nullopt},
        {S::kReverting, E::kPause, std::nullopt},
        {S::kPaused, E::kPause, std::nullopt},
        {S::kRunning, E::kResume, std::nullopt},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(NextRolloutState(row.from, row.event), row.to)
            << ToString(row.from) << " " << ToString(row.event);
    }
    EXPECT_EQ(RolloutStatesAccepting(E::kResume), std::vector<S>{S::kPaused});
    EXPECT_TRUE(IsFinished(S::kReverted));
    EXPECT_FALSE(IsFinished(S::kPaused));
    for (const auto& row : RolloutTransitions()) {
        EXPECT_EQ(ParseRolloutState(ToString(row.to)), row.to);
    }
    for (auto status : AllMemberStatuses()) {
        EXPECT_EQ(ParseMemberStatus(ToString(status)), status);
    }
}

RolloutProgress Progress(std::vector<PhaseCounts> phases, std::size_t current = 0) {
    RolloutProgress progress;
    progress.phases = std::move(phases);
    progress.current_phase = current;
    return progress;
}

TEST(RolloutProgressTest, StartsPendingMembersUpToTheConcurrencyCap) {
    auto strategy = Canary();
    strategy.max_concurrency = Amount{false, 3};
    const TimePoint now{};
    auto step = DecideProgress(strategy, Progress({{.pending = 10}, {.pending = 20}}), now);
    EXPECT_EQ(step.kind, ProgressStep::Kind::kStartMembers);
    EXPECT_EQ(step.count, 3u);
    step =
        DecideProgress(strategy, Progress({{.pending = 10, .waiting = 1, .running = 1}, {}}), now);
    EXPECT_EQ(step.kind, ProgressStep::Kind::kStartMembers);
    EXPECT_EQ(step.count, 1u);
    step = DecideProgress(strategy, Progress({{.pending = 10, .running = 3}, {}}), now);
    EXPECT_EQ(step.kind, ProgressStep::Kind::kWait);
}

TEST(RolloutProgressTest, CrossingTheThresholdStopsThePhase) {
    auto strategy = Canary();
    strategy.max_failures = Amount{true, 10};
    const TimePoint now{};
    // 10 % of 10 allows one failure.
    auto step =
        DecideProgress(strategy, Progress({{.pending = 5, .succeeded = 4, .failed = 1}}), now);
    EXPECT_EQ(step.kind, ProgressStep::Kind::kStartMembers);
    step = DecideProgress(strategy, Progress({{.pending = 4, .succeeded = 4, .failed = 2}}), now);
    EXPECT_EQ(step.kind, ProgressStep::Kind::kThreshold);
    EXPECT_EQ(step.reason, "phase canary: 2 of 10 members failed (1 allowed)");
    // Waiting members are not failures.
    step = DecideProgress(strategy, Progress({{.waiting = 9, .failed = 1}}), now);
    EXPECT_EQ(step.kind, ProgressStep::Kind::kWait);
}

TEST(RolloutProgressTest, AFinishedPhaseBakesThenTheNextStarts) {
    const auto strategy = Canary();
    const TimePoint now = TimePoint{} + std::chrono::hours(1);
    auto progress = Progress({{.succeeded = 1}, {.succeeded = 9}, {.pending = 40}, {}}, 1);
    EXPECT_EQ(DecideProgress(strategy, progress, now).kind, ProgressStep::Kind::kPhaseFinished);
    progress.phase_finished_at = now - minutes(2);
    auto step = DecideProgress(strategy, progress, now);
    EXPECT_EQ(step.kind, ProgressStep::Kind::kWait);
    EXPECT_EQ(step.wake_at, now + minutes(3));
    progress.phase_finished_at = now - minutes(5);
    EXPECT_EQ(DecideProgress(strategy, progress, now).kind, ProgressStep::Kind::kNextPhase);
    progress.current_phase = 3;
    progress.phase_finished_at = now;
    EXPECT_EQ(DecideProgress(strategy, progress, now).kind, ProgressStep::Kind::kComplete);
    // Skipped members finish a phase as well as succeeded ones.
    auto skipped = Progress({{.skipped = 1}, {}, {}, {}});
    EXPECT_EQ(DecideProgress(strategy, skipped, now).kind, ProgressStep::Kind::kPhaseFinished);
}

TEST(RolloutProgressTest, OnlyARunningRolloutMoves) {
    auto progress = Progress({{.pending = 3}});
    for (auto state : {RolloutState::kPaused, RolloutState::kReverting, RolloutState::kSucceeded}) {
        progress.state = state;
        EXPECT_EQ(DecideProgress(Canary(), progress, TimePoint{}).kind, ProgressStep::Kind::kWait);
    }
}

TEST(RolloutCodecTest, StrategiesRoundTripThroughJson) {
    auto strategy = Canary();
    strategy.max_concurrency = Amount{true, 25};
    strategy.max_failures = Amount{false, 2};
    strategy.on_failure = FailureAction::kRevert;
    strategy.unreachable_after = minutes(30);
    auto parsed = StrategyFromJson(StrategyToJson(strategy));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, strategy);
    auto defaults = StrategyFromJson("{}");
    ASSERT_TRUE(defaults);
    EXPECT_EQ(*defaults, DefaultStrategy());
}

TEST(RolloutCodecTest, RefusalsNameTheField) {
    const std::pair<const char*, const char*> cases[] = {
        {"[]", "strategy"},
        {R"({"phase":[]})", "strategy.phase"},
        {R"({"phases":{}})", "strategy.phases"},
        {R"({"phases":[{"count":1}]})", "strategy.phases[0].name"},
        {R"({"phases":[{"name":"a","count":1,"percent":100}]})", "strategy.phases[0]"},
        {R"({"phases":[{"name":"a","percent":"x"}]})", "strategy.phases[0].percent"},
        {R"({"phases":[{"name":"a","percent":100,"bake_minutes":-1}]})",
         "strategy.phases[0].bake_minutes"},
        {R"({"phases":[{"name":"a","percent":100,"soak":1}]})", "strategy.phases[0].soak"},
        {R"({"max_concurrency":"lots"})", "strategy.max_concurrency"},
        {R"({"max_failures":true})", "strategy.max_failures"},
        {R"({"on_failure":"panic"})", "strategy.on_failure"},
        {R"({"unreachable_minutes":0})", "strategy.unreachable_minutes"},
    };
    for (const auto& [json, field] : cases) {
        auto parsed = StrategyFromJson(json);
        ASSERT_FALSE(parsed) << json;
        EXPECT_EQ(parsed.error().message.rfind(field, 0), 0u)
            << json << ": " << parsed.error().message;
    }
}

}  // namespace
}  // namespace waka::coordinator::domain
