#include "coordinator/domain/floors.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::domain {
namespace {

Floor MakeFloor(std::string key_type, std::string name, std::string min_version) {
    Floor floor;
    floor.component_type = std::move(key_type);
    floor.component_name = std::move(name);
    floor.min_version = std::move(min_version);
    floor.reason = "CVE-2026-0001";
    return floor;
}

TEST(FloorsTest, NamesEveryComponentBelowItsFloor) {
    const std::vector<Floor> floors{MakeFloor("suite", "commerce", "1.5.0"),
                                    MakeFloor("platform", "webwaka-platform", "2.1.0")};
    EXPECT_TRUE(
        CheckFloors({{"suite:commerce", "1.5.0"}, {"platform:webwaka-platform", "3.0.0"}}, floors));
    auto refused = CheckFloors({{"suite:commerce", "1.4.9"},
                                {"platform:webwaka-platform", "2.0.0"},
                                {"suite:crm", "0.1.0"}},
                               floors);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().Is(Errc::kConflict));
    EXPECT_EQ(refused.error().message,
              "suite:commerce 1.4.9 is below the floor 1.5.0 (CVE-2026-0001); "
              "platform:webwaka-platform 2.0.0 is below the floor 2.1.0 (CVE-2026-0001)");
}

TEST(FloorsTest, OnlyInstalledVersionsOfAPlanAreChecked) {
    const std::vector<PlannedChange> plan{
        {"suite", "commerce", "1.5.0", "1.4.0", "", 0, "", ""},
        {"capability", "reporting", "1.0.0", "", "", 0, "", ""}};  // a deactivation
    EXPECT_EQ(Installed(plan),
              (std::vector<std::pair<std::string, std::string>>{{"suite:commerce", "1.4.0"}}));
}

TEST(FloorsTest, RaisingNeedsAStrictlyHigherVersion) {
    EXPECT_TRUE(RaisesFloor("1.10.0", "1.9.0"));
    EXPECT_FALSE(RaisesFloor("1.9.0", "1.9.0"));
    EXPECT_FALSE(RaisesFloor("1.9.0-rc.1", "1.9.0"));
}

}  // namespace
}  // namespace waka::coordinator::domain
