#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "coordinator/api/problem.hpp"
#include "coordinator/http/message.hpp"
#include "shared/net/address_buckets.hpp"
#include "shared/net/peer_gate.hpp"

// The API's per-client rate limits (ADR 0032): every request spends a token of its address's
// request bucket, and every failed authentication one of its (much smaller) auth-failure bucket;
// an address whose auth-failure bucket is empty is not even looked up until it refills. Answers
// are 429 with Retry-After. Exempt networks (loopback by default: the quickstart, wakactl on the
// coordinator's host) are never limited.
namespace waka::coordinator::api {

struct RateLimitSettings {
    double requests_per_second = 0;  // per client address (IPv6: per /64); 0: no limit
    double request_burst = 1;
    double auth_failures_per_minute = 0;  // 0: no limit
    double auth_failure_burst = 1;
    std::size_t max_addresses = 65536;  // per table; the least recently seen is forgotten
    std::string exempt_networks;        // CIDR list; "": nobody is exempt
};

class RateLimits {
public:
    using Clock = net::AddressBuckets::Clock;

    // The settings were validated (exempt_networks parses).
    explicit RateLimits(const RateLimitSettings& settings);

    // A 429 when the request's address has spent its request bucket; nullopt lets it in.
    [[nodiscard]] std::optional<ApiError> CheckRequest(const http::Request& request,
                                                       Clock::time_point now);
    // A 429 when the address has spent its auth-failure bucket: its token is not looked up.
    [[nodiscard]] std::optional<ApiError> CheckAuthentication(const http::Request& request,
                                                              Clock::time_point now);
    // Spends one auth-failure token of the request's address.
    void AuthenticationFailed(const http::Request& request, Clock::time_point now);

private:
    // The request's client address, unless it is exempt (or unknown).
    [[nodiscard]] std::optional<boost::asio::ip::address> LimitedPeer(
        const http::Request& request) const;

    const RateLimitSettings settings_;
    net::AllowedNetworks exempt_;
    net::AddressBuckets requests_;
    net::AddressBuckets auth_failures_;
};

}  // namespace waka::coordinator::api
