#include "coordinator/domain/selector.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::domain {
namespace {

using Labels = std::map<std::string, std::string>;

LabelRequirement Req(std::string key, SelectorOp op, std::vector<std::string> values = {}) {
    return LabelRequirement{std::move(key), op, std::move(values)};
}

Selector Parsed(std::string_view text) {
    auto selector = ParseSelector(text);
    EXPECT_TRUE(selector) << text << ": " << selector.error().message;
    return selector ? *selector : Selector{};
}

struct ParseCase {
    std::string text;
    std::vector<LabelRequirement> requirements;
};

TEST(SelectorTest, ParsesEveryForm) {
    const std::vector<ParseCase> cases{
        {"", {}},
        {"   ", {}},
        {"env=prod", {Req("env", SelectorOp::kIn, {"prod"})}},
        {"env==prod", {Req("env", SelectorOp::kIn, {"prod"})}},
        {"env = prod", {Req("env", SelectorOp::kIn, {"prod"})}},
        {"env=", {Req("env", SelectorOp::kIn, {""})}},
        {"tier!=db", {Req("tier", SelectorOp::kNotIn, {"db"})}},
        {"canary", {Req("canary", SelectorOp::kExists)}},
        {"!legacy", {Req("legacy", SelectorOp::kNotExists)}},
        {"region in (lagos, abuja,lagos)", {Req("region", SelectorOp::kIn, {"abuja", "lagos"})}},
        {"zone notin (x)", {Req("zone", SelectorOp::kNotIn, {"x"})}},
        {"in in (in)", {Req("in", SelectorOp::kIn, {"in"})}},
        {"v=1.2.3-rc.1+b", {Req("v", SelectorOp::kIn, {"1.2.3-rc.1+b"})}},
        {"city=Ìbàdàn", {Req("city", SelectorOp::kIn, {"Ìbàdàn"})}},
        {"env=prod,region in (lagos,abuja),tier!=db,canary,!legacy,zone notin (x)",
         {Req("canary", SelectorOp::kExists), Req("env", SelectorOp::kIn, {"prod"}),
          Req("legacy", SelectorOp::kNotExists), Req("region", SelectorOp::kIn, {"abuja", "lagos"}),
          Req("tier", SelectorOp::kNotIn, {"db"}), Req("zone", SelectorOp::kNotIn, {"x"})}},
        {"b=1, a=2 ,b=1", {Req("a", SelectorOp::kIn, {"2"}), Req("b", SelectorOp::kIn, {"1"})}},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(Parsed(c.text).requirements, c.requirements) << c.text;
    }
}

struct RefusalCase {
    std::string text;
    std::string message;
};

TEST(SelectorTest, RefusalsNameTheProblemAndWhere) {
    const std::vector<RefusalCase> cases{
        {",", "at character 1: expected a label key, found ','"},
        {"env=prod,", "at character 10: expected a label key"},
        {"env prod",
         "at character 5: expected an operator (=, ==, !=, in, notin) or ',' after "
         "key 'env'"},
        {"_env=prod",
         "at character 1: label key '_env' breaks the id rule (1-128 characters of "
         "[A-Za-z0-9._-], starting with a letter or digit)"},
        {"env/x=1",
         "at character 4: expected an operator (=, ==, !=, in, notin) or ',' after key "
         "'env'"},
        {"region in lagos", "at character 11: expected '(' after 'in' for key 'region'"},
        {"region in (lagos", "at character 17: missing ')' closing the set of key 'region'"},
        {"region in (lagos abuja)",
         "at character 18: expected ',' or ')' in the set of key 'region', found 'a'"},
        {"region in ()", "at character 12: empty value in the set of key 'region'"},
        {"region notin (a,)", "at character 17: empty value in the set of key 'region'"},
        {"env=a=b", "at character 6: expected ',' between requirements, found '='"},
        {"env=a b", "at character 7: expected ',' between requirements, found 'b'"},
        {"env=a\x01",
         "at character 6: expected ',' between requirements, found a control "
         "character (0x01)"},
        {"!", "at character 2: expected a label key"},
        {"env=" + std::string(257, 'v'),
         "at character 5: a value for key 'env' is longer than 256 characters"},
    };
    for (const auto& c : cases) {
        auto refused = ParseSelector(c.text);
        ASSERT_FALSE(refused) << c.text;
        EXPECT_TRUE(refused.error().Is(Errc::kInvalidArgument)) << c.text;
        EXPECT_EQ(refused.error().message, c.message) << c.text;
    }
}

TEST(SelectorTest, RefusesOverItsBounds) {
    std::string many;
    for (int i = 0; i < 65; ++i) {
        many += (many.empty() ? "k" : ",k") + std::to_string(i);
    }
    EXPECT_EQ(ParseSelector(many).error().message, "a selector has at most 64 requirements");
    std::string set = "k in (";
    for (int i = 0; i < 257; ++i) {
        set += (i == 0 ? "v" : ",v") + std::to_string(i);
    }
    EXPECT_NE(ParseSelector(set + ")").error().message.find("more than 256 values in the set"),
              std::string::npos);
    EXPECT_EQ(ParseSelector(std::string(4097, 'k')).error().message,
              "a selector is at most 4096 characters (this one has 4097)");
    EXPECT_EQ(Parsed(std::string(128, 'k')).requirements.size(), 1U);
    EXPECT_FALSE(ParseSelector(std::string(129, 'k')));
}

TEST(SelectorTest, CanonicalFormRoundTrips) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"", ""},
        {"env==prod", "env=prod"},
        {"  region in ( lagos ,abuja ) , !legacy,canary ",
         "canary,!legacy,region in (abuja,lagos)"},
        {"tier notin (db)", "tier!=db"},
        {"tier notin (db, cache)", "tier notin (cache,db)"},
        {"env=", "env="},
        {"a!=,b in (x)", "a!=,b=x"},
    };
    for (const auto& [text, canonical] : cases) {
        const Selector selector = Parsed(text);
        EXPECT_EQ(ToString(selector), canonical) << text;
        EXPECT_EQ(Parsed(ToString(selector)), selector) << text;
    }
}

struct MatchCase {
    std::string selector;
    Labels labels;
    bool matches;
};

TEST(SelectorTest, MatchesTable) {
    const Labels prod{{"env", "prod"}, {"region", "lagos"}, {"canary", ""}};
    const Labels dev{{"env", "dev"}, {"legacy", "yes"}};
    const std::vector<MatchCase> cases{
        {"", {}, true},
        {"", prod, true},
        {"env=prod", prod, true},
        {"env=prod", dev, false},
        {"env=prod", {}, false},
        {"env!=prod", dev, true},
        {"env!=prod", {}, true},  // no key: notin holds
        {"env!=prod", prod, false},
        {"region in (lagos,abuja)", prod, true},
        {"region in (abuja)", prod, false},
        {"region notin (abuja)", prod, true},
        {"region notin (abuja,lagos)", prod, false},
        {"region notin (abuja)", dev, true},
        {"canary", prod, true},
        {"canary", dev, false},
        {"canary=", prod, true},
        {"!legacy", prod, true},
        {"!legacy", dev, false},
        {"env=prod,canary,!legacy", prod, true},
        {"env=prod,region=abuja", prod, false},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(Matches(Parsed(c.selector), c.labels), c.matches) << c.selector;
    }
}

}  // namespace
}  // namespace waka::coordinator::domain
