#include "coordinator/api/rate_limits.hpp"

#include <gtest/gtest.h>

namespace waka::coordinator::api {
namespace {

http::Request From(std::string peer) {
    http::Request request;
    request.remote_address = std::move(peer);
    return request;
}

TEST(ParsePeerAddress, ReadsBothFormsOfFormatPeer) {
    EXPECT_EQ(ParsePeerAddress("198.51.100.7:5123")->to_string(), "198.51.100.7");
    EXPECT_EQ(ParsePeerAddress("[2001:db8::1]:443")->to_string(), "2001:db8::1");
    EXPECT_FALSE(ParsePeerAddress("unknown"));
    EXPECT_FALSE(ParsePeerAddress("[2001:db8::1"));
}

TEST(RateLimits, ExemptNetworksAreNeverLimited) {
    RateLimits limits(
        {.requests_per_second = 0.001, .request_burst = 1, .exempt_networks = "127.0.0.0/8, ::1"});
    const auto now = RateLimits::Clock::now();
    for (int i = 0; i < 5; ++i) {
        EXPECT_FALSE(limits.CheckRequest(From("127.0.0.1:4000"), now));
        EXPECT_FALSE(limits.CheckRequest(From("[::1]:4000"), now));
    }
    EXPECT_FALSE(limits.CheckRequest(From("198.51.100.7:4000"), now));
    const auto limited = limits.CheckRequest(From("198.51.100.7:4001"), now);
    ASSERT_TRUE(limited);
    EXPECT_EQ(limited->status, 429u);
}

TEST(RateLimits, OnlyFailuresSpendTheAuthenticationBucket) {
    RateLimits limits({.auth_failures_per_minute = 0.06, .auth_failure_burst = 1});
    const auto now = RateLimits::Clock::now();
    const http::Request request = From("198.51.100.7:4000");
    EXPECT_FALSE(limits.CheckAuthentication(request, now));
    EXPECT_FALSE(limits.CheckAuthentication(request, now)) << "checking spends nothing";
    limits.AuthenticationFailed(request, now);
    const auto limited = limits.CheckAuthentication(request, now);
    ASSERT_TRUE(limited);
    EXPECT_EQ(limited->code, "rate_limited");
    EXPECT_FALSE(limits.CheckAuthentication(From("198.51.100.8:4000"), now));
}

}  // namespace
}  // namespace waka::coordinator::api
