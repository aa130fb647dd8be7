#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

// One token bucket, the arithmetic of every per-address limit (net::AddressBuckets for the API's
// request rates, net::AddressLimits for the gateway's handshake rate): at most `burst` tokens,
// `per_second` of them back over time. Not thread-safe: the table that owns it holds the lock.
namespace waka::net {

struct TokenBucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled{};

    // Adds what the time since the last refill earned, never above burst.
    void Refill(std::chrono::steady_clock::time_point now, double per_second, double burst) {
        if (per_second <= 0 || now <= refilled) {
            return;
        }
        const std::chrono::duration<double> elapsed = now - refilled;
        tokens = std::min(burst, tokens + elapsed.count() * per_second);
        refilled = now;
    }
    // Takes one token when there is one.
    [[nodiscard]] bool TryTake() {
        if (tokens < 1.0) {
            return false;
        }
        tokens -= 1.0;
        return true;
    }
    // How long until a whole token is back (per_second > 0).
    [[nodiscard]] std::chrono::milliseconds UntilNextToken(double per_second) const {
        const double seconds = std::max(0.0, 1.0 - tokens) / per_second;
        return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0)));
    }
};

}  // namespace waka::net
