#include "coordinator/api/router.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::api {
namespace {

RouteHandler Noop() {
    return [](Call&) -> boost::asio::awaitable<http::Response> { co_return http::Response{}; };
}

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        router_.Add({"GET", "/api/v1/versions", domain::Role::kViewer, Noop()});
        router_.Add({"POST", "/api/v1/versions", domain::Role::kOperator, Noop()});
        router_.Add(
            {"GET", "/api/v1/versions/{type}/{name}/{version}", domain::Role::kViewer, Noop()});
        router_.Add({"GET", "/api/v1/audit/{seq}", domain::Role::kViewer, Noop()});
        router_.Add({"GET", "/api/v1/audit/verify", domain::Role::kViewer, Noop()});
        router_.Add({"DELETE", "/api/v1/tokens/{id}", domain::Role::kAdmin, Noop()});
        router_.Add({"GET", "/", std::nullopt, Noop()});
    }
    Router router_;
};

TEST_F(RouterTest, MatchesMethodAndExtractsParameters) {
    auto match = router_.Find("GET", "/api/v1/versions/suite/commerce/1.5.0");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.params.at("type"), "suite");
    EXPECT_EQ(match.params.at("name"), "commerce");
    EXPECT_EQ(match.params.at("version"), "1.5.0");
}

TEST_F(RouterTest, LiteralSegmentsWinOverParameters) {
    auto match = router_.Find("GET", "/api/v1/audit/verify");
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->pattern, "/api/v1/audit/verify");
    EXPECT_TRUE(match.params.empty());
}

TEST_F(RouterTest, KnownPathWrongMethodListsAllowed) {
    auto match = router_.Find("DELETE", "/api/v1/versions");
    EXPECT_EQ(match.route, nullptr);
    EXPECT_EQ(match.allowed, (std::vector<std::string>{"GET", "POST"}));
}

TEST_F(RouterTest, UnknownPathHasNoAllowedMethods) {
    auto match = router_.Find("GET", "/api/v1/nothing");
    EXPECT_EQ(match.route, nullptr);
    EXPECT_TRUE(match.allowed.empty());
    EXPECT_EQ(router_.Find("GET", "/api/v1/versions/suite/commerce").route, nullptr);
}

TEST_F(RouterTest, TrailingSlashAndRoot) {
    EXPECT_NE(router_.Find("GET", "/api/v1/versions/").route, nullptr);
    EXPECT_NE(router_.Find("GET", "/").route, nullptr);
    EXPECT_EQ(router_.Find("DELETE", "/api/v1/tokens/").route, nullptr);
}

}  // namespace
}  // namespace waka::coordinator::api
