#include "shared/net/backoff.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace waka::net {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, CeilingDoublesThenCaps) {
    struct Case {
        milliseconds initial;
        milliseconds max;
        std::vector<long> ceilings;  // for attempts 0, 1, 2, ...
    };
    const std::vector<Case> cases = {
        {milliseconds(100), milliseconds(5000), {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}},
        {milliseconds(1000), milliseconds(1000), {1000, 1000, 1000}},
        {milliseconds(1000), milliseconds(300), {300, 300}},
        {milliseconds(0), milliseconds(300), {0, 0, 0}},
        {milliseconds(-5), milliseconds(300), {0, 0}},
        {milliseconds(1), milliseconds(-1), {0, 0}},
        {milliseconds(3), milliseconds(10), {3, 6, 10, 10}},
    };
    for (const auto& c : cases) {
        Backoff backoff(c.initial, c.max, 1);
        for (std::size_t i = 0; i < c.ceilings.size(); ++i) {
            EXPECT_EQ(backoff.Attempt(), i);
            EXPECT_EQ(backoff.Ceiling().count(), c.ceilings[i])
                << "initial " << c.initial.count() << " max " << c.max.count() << " attempt " << i;
            const auto delay = backoff.Next();
            EXPECT_GE(delay.count(), 0);
            EXPECT_LE(delay.count(), c.ceilings[i]);
        }
    }
}

TEST(BackoffTest, DrawsStayWithinBoundsAndSpanTheInterval) {
    Backoff backoff(milliseconds(50), milliseconds(10'000), 42);
    long largest_at_cap = 0;
    for (int round = 0; round < 200; ++round) {
        for (int i = 0; i < 20; ++i) {
            const auto ceiling = backoff.Ceiling();
            const auto delay = backoff.Next();
            ASSERT_GE(delay.count(), 0);
            ASSERT_LE(delay, ceiling);
            if (ceiling.count() == 10'000) {
                largest_at_cap = std::max<long>(largest_at_cap, delay.count());
            }
        }
        backoff.Reset();
    }
    // Full jitter reaches the top of the interval, not only its lower part.
    EXPECT_GT(largest_at_cap, 9'000);
}

TEST(BackoffTest, HugeAttemptCountsDoNotOverflow) {
    Backoff backoff(milliseconds(1), milliseconds::max(), 7);
    for (int i = 0; i < 1000; ++i) {
        const auto ceiling = backoff.Ceiling();
        ASSERT_GE(ceiling.count(), 1);
        ASSERT_GE(backoff.Next().count(), 0);
    }
    EXPECT_EQ(backoff.Attempt(), 1000u);
    EXPECT_EQ(backoff.Ceiling(), milliseconds::max());

    Backoff large(milliseconds(1) * (1LL << 40), milliseconds(1) * (1LL << 61), 7);
    for (unsigned i = 0; i < 100; ++i) {
        EXPECT_LE(large.Ceiling().count(), 1LL << 61);
        static_cast<void>(large.Next());
    }
    EXPECT_EQ(large.Ceiling().count(), 1LL << 61);
}

TEST(BackoffTest, ResetReturnsToTheInitialCeiling) {
    Backoff backoff(milliseconds(100), milliseconds(5000), 3);
    for (int i = 0; i < 10; ++i) {
        static_cast<void>(backoff.Next());
    }
    EXPECT_EQ(backoff.Attempt(), 10u);
    EXPECT_EQ(backoff.Ceiling(), milliseconds(5000));
    backoff.Reset();
    EXPECT_EQ(backoff.Attempt(), 0u);
    EXPECT_EQ(backoff.Ceiling(), milliseconds(100));
    EXPECT_LE(backoff.Next(), milliseconds(100));
}

std::vector<long> Draws(std::uint64_t seed, int count) {
    Backoff backoff(milliseconds(1000), milliseconds(1000), seed);
    std::vector<long> out;
    for (int i = 0; i < count; ++i) {
        out.push_back(backoff.Next().count());
    }
    return out;
}

TEST(BackoffTest, SameSeedSameSequence) {
    EXPECT_EQ(Draws(99, 50), Draws(99, 50));
    EXPECT_NE(Draws(99, 50), Draws(100, 50));
}

TEST(BackoffTest, DrawsAreNotAllIdentical) {
    const std::vector<long> draws = Draws(5, 100);
    const std::set<long> distinct(draws.begin(), draws.end());
    EXPECT_GT(distinct.size(), 50u);
}

TEST(BackoffTest, RandomSeedsDiffer) {
    // 64-bit seeds from random_device: two equal in a row would mean a broken source.
    EXPECT_NE(Backoff::RandomSeed(), Backoff::RandomSeed());
}

}  // namespace
}  // namespace waka::net
