#include "coordinator/http/upload_limits.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace waka::coordinator::http {
namespace {

using namespace std::chrono_literals;
using Verdict = UploadPace::Verdict;

const UploadPace::Clock::time_point kStart = UploadPace::Clock::time_point() + 1000h;

TEST(UploadPaceTest, TheGraceCoversASlowStart) {
    const UploadPace pace(kStart, 3600, 1000, 10);
    EXPECT_EQ(pace.CutOff(0), kStart + 10s);
    EXPECT_EQ(pace.Check(0, kStart + 9s), Verdict::kOk);
    EXPECT_EQ(pace.Check(0, kStart + 10s), Verdict::kTooSlow);
}

TEST(UploadPaceTest, AfterTheGraceTheAverageMustStayAtTheMinimum) {
    const UploadPace pace(kStart, 3600, 1000, 10);
    EXPECT_EQ(pace.CutOff(50'000), kStart + 50s);
    EXPECT_EQ(pace.Check(50'000, kStart + 49s), Verdict::kOk);
    EXPECT_EQ(pace.Check(50'000, kStart + 51s), Verdict::kTooSlow);
    EXPECT_EQ(pace.CutOff(1500), kStart + 10s);  // 1.5 s earned: the grace still counts
}

TEST(UploadPaceTest, TheOverallDeadlineHoldsHoweverFastTheUpload) {
    const UploadPace pace(kStart, 60, 1000, 10);
    EXPECT_EQ(pace.CutOff(10'000'000), kStart + 60s);
    EXPECT_EQ(pace.Check(10'000'000, kStart + 59s), Verdict::kOk);
    EXPECT_EQ(pace.Check(10'000'000, kStart + 60s), Verdict::kTooLong);
}

TEST(UploadPaceTest, ZeroTurnsTheBoundsOff) {
    const UploadPace no_minimum(kStart, 60, 0, 10);
    EXPECT_EQ(no_minimum.CutOff(0), kStart + 60s);
    const UploadPace unbounded(kStart, 0, 0, 0);
    EXPECT_EQ(unbounded.CutOff(0), UploadPace::Clock::time_point::max());
    EXPECT_EQ(unbounded.Check(0, kStart + 100000h), Verdict::kOk);
}

TEST(UploadPaceTest, VerdictNames) {
    EXPECT_EQ(VerdictName(Verdict::kTooLong), "upload_timeout");
    EXPECT_EQ(VerdictName(Verdict::kTooSlow), "below_min_rate");
}

TEST(UploadSlotsTest, TheCapRefusesUntilASlotIsReleased) {
    UploadSlots slots(2);
    std::optional<UploadSlots::Slot> first = slots.TryAcquire();
    std::optional<UploadSlots::Slot> second = slots.TryAcquire();
    ASSERT_TRUE(first && second);
    EXPECT_FALSE(slots.TryAcquire());
    EXPECT_EQ(slots.Active(), 2u);
    first.reset();
    EXPECT_EQ(slots.Active(), 1u);
    std::optional<UploadSlots::Slot> third = slots.TryAcquire();
    EXPECT_TRUE(third);
    UploadSlots::Slot moved = std::move(*third);
    third.reset();  // the moved-from slot releases nothing
    EXPECT_EQ(slots.Active(), 2u);
}

TEST(UploadSlotsTest, ZeroMeansNoCap) {
    UploadSlots slots(0);
    std::vector<UploadSlots::Slot> held;
    for (int i = 0; i < 100; ++i) {
        auto slot = slots.TryAcquire();
        ASSERT_TRUE(slot);
        held.push_back(std::move(*slot));
    }
    EXPECT_EQ(slots.Active(), 100u);
    held.clear();
    EXPECT_EQ(slots.Active(), 0u);
}

TEST(UploadSlotsTest, TheBusyAnswerCarriesRetryAfter) {
    const Response busy = UploadsBusyResponse();
    EXPECT_EQ(busy.status, 503u);
    ASSERT_EQ(busy.headers.size(), 1u);
    EXPECT_EQ(busy.headers[0].first, "Retry-After");
}

}  // namespace
}  // namespace waka::coordinator::http
