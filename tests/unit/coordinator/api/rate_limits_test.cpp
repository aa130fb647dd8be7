#include "coordinator/api/rate_limits.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::api {
namespace {

http::Request From(const std::string& address) {
    http::Request request;
    request.remote_ip = boost::asio::ip::make_address(address);
    return request;
}

TEST(RateLimits, ExemptNetworksAreNeverLimited) {
    RateLimits limits(
        {.requests_per_second = 0.001, .request_burst = 1, .exempt_networks = "127.0.0.0/8, ::1"});
    const auto now = RateLimits::Clock::now();
    for (int i = 0; i < 5; ++i) {
        EXPECT_FALSE(limits.CheckRequest(From("127.0.0.1"), now));
        EXPECT_FALSE(limits.CheckRequest(From("::1"), now));
    }
    EXPECT_FALSE(limits.CheckRequest(From("198.51.100.7"), now));
    const auto limited = limits.CheckRequest(From("198.51.100.7"), now);
    ASSERT_TRUE(limited);
    EXPECT_EQ(limited->status, 429u);
}

TEST(RateLimits, OnlyFailuresSpendTheAuthenticationBucket) {
    RateLimits limits({.auth_failures_per_minute = 0.06, .auth_failure_burst = 1});
    const auto now = RateLimits::Clock::now();
    const http::Request request = From("198.51.100.7");
    EXPECT_FALSE(limits.CheckAuthentication(request, now));
    EXPECT_FALSE(limits.CheckAuthentication(request, now)) << "checking spends nothing";
    limits.AuthenticationFailed(request, now);
    const auto limited = limits.CheckAuthentication(request, now);
    ASSERT_TRUE(limited);
    EXPECT_EQ(limited->code, "rate_limited");
    EXPECT_FALSE(limits.CheckAuthentication(From("198.51.100.8"), now));
}

TEST(RateLimits, ARequestWithoutAPeerAddressIsNotLimited) {
    RateLimits limits({.requests_per_second = 0.001, .request_burst = 1});
    const auto now = RateLimits::Clock::now();
    EXPECT_FALSE(limits.CheckRequest(http::Request{}, now));
    EXPECT_FALSE(limits.CheckRequest(http::Request{}, now));
}

}  // namespace
}  // namespace waka::coordinator::api
