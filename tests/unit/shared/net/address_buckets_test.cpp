#include "shared/net/address_buckets.hpp"

#include <gtest/gtest.h>

namespace waka::net {
namespace {

namespace ip = boost::asio::ip;
using std::chrono::milliseconds;

const AddressBuckets::Clock::time_point kT0{};

TEST(AddressBuckets, SpendsTheBurstThenRefillsAtTheRate) {
    AddressBuckets buckets({.per_second = 2, .burst = 3}, 100);
    const auto peer = ip::make_address("198.51.100.7");
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(buckets.Take(peer, kT0)) << i;
    }
    const auto wait = buckets.Take(peer, kT0);
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, milliseconds(500));  // one token every 500 ms
    EXPECT_TRUE(buckets.Take(peer, kT0 + milliseconds(499)));
    EXPECT_FALSE(buckets.Take(peer, kT0 + milliseconds(1000)));  // 2 tokens back, 1 spent
    EXPECT_FALSE(buckets.Take(peer, kT0 + milliseconds(1000)));
    EXPECT_TRUE(buckets.Take(peer, kT0 + milliseconds(1000)));
    EXPECT_FALSE(buckets.Take(peer, kT0 + std::chrono::hours(1)));  // never above the burst
    EXPECT_FALSE(buckets.Take(peer, kT0 + std::chrono::hours(1)));
    EXPECT_FALSE(buckets.Take(peer, kT0 + std::chrono::hours(1)));
    EXPECT_TRUE(buckets.Take(peer, kT0 + std::chrono::hours(1)));
}

TEST(AddressBuckets, AddressesHaveTheirOwnBucketsAndIpv6CountsPerSlash64) {
    AddressBuckets buckets({.per_second = 0.001, .burst = 1}, 100);
    EXPECT_FALSE(buckets.Take(ip::make_address("198.51.100.7"), kT0));
    EXPECT_TRUE(buckets.Take(ip::make_address("198.51.100.7"), kT0));
    EXPECT_FALSE(buckets.Take(ip::make_address("198.51.100.8"), kT0));
    EXPECT_TRUE(buckets.Take(ip::make_address("::ffff:198.51.100.8"), kT0)) << "mapped = IPv4";
    EXPECT_FALSE(buckets.Take(ip::make_address("2001:db8:1:2::1"), kT0));
    EXPECT_TRUE(buckets.Take(ip::make_address("2001:db8:1:2:ffff::9"), kT0)) << "same /64";
    EXPECT_FALSE(buckets.Take(ip::make_address("2001:db8:1:3::1"), kT0));
    EXPECT_EQ(AddressBuckets::KeyOf(ip::make_address("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
}

TEST(AddressBuckets, ExhaustedLooksWithoutSpending) {
    AddressBuckets buckets({.per_second = 1, .burst = 1}, 100);
    const auto peer = ip::make_address("198.51.100.7");
    EXPECT_FALSE(buckets.Exhausted(peer, kT0)) << "an unknown address has its whole burst";
    EXPECT_FALSE(buckets.Take(peer, kT0));
    EXPECT_EQ(buckets.Exhausted(peer, kT0), milliseconds(1000));
    EXPECT_EQ(buckets.Exhausted(peer, kT0), milliseconds(1000));
    EXPECT_FALSE(buckets.Exhausted(peer, kT0 + milliseconds(1000)));
}

// Beyond the bound the least recently seen address is forgotten: memory stays bounded, and the
// forgotten address starts again with a full bucket (never locked out by others' floods).
TEST(AddressBuckets, TheTableIsBoundedByForgettingTheLeastRecentlySeen) {
    AddressBuckets buckets({.per_second = 0.001, .burst = 1}, 2);
    const auto a = ip::make_address("10.0.0.1");
    const auto b = ip::make_address("10.0.0.2");
    const auto c = ip::make_address("10.0.0.3");
    EXPECT_FALSE(buckets.Take(a, kT0));
    EXPECT_FALSE(buckets.Take(b, kT0));
    EXPECT_TRUE(buckets.Take(a, kT0));   // a is now the most recently seen
    EXPECT_FALSE(buckets.Take(c, kT0));  // b is forgotten
    EXPECT_EQ(buckets.Size(), 2u);
    EXPECT_TRUE(buckets.Take(a, kT0));
    EXPECT_FALSE(buckets.Take(b, kT0)) << "b starts again with a full bucket";
}

TEST(AddressBuckets, ZeroRateLimitsNothing) {
    AddressBuckets buckets({.per_second = 0, .burst = 1}, 1);
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(buckets.Take(ip::make_address("10.0.0.1"), kT0));
    }
    EXPECT_EQ(buckets.Size(), 0u);
}

}  // namespace
}  // namespace waka::net
