#include <gtest/gtest.h>

#include <string>

#include "coordinator/resolver/resolver.hpp"

// The solver's step budget (resolver::Request::max_steps, ADR 0033): a resolution that needs more
// steps than its budget stops with kTooComplex naming the budget, and one within it is unchanged.
namespace waka::coordinator::resolver {
namespace {

constexpr int kChain = 20;

// capability:c0 -> c1 -> ... -> c19, each with three releases: resolving c0 decides and expands
// every link of the chain, so it needs at least 2 * kChain steps.
Catalog Chain() {
    Catalog catalog;
    for (int i = 0; i < kChain; ++i) {
        std::map<std::string, std::string> deps;
        if (i + 1 < kChain) {
            deps["capability:c" + std::to_string(i + 1)] = "^1";
        }
        auto& releases = catalog.components["capability:c" + std::to_string(i)];
        for (const char* version : {"1.0.0", "1.1.0", "1.2.0"}) {
            releases.push_back(Release{version, true, deps});
        }
    }
    return catalog;
}

Request ResolveC0(std::size_t max_steps) {
    Request request;
    request.constraints["capability:c0"] = "latest";
    request.max_steps = max_steps;
    return request;
}

TEST(StepBudget, PastTheBudgetTheResolutionIsTooComplex) {
    auto result = Resolve(Chain(), ResolveC0(5));
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().Is(Errc::kTooComplex)) << result.error().message;
    EXPECT_NE(result.error().message.find("too complex"), std::string::npos);
    EXPECT_NE(result.error().message.find("more than 5 solver steps"), std::string::npos);
    EXPECT_NE(result.error().message.find("resolver.max_steps"), std::string::npos);
}

TEST(StepBudget, WithinTheBudgetTheAnswerIsTheSameAsWithout) {
    auto unlimited = Resolve(Chain(), ResolveC0(0));
    ASSERT_TRUE(unlimited) << unlimited.error().message;
    auto budgeted = Resolve(Chain(), ResolveC0(10'000));
    ASSERT_TRUE(budgeted) << budgeted.error().message;
    EXPECT_EQ(budgeted->versions, unlimited->versions);
    EXPECT_EQ(budgeted->versions.at("capability:c19"), "1.2.0");
}

// A refusal found within the budget stays a conflict with its chain, not "too complex".
TEST(StepBudget, AConflictWithinTheBudgetIsStillAConflict) {
    Catalog catalog = Chain();
    Request request = ResolveC0(10'000);
    request.constraints["capability:c5"] = "2.0.0";
    auto result = Resolve(catalog, request);
    ASSERT_FALSE(result);
    EXPECT_FALSE(result.error().Is(Errc::kTooComplex)) << result.error().message;
}

// WhyNot passes the budget error on: "too complex" is not an explanation.
TEST(StepBudget, WhyNotReportsTheBudgetAsAnError) {
    auto index = BuildIndex(Chain());
    ASSERT_TRUE(index) << index.error().message;
    auto why = WhyNot(*index, ResolveC0(3), "capability:c0", "1.0.0");
    ASSERT_FALSE(why);
    EXPECT_TRUE(why.error().Is(Errc::kTooComplex)) << why.error().message;
}

}  // namespace
}  // namespace waka::coordinator::resolver
