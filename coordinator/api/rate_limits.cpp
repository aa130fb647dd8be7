#include "coordinator/api/rate_limits.hpp"

#include <algorithm>

namespace waka::coordinator::api {
namespace {

ApiError TooMany(std::string detail, std::chrono::milliseconds wait) {
    ApiError error;
    error.status = 429;
    error.code = "rate_limited";
    const auto seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
    error.detail = std::move(detail) + "; retry after " + std::to_string(seconds) + " s";
    error.headers.emplace_back("Retry-After", std::to_string(seconds));
    return error;
}

std::string Rate(double value) {
    std::string text = std::to_string(value);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') {
        text.pop_back();
    }
    return text;
}

net::AllowedNetworks ExemptNetworks(const std::string& list) {
    auto parsed = net::AllowedNetworks::Parse(list);
    return parsed ? std::move(*parsed) : net::AllowedNetworks{};
}

}  // namespace

RateLimits::RateLimits(const RateLimitSettings& settings)
    : settings_(settings),
      exempt_(ExemptNetworks(settings.exempt_networks)),
      requests_({settings.requests_per_second, settings.request_burst}, settings.max_addresses),
      auth_failures_({settings.auth_failures_per_minute / 60.0, settings.auth_failure_burst},
                     settings.max_addresses) {}

std::optional<boost::asio::ip::address> RateLimits::LimitedPeer(
    const http::Request& request) const {
    const auto& peer = request.remote_ip;
    if (!peer || (!exempt_.AllowsAll() && exempt_.Allows(*peer))) {
        return std::nullopt;
    }
    return peer;
}

std::optional<ApiError> RateLimits::CheckRequest(const http::Request& request,
                                                 Clock::time_point now) {
    const auto peer = LimitedPeer(request);
    if (!peer) {
        return std::nullopt;
    }
    if (const auto wait = requests_.Take(*peer, now)) {
        return TooMany("Too many requests from " + net::AddressBuckets::KeyOf(*peer) +
                           ": at most " + Rate(settings_.requests_per_second) +
                           " per second (burst " + Rate(settings_.request_burst) + ")",
                       *wait);
    }
    return std::nullopt;
}

std::optional<ApiError> RateLimits::CheckAuthentication(const http::Request& request,
                                                        Clock::time_point now) {
    const auto peer = LimitedPeer(request);
    if (!peer) {
        return std::nullopt;
    }
    if (const auto wait = auth_failures_.Exhausted(*peer, now)) {
        return TooMany("Too many failed authentications from " + net::AddressBuckets::KeyOf(*peer) +
                           ": at most " + Rate(settings_.auth_failures_per_minute) +
                           " per minute (burst " + Rate(settings_.auth_failure_burst) + ")",
                       *wait);
    }
    return std::nullopt;
}

void RateLimits::AuthenticationFailed(const http::Request& request, Clock::time_point now) {
    if (const auto peer = LimitedPeer(request)) {
        (void)auth_failures_.Take(*peer, now);
    }
}

}  // namespace waka::coordinator::api
