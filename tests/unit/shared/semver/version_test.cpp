#include "shared/semver/version.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace waka::semver {
namespace {

Version Parsed(const std::string& text) {
    auto v = ParseVersion(text);
    EXPECT_TRUE(v) << text << ": " << (v ? "" : v.error().message);
    return v ? *v : Version{};
}

TEST(VersionTest, ParsesValidVersions) {
    struct Case {
        std::string text;
        std::uint64_t major, minor, patch;
        std::vector<std::string> prerelease;
        std::string build;
    };
    const std::vector<Case> cases = {
        {"0.0.0", 0, 0, 0, {}, ""},
        {"1.2.3", 1, 2, 3, {}, ""},
        {"10.20.30", 10, 20, 30, {}, ""},
        {"1.0.0-alpha", 1, 0, 0, {"alpha"}, ""},
        {"1.0.0-alpha.1", 1, 0, 0, {"alpha", "1"}, ""},
        {"1.0.0-0.3.7", 1, 0, 0, {"0", "3", "7"}, ""},
        {"1.0.0-x.7.z.92", 1, 0, 0, {"x", "7", "z", "92"}, ""},
        {"1.0.0-x-y-z.--", 1, 0, 0, {"x-y-z", "--"}, ""},
        {"1.0.0-0a", 1, 0, 0, {"0a"}, ""},
        {"1.0.0-alpha+001", 1, 0, 0, {"alpha"}, "001"},
        {"1.0.0+20130313144700", 1, 0, 0, {}, "20130313144700"},
        {"1.0.0-beta+exp.sha.5114f85", 1, 0, 0, {"beta"}, "exp.sha.5114f85"},
        {"1.0.0+21AF26D3----117B344092BD", 1, 0, 0, {}, "21AF26D3----117B344092BD"},
        {"18446744073709551615.0.1", 18446744073709551615ull, 0, 1, {}, ""},
    };
    for (const auto& c : cases) {
        auto v = ParseVersion(c.text);
        ASSERT_TRUE(v) << c.text << ": " << v.error().message;
        EXPECT_EQ(v->major, c.major) << c.text;
        EXPECT_EQ(v->minor, c.minor) << c.text;
        EXPECT_EQ(v->patch, c.patch) << c.text;
        EXPECT_EQ(v->prerelease, c.prerelease) << c.text;
        EXPECT_EQ(v->build, c.build) << c.text;
        EXPECT_EQ(v->IsPrerelease(), !c.prerelease.empty()) << c.text;
        EXPECT_EQ(v->ToString(), c.text);
        EXPECT_EQ(ToString(*v), c.text);
    }
}

TEST(VersionTest, RefusesInvalidVersions) {
    const std::vector<std::string> cases = {
        "",
        "1",
        "1.2",
        "1.2.3.4",
        "01.2.3",
        "1.02.3",
        "1.2.03",
        "00.0.0",
        "1.2.3-01",
        "1.2.3-alpha.01",
        "1.2.3-",
        "1.2.3+",
        "1.2.3-a..b",
        "1.2.3-a.",
        "1.2.3+a..b",
        "1.2.3+build+x",
        "1.2.3-a_b",
        "1.2.3-é",
        "v1.2.3",
        "=1.2.3",
        " 1.2.3",
        "1.2.3 ",
        "a.b.c",
        "1..3",
        "1.2.-3",
        "-1.2.3",
        "1.2.3-+",
        "18446744073709551616.0.0",
        "1.99999999999999999999.0",
        "1.2.x",
    };
    for (const auto& text : cases) {
        auto v = ParseVersion(text);
        ASSERT_FALSE(v) << "accepted '" << text << "'";
        EXPECT_TRUE(v.error().Is(Errc::kInvalidArgument)) << text;
        EXPECT_NE(v.error().message.find("'" + text + "'"), std::string::npos) << v.error().message;
    }
}

TEST(VersionTest, SpecPrecedenceExampleIsStrictlyIncreasing) {
    const std::vector<std::string> ordered = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                              "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                              "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                                              "1.1.0",       "2.0.0",         "2.1.0",
                                              "2.1.1",       "10.0.0"};
    for (std::size_t i = 0; i < ordered.size(); ++i) {
        for (std::size_t j = 0; j < ordered.size(); ++j) {
            const Version a = Parsed(ordered[i]);
            const Version b = Parsed(ordered[j]);
            const int expected = i < j ? -1 : (i > j ? 1 : 0);
            EXPECT_EQ(Compare(a, b), expected) << ordered[i] << " vs " << ordered[j];
            EXPECT_EQ(a < b, i < j) << ordered[i] << " vs " << ordered[j];
            EXPECT_EQ(a == b, i == j) << ordered[i] << " vs " << ordered[j];
        }
    }
}

TEST(VersionTest, PrereleaseIdentifierRules) {
    struct Case {
        std::string lower;
        std::string higher;
    };
    const std::vector<Case> cases = {
        {"1.0.0-2", "1.0.0-10"},                       // numeric, compared numerically
        {"1.0.0-9999", "1.0.0-99999999999999999999"},  // numbers past 64 bits still compare
        {"1.0.0-999", "1.0.0-a"},                      // numeric below alphanumeric
        {"1.0.0-Z", "1.0.0-a"},                        // ASCII order
        {"1.0.0-alpha", "1.0.0-alpha.0"},              // shorter prefix is lower
        {"1.0.0-rc.1", "1.0.0"},                       // pre-release below its release
        {"1.0.0", "1.0.1-0"},                          // ...but above the previous release
        {"0.0.0-0", "0.0.0-00a"},
    };
    for (const auto& c : cases) {
        EXPECT_LT(Parsed(c.lower), Parsed(c.higher)) << c.lower << " < " << c.higher;
        EXPECT_GT(Parsed(c.higher), Parsed(c.lower)) << c.higher << " > " << c.lower;
        EXPECT_EQ(Compare(Parsed(c.lower), Parsed(c.higher)), -1);
    }
}

TEST(VersionTest, BuildMetadataIsIgnoredInPrecedence) {
    EXPECT_EQ(Parsed("1.0.0+a"), Parsed("1.0.0+b"));
    EXPECT_EQ(Compare(Parsed("1.0.0-rc.1+x"), Parsed("1.0.0-rc.1")), 0);
    EXPECT_LT(Parsed("1.0.0-rc.1+zzz"), Parsed("1.0.0+aaa"));
}

}  // namespace
}  // namespace waka::semver
