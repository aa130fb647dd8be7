#include "coordinator/resolver/resolver.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace waka::coordinator::resolver {
namespace {

constexpr const char* kPlatform = "platform:webwaka-platform";
constexpr const char* kCommerce = "suite:commerce";
constexpr const char* kPayments = "capability:payments";

Release R(std::string version, std::map<std::string, std::string> deps = {}, bool stable = true) {
    return Release{std::move(version), stable, std::move(deps)};
}

// Platform 2.3.0 is marked unstable; 3.0.0-rc.1 is a SemVer pre-release.
Catalog Sample() {
    Catalog c;
    c.components[kPlatform] = {
        R("1.9.0"), R("2.0.3"), R("2.1.0"), R("2.2.0"), R("2.3.0", {}, false), R("3.0.0-rc.1")};
    c.components[kCommerce] = {
        R("1.4.0", {{kPlatform, ">=1.9 <2.1"}}), R("1.5.0", {{kPlatform, ">=2.0 <2.2"}}),
        R("1.6.0", {{kPlatform, ">=2.1"}}), R("1.7.0-beta.1", {{kPlatform, ">=2.2"}})};
    c.components[kPayments] = {R("1.0.0", {{kCommerce, "^1.4"}}),
                               R("1.1.0", {{kCommerce, ">=1.5"}}),
                               R("2.0.0", {{kCommerce, ">=1.6"}})};
    return c;
}

Pin P(std::string id, std::string component, std::string version,
      std::string reason = "legacy ERP") {
    return Pin{std::move(id), std::move(component), std::move(version), std::move(reason),
               std::nullopt};
}

std::map<std::string, std::string> Latest() {
    return {{kPlatform, "latest"}, {kCommerce, "latest"}, {kPayments, "latest"}};
}

struct Case {
    std::string name;
    std::map<std::string, std::string> constraints;
    std::vector<Pin> pins;
    std::map<std::string, std::vector<std::string>> quarantined;
    std::map<std::string, std::string> expected;  // empty: a refusal is expected
    std::vector<std::string> chain;               // substrings of the refusal
};

class ResolveTable : public ::testing::TestWithParam<Case> {};

TEST_P(ResolveTable, ChoosesOrExplains) {
    const Case& c = GetParam();
    auto result = Resolve(Sample(), Request{c.constraints, c.pins, c.quarantined});
    if (!c.expected.empty()) {
        ASSERT_TRUE(result) << result.error().message;
        EXPECT_EQ(result->versions, c.expected);
        return;
    }
    ASSERT_FALSE(result) << "resolved unexpectedly";
    EXPECT_TRUE(result.error().Is(Errc::kConflict)) << result.error().message;
    for (const auto& part : c.chain) {
        EXPECT_NE(result.error().message.find(part), std::string::npos)
            << "missing \"" << part << "\" in: " << result.error().message;
    }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const std::map<std::string, std::string> kNewest = {
    {kPlatform, "2.2.0"}, {kCommerce, "1.6.0"}, {kPayments, "2.0.0"}};

INSTANTIATE_TEST_SUITE_P(
    Pins, ResolveTable,
    ::testing::Values(
        Case{"LatestSkipsUnstableAndPrerelease", Latest(), {}, {}, kNewest, {}},
        Case{"DependenciesAreReachedWithoutBeingRequested",
             {{kPayments, "latest"}},
             {},
             {},
             kNewest,
             {}},
        Case{"ExactPlatformPinForcesOlderSuite",
             Latest(),
             {P("pin-p", kPlatform, "2.0.3")},
             {},
             {{kPlatform, "2.0.3"}, {kCommerce, "1.5.0"}, {kPayments, "1.1.0"}},
             {}},
        Case{"RangePlatformPinForcesOlderSuite",
             Latest(),
             {P("pin-p", kPlatform, "~2.0")},
             {},
             {{kPlatform, "2.0.3"}, {kCommerce, "1.5.0"}, {kPayments, "1.1.0"}},
             {}},
        Case{"ExactSuitePin",
             Latest(),
             {P("pin-s", kCommerce, "1.4.0")},
             {},
             {{kPlatform, "2.0.3"}, {kCommerce, "1.4.0"}, {kPayments, "1.0.0"}},
             {}},
        Case{"RangeSuitePin",
             Latest(),
             {P("pin-s", kCommerce, ">=1.5.0 <1.6.0")},
             {},
             {{kPlatform, "2.1.0"}, {kCommerce, "1.5.0"}, {kPayments, "1.1.0"}},
             {}},
        Case{"ExactCapabilityPin",
             Latest(),
             {P("pin-c", kPayments, "1.0.0")},
             {},
             {{kPlatform, "2.2.0"}, {kCommerce, "1.6.0"}, {kPayments, "1.0.0"}},
             {}},
        Case{"RangeCapabilityPin",
             Latest(),
             {P("pin-c", kPayments, ">=1.1 <2")},
             {},
             {{kPlatform, "2.2.0"}, {kCommerce, "1.6.0"}, {kPayments, "1.1.0"}},
             {}},
        Case{"CapabilityPinConflictsWithSuitePin",
             Latest(),
             {P("pin-s", kCommerce, "1.5.0"), P("pin-c", kPayments, "2.0.0", "needs refunds")},
             {},
             {},
             {"capability:payments 2.0.0 needs suite:commerce >=1.6",
              "suite:commerce is pinned to 1.5.0 (pin-s: \"legacy ERP\")",
              "capability:payments is pinned to 2.0.0 (pin-c: \"needs refunds\")"}},
        Case{"RequestAgainstPlatformPinShowsTheDesignChain",
             {{kCommerce, ">=1.6"}},
             {P("pin-p", kPlatform, "2.0.3")},
             {},
             {},
             {"requested suite:commerce >=1.6",
              "suite:commerce 1.6.0 needs platform:webwaka-platform >=2.1",
              "platform:webwaka-platform is pinned to 2.0.3 (pin-p: \"legacy ERP\")"}},
        Case{"RequestsBacktrackToAnOlderSuite",
             {{kCommerce, "latest"}, {kPlatform, "<2.1"}},
             {},
             {},
             {{kPlatform, "2.0.3"}, {kCommerce, "1.5.0"}},
             {}},
        Case{"PinOnComponentNotReachedIsIgnored",
             {{kPlatform, "latest"}},
             {P("pin-s", kCommerce, "1.4.0")},
             {},
             {{kPlatform, "2.2.0"}},
             {}},
        Case{"QuarantinedVersionIsSkipped",
             Latest(),
             {},
             {{kPlatform, {"2.2.0"}}},
             {{kPlatform, "2.1.0"}, {kCommerce, "1.6.0"}, {kPayments, "2.0.0"}},
             {}},
        Case{"QuarantineExplainsARefusal",
             {{kPlatform, "2.2.0"}},
             {},
             {{kPlatform, {"2.2.0"}}},
             {},
             {"platform:webwaka-platform 2.2.0 is quarantined on this instance"}}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Prereleases, ResolveTable,
    ::testing::Values(Case{"ExactPrereleaseIsChosen",
                           {{kCommerce, "1.7.0-beta.1"}},
                           {},
                           {},
                           {{kPlatform, "2.2.0"}, {kCommerce, "1.7.0-beta.1"}},
                           {}},
                      Case{"RangeNamingAPrereleaseAcceptsIt",
                           {{kPlatform, ">=3.0.0-rc.1"}},
                           {},
                           {},
                           {{kPlatform, "3.0.0-rc.1"}},
                           {}},
                      Case{"PrereleasePinOnASuite",
                           {{kCommerce, ">=1.7.0-alpha.1"}, {kPlatform, "latest"}},
                           {P("pin-s", kCommerce, "1.7.0-beta.1")},
                           {},
                           {{kPlatform, "2.2.0"}, {kCommerce, "1.7.0-beta.1"}},
                           {}},
                      Case{"DependencyRangesDoNotAcceptAPrerelease",
                           {{kPayments, "latest"}},
                           {P("pin-s", kCommerce, "1.7.0-beta.1")},
                           {},
                           {},
                           {"capability:payments 2.0.0 needs suite:commerce >=1.6"}},
                      Case{"LatestNeverMeansAPrerelease",
                           {{kCommerce, "latest"}},
                           {P("pin-s", kCommerce, "1.7.0-beta.1")},
                           {},
                           {},
                           {"requested suite:commerce latest",
                            "suite:commerce is pinned to 1.7.0-beta.1"}},
                      Case{"UnstableReleaseNamedExactly",
                           {{kPlatform, "2.3.0"}},
                           {},
                           {},
                           {{kPlatform, "2.3.0"}},
                           {}},
                      Case{"UnstableReleaseNotNamedIsRefused",
                           {{kPlatform, ">=2.3"}},
                           {},
                           {},
                           {},
                           {"platform:webwaka-platform 2.3.0 is not a stable release"}}),
    CaseName);

TEST(ResolveErrors, UnknownRequestedComponentIsInvalid) {
    auto result = Resolve(Sample(), Request{{{"suite:nope", "latest"}}, {}, {}});
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().Is(Errc::kInvalidArgument));
    EXPECT_NE(result.error().message.find("suite:nope"), std::string::npos);
}

TEST(ResolveErrors, BadRangeIsInvalid) {
    auto result = Resolve(Sample(), Request{{{kCommerce, ">>1"}}, {}, {}});
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().Is(Errc::kInvalidArgument));
}

TEST(ResolveErrors, BadCatalogVersionIsInvalid) {
    Catalog c;
    c.components[kCommerce] = {R("1.0")};
    auto index = BuildIndex(c);
    ASSERT_FALSE(index);
    EXPECT_TRUE(index.error().Is(Errc::kInvalidArgument));
}

TEST(ResolveErrors, DependencyOnMissingComponentExplainsItself) {
    Catalog c;
    c.components[kCommerce] = {R("1.0.0", {{"platform:ghost", "^1"}})};
    auto result = Resolve(c, Request{{{kCommerce, "latest"}}, {}, {}});
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("platform:ghost ^1, which is not in the catalog"),
              std::string::npos)
        << result.error().message;
}

TEST(PinExpiry, ExpiredPinNoLongerApplies) {
    const auto now = std::chrono::system_clock::now();
    Pin expired = P("pin-old", kPlatform, "2.0.3");
    expired.expires_at = now - std::chrono::seconds(1);
    Pin at_now = P("pin-now", kCommerce, "1.4.0");
    at_now.expires_at = now;  // stops applying at expires_at
    Pin later = P("pin-later", kPayments, "1.1.0");
    later.expires_at = now + std::chrono::hours(1);
    Pin forever = P("pin-forever", kPayments, ">=1");

    auto active = FilterActivePins({expired, at_now, later, forever}, now);
    ASSERT_EQ(active.size(), 2U);
    EXPECT_EQ(active[0].id, "pin-later");
    EXPECT_EQ(active[1].id, "pin-forever");

    auto result = Resolve(Sample(), Request{Latest(), active, {}});
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->versions.at(kPlatform), "2.2.0");
    EXPECT_EQ(result->versions.at(kPayments), "1.1.0");
}

TEST(WhyNot, NamesThePinKeepingASuiteBack) {
    auto index = BuildIndex(Sample());
    ASSERT_TRUE(index);
    const Request request{Latest(), {P("pin-p", kPlatform, "2.0.3")}, {}};
    auto why = WhyNot(*index, request, kCommerce, "1.6.0");
    ASSERT_TRUE(why) << why.error().message;
    ASSERT_TRUE(why->has_value());
    EXPECT_NE((*why)->find("suite:commerce 1.6.0 needs platform:webwaka-platform >=2.1"),
              std::string::npos)
        << **why;
    EXPECT_NE((*why)->find("platform:webwaka-platform is pinned to 2.0.3 (pin-p: \"legacy ERP\")"),
              std::string::npos)
        << **why;

    auto fits = WhyNot(*index, request, kCommerce, "1.5.0");
    ASSERT_TRUE(fits) << fits.error().message;
    EXPECT_FALSE(fits->has_value());

    auto bad = WhyNot(*index, request, "suite:nope", "1.0.0");
    ASSERT_FALSE(bad);
    EXPECT_TRUE(bad.error().Is(Errc::kInvalidArgument));
}

TEST(FindCycle, ReportsTheCycle) {
    Catalog c;
    c.components["suite:a"] = {R("1.0.0", {{"suite:b", "*"}})};
    c.components["suite:b"] = {R("1.0.0"), R("2.0.0", {{"suite:c", "*"}})};
    c.components["suite:c"] = {R("1.0.0", {{"suite:a", "^1"}})};
    c.components["suite:d"] = {R("1.0.0", {{"suite:a", "^1"}})};
    auto cycle = FindCycle(c);
    ASSERT_TRUE(cycle);
    EXPECT_EQ(*cycle, (std::vector<std::string>{"suite:a", "suite:b", "suite:c", "suite:a"}));
}

TEST(FindCycle, AcyclicCatalogHasNone) { EXPECT_FALSE(FindCycle(Sample())); }

TEST(FindCycle, SelfDependencyIsACycle) {
    Catalog c;
    c.components["suite:a"] = {R("1.0.0", {{"suite:a", "<1"}})};
    auto cycle = FindCycle(c);
    ASSERT_TRUE(cycle);
    EXPECT_EQ(*cycle, (std::vector<std::string>{"suite:a", "suite:a"}));
}

// Every pair of adjacent components must agree on a major version, yet the last one only exists
// in major 1 and the first requested major is 2: learning makes this linear, not exponential.
TEST(Learning, LongChainBackjumpsWithoutBlowUp) {
    Catalog c;
    constexpr int kLength = 60;
    for (int i = 0; i < kLength; ++i) {
        const std::string key = "capability:c" + std::to_string(i);
        const std::string next = "capability:c" + std::to_string(i + 1);
        std::vector<Release> releases;
        for (int major = 1; major <= 3; ++major) {
            for (int minor = 0; minor < 5; ++minor) {
                std::map<std::string, std::string> deps;
                if (i + 1 < kLength) {
                    deps[next] = "^" + std::to_string(major);
                }
                if (i + 1 < kLength || major == 1) {
                    releases.push_back(
                        R(std::to_string(major) + "." + std::to_string(minor) + ".0", deps));
                }
            }
        }
        c.components[key] = releases;
    }
    auto result = Resolve(c, Request{{{"capability:c0", "latest"}}, {}, {}});
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->versions.at("capability:c0"), "1.4.0");
    EXPECT_EQ(result->versions.at("capability:c" + std::to_string(kLength - 1)), "1.4.0");
}

}  // namespace
}  // namespace waka::coordinator::resolver
