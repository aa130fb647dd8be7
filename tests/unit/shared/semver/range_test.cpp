#include "shared/semver/range.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace waka::semver {
namespace {

struct RangeCase {
    std::string range;
    std::vector<std::string> accepted;
    std::vector<std::string> refused;
};

void Check(const std::vector<RangeCase>& cases) {
    for (const auto& c : cases) {
        auto range = ParseRange(c.range);
        ASSERT_TRUE(range) << c.range << ": " << range.error().message;
        for (const auto& text : c.accepted) {
            auto v = ParseVersion(text);
            ASSERT_TRUE(v) << text;
            EXPECT_TRUE(range->Satisfies(*v)) << "'" << c.range << "' should accept " << text
                                              << " (" << range->ToPrimitiveString() << ")";
        }
        for (const auto& text : c.refused) {
            auto v = ParseVersion(text);
            ASSERT_TRUE(v) << text;
            EXPECT_FALSE(range->Satisfies(*v)) << "'" << c.range << "' should refuse " << text
                                               << " (" << range->ToPrimitiveString() << ")";
        }
    }
}

TEST(RangeTest, Comparators) {
    Check({
        {">=1.2.3", {"1.2.3", "1.2.4", "2.0.0", "1.2.3+build"}, {"1.2.2", "0.9.9", "1.2.3-rc.1"}},
        {">1.2.3", {"1.2.4", "9.0.0"}, {"1.2.3", "1.0.0"}},
        {"<3.0.0", {"2.9.9", "0.0.0"}, {"3.0.0", "3.0.1", "3.0.0-rc.1", "2.9.9-rc.1"}},
        {"<=3.0.0", {"3.0.0", "2.0.0"}, {"3.0.1"}},
        {"=1.2.3", {"1.2.3", "1.2.3+meta"}, {"1.2.4", "1.2.2", "1.2.3-rc.1"}},
        {"1.2.3", {"1.2.3"}, {"1.2.4", "1.2.3-rc.1"}},
        {">=2.0.0 <3.0.0", {"2.0.0", "2.5.1", "2.99.99"}, {"1.9.9", "3.0.0", "3.0.0-alpha"}},
        {">= 2.0.0 < 3.0.0", {"2.1.0"}, {"3.0.0"}},
        {">1.2", {"1.3.0", "2.0.0"}, {"1.2.9", "1.2.0", "1.3.0-alpha"}},
        {">1", {"2.0.0"}, {"1.9.9"}},
        {">=1.2", {"1.2.0", "1.3.0"}, {"1.1.9"}},
        {"<1.2", {"1.1.9"}, {"1.2.0", "1.2.0-alpha"}},
        {"<=1.2", {"1.2.99", "1.0.0"}, {"1.3.0", "1.3.0-0"}},
        {"<=1", {"1.99.0"}, {"2.0.0"}},
        {"=1.2", {"1.2.0", "1.2.7"}, {"1.3.0"}},
    });
}

TEST(RangeTest, CaretAndTilde) {
    Check({
        {"^1.5", {"1.5.0", "1.9.9", "1.5.1"}, {"1.4.9", "2.0.0", "2.0.0-alpha", "1.6.0-beta"}},
        {"^1.5.2", {"1.5.2", "1.99.0"}, {"1.5.1", "2.0.0"}},
        {"^0.2.3", {"0.2.3", "0.2.9"}, {"0.2.2", "0.3.0", "1.0.0"}},
        {"^0.0.3", {"0.0.3"}, {"0.0.4", "0.0.2", "0.1.0"}},
        {"^0.2", {"0.2.0", "0.2.5"}, {"0.3.0", "0.1.9"}},
        {"^0.0", {"0.0.0", "0.0.9"}, {"0.1.0"}},
        {"^0", {"0.0.0", "0.9.9"}, {"1.0.0"}},
        {"^1", {"1.0.0", "1.9.0"}, {"2.0.0", "0.9.0"}},
        {"^0.0.x", {"0.0.5"}, {"0.1.0"}},
        {"^1.x", {"1.3.0"}, {"2.0.0"}},
        {"^*", {"0.0.0", "9.9.9"}, {"1.0.0-rc.1"}},
        {"^1.2.3-beta.2",
         {"1.2.3-beta.2", "1.2.3-beta.11", "1.2.3", "1.9.0"},
         {"1.2.3-beta.1", "1.2.4-beta.9", "2.0.0"}},
        {"~1.5.2", {"1.5.2", "1.5.9"}, {"1.5.1", "1.6.0", "2.0.0"}},
        {"~1.5", {"1.5.0", "1.5.9"}, {"1.6.0", "1.4.9"}},
        {"~1", {"1.0.0", "1.9.9"}, {"2.0.0"}},
        {"~0.2.3", {"0.2.3", "0.2.4"}, {"0.3.0"}},
        {"~1.2.3-rc.1", {"1.2.3-rc.1", "1.2.3-rc.2", "1.2.9"}, {"1.2.3-alpha", "1.2.4-rc.1"}},
        {"~ 1.5.2", {"1.5.3"}, {"1.6.0"}},
    });
}

TEST(RangeTest, XRangesAndPartials) {
    Check({
        {"1.5.x", {"1.5.0", "1.5.99"}, {"1.6.0", "1.4.0", "1.5.1-alpha"}},
        {"1.5.*", {"1.5.3"}, {"1.6.0"}},
        {"1.5.X", {"1.5.3"}, {"1.6.0"}},
        {"1.5", {"1.5.0", "1.5.4"}, {"1.6.0"}},
        {"1.x", {"1.0.0", "1.99.99"}, {"2.0.0", "0.9.9"}},
        {"1.x.x", {"1.2.3"}, {"2.0.0"}},
        {"1", {"1.0.0", "1.5.0"}, {"2.0.0"}},
        {"*", {"0.0.0", "1.2.3", "999.0.0"}, {"1.0.0-alpha"}},
        {"x", {"0.0.1"}, {"0.0.1-rc.1"}},
        {"X", {"3.0.0"}, {}},
        {"x.x.x", {"3.0.0"}, {}},
        {">*", {}, {"0.0.0", "1.0.0"}},
        {"<*", {}, {"0.0.0", "1.0.0"}},
        {">=*", {"0.0.0"}, {}},
    });
}

TEST(RangeTest, HyphenRanges) {
    Check({
        {"1.2.3 - 2.3.4", {"1.2.3", "2.0.0", "2.3.4"}, {"1.2.2", "2.3.5", "2.3.4-rc.1"}},
        {"1.2 - 2.3", {"1.2.0", "2.3.9"}, {"1.1.9", "2.4.0"}},
        {"1 - 2", {"1.0.0", "2.9.9"}, {"3.0.0", "0.9.0"}},
        {"* - 2", {"0.0.0", "2.5.0"}, {"3.0.0"}},
        {"1.2.3 - *", {"1.2.3", "99.0.0"}, {"1.2.2"}},
        {"1.2.3-alpha - 1.2.3", {"1.2.3-alpha", "1.2.3-beta", "1.2.3"}, {"1.2.4"}},
    });
}

TEST(RangeTest, Alternatives) {
    Check({
        {"^1.5 || ^3.0", {"1.5.0", "1.9.0", "3.1.0"}, {"2.0.0", "4.0.0", "1.4.0"}},
        {"1.2.3||2.0.0", {"1.2.3", "2.0.0"}, {"1.2.4"}},
        {"<1.0.0 || >=2.0.0 <3.0.0 || 5.x",
         {"0.5.0", "2.2.0", "5.1.0"},
         {"1.5.0", "3.0.0", "6.0.0"}},
        {"1.0.0 - 1.5.0 || >=3.0.0", {"1.2.0", "3.2.0"}, {"2.0.0"}},
    });
}

TEST(RangeTest, PrereleaseNeedsSameTupleInTheSameAlternative) {
    Check({
        {">=1.2.3-beta.1",
         {"1.2.3-beta.1", "1.2.3-beta.2", "1.2.3", "2.0.0"},
         {"1.2.3-alpha", "1.2.4-alpha", "2.0.0-rc.1"}},
        {">1.2.3-alpha.3", {"1.2.3-alpha.7", "3.4.5"}, {"3.4.5-alpha.9", "1.2.3-alpha.3"}},
        {"<2.0.0-rc.1", {"2.0.0-beta", "1.9.9"}, {"2.0.0-rc.1", "1.9.9-beta"}},
        {"=1.0.0-rc.1", {"1.0.0-rc.1", "1.0.0-rc.1+b"}, {"1.0.0-rc.2", "1.0.0"}},
        // The tuple must appear in the alternative that accepts, not in another one.
        {"1.2.3-rc.1 || >=1.0.0", {"1.2.3-rc.1", "1.5.0"}, {"1.5.0-rc.1"}},
    });
}

TEST(RangeTest, ToStringNormalisesWhitespace) {
    struct Case {
        std::string input;
        std::string text;
        std::string primitive;
    };
    const std::vector<Case> cases = {
        {">= 1.2.3   <2", ">=1.2.3 <2", ">=1.2.3 <2.0.0-0"},
        {"^1.5||~2.0", "^1.5 || ~2.0", ">=1.5.0 <2.0.0-0 || >=2.0.0 <2.1.0-0"},
        {"  1.2.3  -  2.3.4 ", "1.2.3 - 2.3.4", ">=1.2.3 <=2.3.4"},
        {"*", "*", "*"},
        {"1.2.3", "1.2.3", "=1.2.3"},
        {"^0.0.3", "^0.0.3", ">=0.0.3 <0.0.4-0"},
        {">1.2", ">1.2", ">=1.3.0"},
        {"<*", "<*", "<0.0.0-0"},
    };
    for (const auto& c : cases) {
        auto range = ParseRange(c.input);
        ASSERT_TRUE(range) << c.input << ": " << range.error().message;
        EXPECT_EQ(range->ToString(), c.text) << c.input;
        EXPECT_EQ(range->ToPrimitiveString(), c.primitive) << c.input;
        auto again = ParseRange(range->ToString());
        ASSERT_TRUE(again);
        EXPECT_EQ(again->ToPrimitiveString(), c.primitive) << c.input;
    }
}

TEST(RangeTest, RefusesInvalidRanges) {
    const std::vector<std::string> cases = {
        "",
        "   ",
        "||",
        "1.2.3 ||",
        "|| 1.2.3",
        "1.2.3 | 2.0.0",
        ">=",
        ">= ",
        "1.x.3",
        "*.2",
        "01.2",
        "1.02.x",
        "1.2.3.4",
        ">=1.2.3-",
        ">=1.2-beta",
        "1.x-beta",
        "^v1",
        "v1.2.3",
        "1.2.3 -",
        "- 1.2.3",
        "1 - 2 - 3",
        "1.2.3 -2.0.0",
        ">=1.0.0 - 2.0.0",
        "latest",
        ">>1.2.3",
        "=>1.2.3",
        "1.2.3,2.0.0",
        "18446744073709551616",
        "18446744073709551615.x",
        "^18446744073709551615",
        ">18446744073709551615",
        "~0.18446744073709551615",
        "^0.0.18446744073709551615",
    };
    for (const auto& text : cases) {
        auto range = ParseRange(text);
        ASSERT_FALSE(range) << "accepted '" << text << "' as " << range->ToPrimitiveString();
        EXPECT_TRUE(range.error().Is(Errc::kInvalidArgument)) << text;
        EXPECT_NE(range.error().message.find("'" + text + "'"), std::string::npos)
            << range.error().message;
    }
}

TEST(RangeTest, LargestVersionsStillWorkWhereNoBoundOverflows) {
    Check({
        {">=18446744073709551615.0.0", {"18446744073709551615.0.0"}, {"1.0.0"}},
        {"<=18446744073709551615.1", {"18446744073709551615.1.9"}, {"18446744073709551615.2.0"}},
    });
}

TEST(RangeTest, StringConvenience) {
    auto yes = Satisfies("1.5.3", "^1.5");
    ASSERT_TRUE(yes);
    EXPECT_TRUE(*yes);
    auto no = Satisfies("2.0.0", "^1.5");
    ASSERT_TRUE(no);
    EXPECT_FALSE(*no);
    EXPECT_FALSE(Satisfies("1.5", "^1.5"));
    EXPECT_FALSE(Satisfies("1.5.0", "^^1.5"));
}

}  // namespace
}  // namespace waka::semver
