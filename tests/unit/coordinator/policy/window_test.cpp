#include "coordinator/policy/window.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::policy {
namespace {

TimePoint At(const char* rfc3339) {
    const auto t = ParseRfc3339(rfc3339);
    EXPECT_TRUE(t.has_value()) << rfc3339;
    return t.value_or(TimePoint{});
}

MaintenanceWindow Window(std::vector<std::string> days, std::string start, std::int64_t minutes,
                         std::string zone) {
    std::vector<InvalidField> errors;
    const WindowSpec spec{.days = std::move(days),
                          .start = std::move(start),
                          .duration_minutes = minutes,
                          .timezone = std::move(zone)};
    auto window = ParseWindow(spec, "w", errors);
    EXPECT_TRUE(window.has_value());
    EXPECT_TRUE(errors.empty());
    return window.value_or(MaintenanceWindow{});
}

struct BadWindowCase {
    WindowSpec spec;
    std::string field;
};

class BadWindowTest : public ::testing::TestWithParam<BadWindowCase> {};

TEST_P(BadWindowTest, NamesTheField) {
    std::vector<InvalidField> errors;
    EXPECT_FALSE(ParseWindow(GetParam().spec, "maintenance_windows[0]", errors).has_value());
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].field, GetParam().field);
}

const WindowSpec kGood{
    .days = {"mon"}, .start = "02:00", .duration_minutes = 60, .timezone = "Africa/Lagos"};

WindowSpec With(auto change) {
    WindowSpec spec = kGood;
    change(spec);
    return spec;
}

INSTANTIATE_TEST_SUITE_P(
    Fields, BadWindowTest,
    ::testing::Values(
        BadWindowCase{With([](WindowSpec& s) { s.timezone = "Mars/Olympus"; }),
                      "maintenance_windows[0].timezone"},
        BadWindowCase{With([](WindowSpec& s) { s.timezone = ""; }),
                      "maintenance_windows[0].timezone"},
        BadWindowCase{With([](WindowSpec& s) { s.start = "24:00"; }),
                      "maintenance_windows[0].start"},
        BadWindowCase{With([](WindowSpec& s) { s.start = "9:30"; }),
                      "maintenance_windows[0].start"},
        BadWindowCase{With([](WindowSpec& s) { s.start = "09:60"; }),
                      "maintenance_windows[0].start"},
        BadWindowCase{With([](WindowSpec& s) { s.start = "ab:cd"; }),
                      "maintenance_windows[0].start"},
        BadWindowCase{With([](WindowSpec& s) { s.duration_minutes = 0; }),
                      "maintenance_windows[0].duration_minutes"},
        BadWindowCase{With([](WindowSpec& s) { s.duration_minutes = -5; }),
                      "maintenance_windows[0].duration_minutes"},
        BadWindowCase{With([](WindowSpec& s) { s.duration_minutes = kMaxWindowMinutes + 1; }),
                      "maintenance_windows[0].duration_minutes"},
        BadWindowCase{With([](WindowSpec& s) {
                          s.days = {"mon", "funday"};
                      }),
                      "maintenance_windows[0].days"},
        BadWindowCase{With([](WindowSpec& s) { s.days = {}; }), "maintenance_windows[0].days"},
        BadWindowCase{With([](WindowSpec& s) {
                          s.days = {"mon", "Monday"};
                      }),
                      "maintenance_windows[0].days"}));

TEST(WindowParse, AcceptsAWeekLongWindowAndCanonicalisesNames) {
    std::vector<InvalidField> errors;
    const WindowSpec spec{.days = {"Saturday", "SUN"},
                          .start = "23:05",
                          .duration_minutes = kMaxWindowMinutes,
                          .timezone = "Europe/London"};
    const auto window = ParseWindow(spec, "w", errors);
    ASSERT_TRUE(window.has_value());
    EXPECT_EQ(window->DayNames(), (std::vector<std::string>{"sat", "sun"}));
    EXPECT_EQ(window->StartText(), "23:05");
}

TEST(WindowParse, ReportsEveryBadFieldAtOnce) {
    std::vector<InvalidField> errors;
    const WindowSpec spec{.days = {"x"}, .start = "", .duration_minutes = 0, .timezone = "nowhere"};
    EXPECT_FALSE(ParseWindow(spec, "w", errors).has_value());
    EXPECT_EQ(errors.size(), 4U);
}

struct InWindowCase {
    const char* name;
    MaintenanceWindow window;
    const char* now;
    bool open;
};

class InWindowTest : public ::testing::TestWithParam<InWindowCase> {};

TEST_P(InWindowTest, Answers) {
    const std::vector<MaintenanceWindow> windows{GetParam().window};
    EXPECT_EQ(IsInWindow(windows, At(GetParam().now)), GetParam().open) << GetParam().name;
}

// London 2026: spring forward Sun 29 Mar 01:00Z (01:00 GMT -> 02:00 BST); fall back Sun 25 Oct
// 01:00Z (02:00 BST -> 01:00 GMT). New York 2026: spring forward Sun 8 Mar 07:00Z (02:00 EST ->
// 03:00 EDT); fall back Sun 1 Nov 06:00Z (02:00 EDT -> 01:00 EST). Lagos: UTC+1, no DST.
INSTANTIATE_TEST_SUITE_P(
    Table, InWindowTest,
    ::testing::Values(
        InWindowCase{"midnight cross, before", Window({"sat"}, "23:00", 120, "UTC"),
                     "2026-11-28T22:59:59Z", false},
        InWindowCase{"midnight cross, open sat", Window({"sat"}, "23:00", 120, "UTC"),
                     "2026-11-28T23:30:00Z", true},
        InWindowCase{"midnight cross, open sun", Window({"sat"}, "23:00", 120, "UTC"),
                     "2026-11-29T00:59:59Z", true},
        InWindowCase{"midnight cross, closed", Window({"sat"}, "23:00", 120, "UTC"),
                     "2026-11-29T01:00:00Z", false},
        InWindowCase{"lagos open", Window({"mon"}, "02:00", 60, "Africa/Lagos"),
                     "2026-11-30T01:00:00Z", true},
        InWindowCase{"lagos before", Window({"mon"}, "02:00", 60, "Africa/Lagos"),
                     "2026-11-30T00:59:59Z", false},
        InWindowCase{"lagos other day", Window({"mon"}, "02:00", 60, "Africa/Lagos"),
                     "2026-12-01T01:30:00Z", false},
        InWindowCase{"london summer", Window({"wed"}, "09:00", 60, "Europe/London"),
                     "2026-07-01T08:30:00Z", true},
        InWindowCase{"london summer, utc hour", Window({"wed"}, "09:00", 60, "Europe/London"),
                     "2026-07-01T09:30:00Z", false},
        InWindowCase{"london winter", Window({"thu"}, "09:00", 60, "Europe/London"),
                     "2026-01-15T09:30:00Z", true},
        InWindowCase{"london gap start: before transition",
                     Window({"sun"}, "01:30", 60, "Europe/London"), "2026-03-29T00:59:59Z", false},
        InWindowCase{"london gap start: opens at transition",
                     Window({"sun"}, "01:30", 60, "Europe/London"), "2026-03-29T01:00:00Z", true},
        InWindowCase{"london gap start: 60 real minutes",
                     Window({"sun"}, "01:30", 60, "Europe/London"), "2026-03-29T02:00:00Z", false},
        InWindowCase{"london overlap: earlier instant",
                     Window({"sun"}, "01:30", 30, "Europe/London"), "2026-10-25T00:45:00Z", true},
        InWindowCase{"london overlap: not again at the later",
                     Window({"sun"}, "01:30", 30, "Europe/London"), "2026-10-25T01:40:00Z", false},
        InWindowCase{"new york gap start", Window({"sun"}, "02:30", 30, "America/New_York"),
                     "2026-03-08T07:10:00Z", true},
        InWindowCase{"new york gap start, closed", Window({"sun"}, "02:30", 30, "America/New_York"),
                     "2026-03-08T07:30:00Z", false},
        InWindowCase{"new york across spring forward",
                     Window({"sat"}, "22:00", 240, "America/New_York"), "2026-03-08T06:59:59Z",
                     true},
        InWindowCase{"new york across spring forward, closed",
                     Window({"sat"}, "22:00", 240, "America/New_York"), "2026-03-08T07:00:00Z",
                     false},
        InWindowCase{"new york overlap: earlier (EDT) instant",
                     Window({"sun"}, "01:30", 20, "America/New_York"), "2026-11-01T05:40:00Z",
                     true},
        InWindowCase{"new york overlap: not at the EST instant",
                     Window({"sun"}, "01:30", 20, "America/New_York"), "2026-11-01T06:40:00Z",
                     false},
        InWindowCase{"new york normal monday", Window({"mon"}, "01:30", 20, "America/New_York"),
                     "2026-11-02T06:40:00Z", true},
        InWindowCase{"week-long window is always open",
                     Window({"mon"}, "00:00", kMaxWindowMinutes, "UTC"), "2026-11-29T23:59:59Z",
                     true}),
    [](const auto& param_info) {
        std::string name = param_info.param.name;
        for (char& c : name) {
            if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
                c = '_';
            }
        }
        return name;
    });

TEST(NextWindowStart, NoWindowsHaveNoStart) {
    EXPECT_FALSE(NextWindowStart({}, At("2026-11-26T12:00:00Z")).has_value());
    EXPECT_FALSE(IsInWindow({}, At("2026-11-26T12:00:00Z")));
}

struct NextCase {
    MaintenanceWindow window;
    const char* now;
    const char* next;
};

class NextStartTest : public ::testing::TestWithParam<NextCase> {};

TEST_P(NextStartTest, Answers) {
    const std::vector<MaintenanceWindow> windows{GetParam().window};
    const auto next = NextWindowStart(windows, At(GetParam().now));
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(FormatRfc3339(*next), GetParam().next);
}

INSTANTIATE_TEST_SUITE_P(
    Table, NextStartTest,
    ::testing::Values(NextCase{Window({"sun"}, "01:30", 60, "Europe/London"),
                               "2026-03-28T12:00:00Z", "2026-03-29T01:00:00.000Z"},
                      NextCase{Window({"sun"}, "01:30", 30, "Europe/London"),
                               "2026-10-24T12:00:00Z", "2026-10-25T00:30:00.000Z"},
                      NextCase{Window({"sun"}, "02:30", 30, "America/New_York"),
                               "2026-03-07T12:00:00Z", "2026-03-08T07:00:00.000Z"},
                      NextCase{Window({"sun"}, "01:30", 30, "America/New_York"),
                               "2026-10-31T12:00:00Z", "2026-11-01T05:30:00.000Z"},
                      NextCase{Window({"mon"}, "02:00", 60, "Africa/Lagos"), "2026-11-26T12:00:00Z",
                               "2026-11-30T01:00:00.000Z"},
                      // Open right now: the next start is next week's, not the current one.
                      NextCase{Window({"mon"}, "02:00", 60, "Africa/Lagos"), "2026-11-30T01:30:00Z",
                               "2026-12-07T01:00:00.000Z"}));

TEST(NextWindowStart, PicksTheEarliestOfSeveralWindows) {
    const std::vector<MaintenanceWindow> windows{Window({"fri"}, "22:00", 60, "UTC"),
                                                 Window({"thu"}, "09:00", 60, "Asia/Tokyo")};
    const auto next = NextWindowStart(windows, At("2026-11-26T12:00:00Z"));
    ASSERT_TRUE(next.has_value());
    // Thu 09:00 Tokyo (00:00Z) has passed; Fri 22:00Z comes before next Thu 00:00Z.
    EXPECT_EQ(FormatRfc3339(*next), "2026-11-27T22:00:00.000Z");
}

}  // namespace
}  // namespace waka::coordinator::policy
