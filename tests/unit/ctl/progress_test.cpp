#include "ctl/progress.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace waka::ctl {
namespace {

boost::json::value Deployment(std::initializer_list<std::pair<std::string, std::int64_t>> plan) {
    boost::json::array steps;
    for (const auto& [component, size] : plan) {
        const auto colon = component.find(':');
        steps.push_back(boost::json::object{{"component_type", component.substr(0, colon)},
                                            {"component_name", component.substr(colon + 1)},
                                            {"size", size}});
    }
    return boost::json::object{{"plan", std::move(steps)}};
}

TEST(ProgressFraction, FollowsThePhasesOfTheAgent) {
    const auto two = Deployment({{"platform:p", 1000}, {"suite:s", 500}});
    // 13 units: download+unpack of each (4), the three activation steps of each (6), two health
    // checks, one commit.
    struct Case {
        std::string step;
        std::string component;
        double expected;
    };
    for (const Case& c : std::vector<Case>{{"download", "platform:p", 1.0 / 13},
                                           {"unpack", "platform:p", 2.0 / 13},
                                           {"download", "suite:s", 3.0 / 13},
                                           {"unpack", "suite:s", 4.0 / 13},
                                           {"pre_activate", "platform:p", 5.0 / 13},
                                           {"post_activate", "suite:s", 10.0 / 13},
                                           {"health_check", "platform:p", 11.0 / 13},
                                           {"health_check", "suite:s", 12.0 / 13},
                                           {"commit", "", 1.0}}) {
        const auto fraction = ProgressFraction(two, c.step, c.component);
        ASSERT_TRUE(fraction.has_value()) << c.step << " " << c.component;
        EXPECT_DOUBLE_EQ(*fraction, c.expected) << c.step << " " << c.component;
    }
}

TEST(ProgressFraction, UnknownStepsAndComponentsHaveNoFraction) {
    const auto one = Deployment({{"platform:p", 1000}});
    EXPECT_FALSE(ProgressFraction(one, "rollback", "platform:p").has_value());
    EXPECT_FALSE(ProgressFraction(one, "download", "suite:other").has_value());
    EXPECT_FALSE(ProgressFraction(one, "ack", "").has_value());
    EXPECT_FALSE(ProgressFraction(boost::json::object{}, "download", "platform:p").has_value());
}

TEST(ProgressBar, FillsItsWidthAndClamps) {
    EXPECT_EQ(ProgressBar(0.0, 10), "[----------]   0%");
    EXPECT_EQ(ProgressBar(0.45, 10), "[#####-----]  45%");
    EXPECT_EQ(ProgressBar(1.0, 10), "[##########] 100%");
    EXPECT_EQ(ProgressBar(1.5, 4), "[####] 100%");
    EXPECT_EQ(ProgressBar(-1.0, 4), "[----]   0%");
}

TEST(PlanSize, SumsThePlanInDecimalUnits) {
    EXPECT_EQ(PlanSize(Deployment({{"platform:p", 999}})), "999 B");
    EXPECT_EQ(PlanSize(Deployment({{"platform:p", 1'200'000}, {"suite:s", 100'000}})), "1.3 MB");
    EXPECT_EQ(PlanSize(boost::json::object{}), "");
}

TEST(TransferText, ShowsTheAgentsBytesForTheStepOnScreen) {
    const auto with = [](const char* step, std::uint64_t done, std::uint64_t total) {
        return boost::json::value(
            boost::json::object{{"progress", boost::json::object{{"step", step},
                                                                 {"component", "platform:p"},
                                                                 {"bytes_done", done},
                                                                 {"bytes_total", total}}}});
    };
    EXPECT_EQ(TransferText(with("download", 4'200'000, 10'500'000), "download"),
              "4.2 MB / 10.5 MB");
    EXPECT_EQ(TransferText(with("download", 0, 999), "download"), "0 B / 999 B");
    EXPECT_EQ(TransferText(with("download", 10, 20), "unpack"), "");  // another step
    EXPECT_EQ(TransferText(with("switch", 0, 0), "switch"), "");      // no byte count
    EXPECT_EQ(TransferText(boost::json::object{{"progress", nullptr}}, "download"), "");
    EXPECT_EQ(TransferText(boost::json::object{}, "download"), "");
}

}  // namespace
}  // namespace waka::ctl
