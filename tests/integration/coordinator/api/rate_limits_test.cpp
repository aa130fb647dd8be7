// The API's per-client rate limits (ADR 0032) with the real server and PostgreSQL: a request
// bucket answered 429 with Retry-After, and an auth-failure bucket that refuses an address which
// kept guessing before its next token is looked up. The refill is set so slow (one token per
// 1000 s) that nothing refills while a test runs.
#include <string>

#include "tests/integration/coordinator/api/api_fixture.hpp"

namespace waka::coordinator::api::testing {
namespace {

constexpr double kNoRefillPerSecond = 0.001;

class RequestRateTest : public ApiTest {
protected:
    void AdjustServerOptions(http::ServerOptions& /*options*/) override {
        context_->rate_limits = {.requests_per_second = kNoRefillPerSecond, .request_burst = 3};
    }
};

TEST_F(RequestRateTest, TheRequestAfterTheBurstIsAnswered429WithRetryAfter) {
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(client_->Get("/api/v1/instances").status, 200u) << "request " << i;
    }
    const test::HttpResult limited = client_->Get("/api/v1/instances");
    ASSERT_EQ(limited.status, 429u) << limited.body;
    EXPECT_EQ(limited.Header("Retry-After"), "1000");
    const auto body = Object(limited);
    EXPECT_EQ(Str(body, "code"), "rate_limited");
    EXPECT_NE(Str(body, "detail")
                  .find("Too many requests from 127.0.0.1: at most 0.001 per "
                        "second (burst 3); retry after 1000 s"),
              std::string::npos)
        << limited.body;
    // Every kind of request spends the same bucket, the unauthenticated ones too.
    EXPECT_EQ(ClientWith("").Get("/health").status, 429u);
    // A kept-alive connection is closed after its 429: a flood pays a connection per request.
    test::HttpConnection kept("127.0.0.1", port_);
    const test::HttpResult again = kept.Send("GET", "/api/v1/instances");
    EXPECT_EQ(again.status, 429u);
    EXPECT_EQ(again.Header("Connection"), "close");
    EXPECT_TRUE(kept.WaitForClose());
}

class AuthFailureRateTest : public ApiTest {
protected:
    void AdjustServerOptions(http::ServerOptions& /*options*/) override {
        context_->rate_limits = {.requests_per_second = 0,
                                 .auth_failures_per_minute = kNoRefillPerSecond * 60,
                                 .auth_failure_burst = 2};
    }
};

TEST_F(AuthFailureRateTest, AnAddressThatKeepsGuessingIsRefusedBeforeTheLookup) {
    test::HttpClient guesser = ClientWith("waka_not-a-real-token");
    EXPECT_EQ(guesser.Get("/api/v1/instances").status, 401u);
    EXPECT_EQ(guesser.Get("/api/v1/instances").status, 401u);
    const test::HttpResult limited = guesser.Get("/api/v1/instances");
    ASSERT_EQ(limited.status, 429u) << limited.body;
    EXPECT_NE(Str(Object(limited), "detail").find("Too many failed authentications from 127.0.0.1"),
              std::string::npos)
        << limited.body;
    EXPECT_EQ(limited.Header("Retry-After"), "1000");
    // The address, not the token, is limited: a valid token from it waits as well, and requests
    // without a token (no lookup, nothing to guess) still get their 401.
    EXPECT_EQ(client_->Get("/api/v1/instances").status, 429u);
    EXPECT_EQ(ClientWith("").Get("/api/v1/instances").status, 401u);
    test::HttpConnection kept("127.0.0.1", port_);
    EXPECT_EQ(kept.Send("GET", "/api/v1/instances", {}, {{"Authorization", "Bearer waka_guess"}})
                  .Header("Connection"),
              "close");
    EXPECT_TRUE(kept.WaitForClose()) << "a 429 closes the connection";
}

// Two failures leave one token of a burst of three: the admin's scrape still passes and counts.
class AuthFailureMetricsTest : public ApiTest {
protected:
    void AdjustServerOptions(http::ServerOptions& /*options*/) override {
        context_->rate_limits = {.auth_failures_per_minute = kNoRefillPerSecond * 60,
                                 .auth_failure_burst = 3};
    }
};

TEST_F(AuthFailureMetricsTest, MetricsCountAuthFailuresByReason) {
    test::HttpClient guesser = ClientWith("waka_not-a-real-token");
    EXPECT_EQ(guesser.Get("/api/v1/instances").status, 401u);
    EXPECT_EQ(guesser.Get("/api/v1/instances").status, 401u);
    EXPECT_EQ(ClientWith("").Get("/api/v1/instances").status, 401u);
    const test::HttpResult scraped = client_->Get("/metrics");
    ASSERT_EQ(scraped.status, 200u) << scraped.body;
    EXPECT_NE(
        scraped.body.find("waka_http_auth_failures_total{reason=\"unknown_or_revoked_token\"} 2\n"),
        std::string::npos)
        << scraped.body;
    EXPECT_NE(scraped.body.find("waka_http_auth_failures_total{reason=\"missing_token\"} 1\n"),
              std::string::npos);
    EXPECT_NE(scraped.body.find("waka_http_rate_limited_total{limit=\"auth_failures\"} 0\n"),
              std::string::npos);
}

}  // namespace
}  // namespace waka::coordinator::api::testing
