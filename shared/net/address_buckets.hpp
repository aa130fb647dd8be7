#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "shared/net/token_bucket.hpp"

// Token buckets per client address, for rate limits at the coordinator's front door: each address
// may spend `burst` at once and gets `per_second` back over time. IPv6 clients are counted per
// /64 (one host usually holds a whole /64, so per-address buckets would be free to multiply).
// The table is bounded: beyond max_addresses the least recently seen address is forgotten (it
// starts again with a full bucket), so a flood of new addresses costs memory it cannot grow and
// cannot lock anyone out. Thread-safe; time is passed in, so tests need no sleeps.
namespace waka::net {

struct BucketRate {
    double per_second = 0;  // tokens refilled per second; 0: unlimited
    double burst = 1;       // bucket size (>= 1)
};

class AddressBuckets {
public:
    using Clock = std::chrono::steady_clock;

    AddressBuckets(BucketRate rate, std::size_t max_addresses);

    // Takes one token for `peer`; nullopt when allowed, else how long until a token is back.
    [[nodiscard]] std::optional<std::chrono::milliseconds> Take(
        const boost::asio::ip::address& peer, Clock::time_point now);
    // How long until `peer` has a token again, or nullopt when it has one now (takes none).
    [[nodiscard]] std::optional<std::chrono::milliseconds> Exhausted(
        const boost::asio::ip::address& peer, Clock::time_point now);
    [[nodiscard]] std::size_t Size() const;
    [[nodiscard]] bool Unlimited() const { return rate_.per_second <= 0; }

    // The table key of a peer: the IPv4 address (IPv4-mapped IPv6 unmapped), or the /64 of IPv6.
    [[nodiscard]] static std::string KeyOf(const boost::asio::ip::address& peer);

private:
    struct Bucket {
        TokenBucket tokens;
        std::list<std::string>::iterator recency;  // position in recency_
    };
    // The address's bucket, refilled up to now.
    TokenBucket& Find(const std::string& key, Clock::time_point now);

    const BucketRate rate_;
    const std::size_t max_addresses_;
    mutable std::mutex mutex_;  // guards the two members below
    std::unordered_map<std::string, Bucket> buckets_;
    std::list<std::string> recency_;  // most recently seen first
};

}  // namespace waka::net
