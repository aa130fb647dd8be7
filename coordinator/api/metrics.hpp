#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

// Prometheus text exposition format 0.0.4, written by hand: the HTTP request counters and latency
// histograms of the API. GET /metrics (metrics.cpp) adds the gauges computed at scrape time.
namespace waka::coordinator::api {

inline constexpr std::array<double, 11> kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5,   1.0,  2.5,   5.0,  10.0};

// Thread-safe. Labels are bounded: the route is the registered template ("/api/v1/versions/{type}/
// {name}/{version}") or "unmatched", never a raw path.
class HttpMetrics {
public:
    void Observe(std::string_view method, std::string_view route, unsigned status, double seconds);
    // A 401 before any handler ran: "missing_token" or "unknown_or_revoked_token".
    void CountAuthFailure(std::string_view reason);
    // A 429 of the rate limits: "requests" or "auth_failures".
    void CountRateLimited(std::string_view limit);
    // The waka_http_requests_total and waka_http_request_duration_seconds families.
    [[nodiscard]] std::string Render() const;

private:
    void RenderLimits(std::string& out) const;  // with mutex_ held

    struct Histogram {
        std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};  // not cumulative
        std::uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t> requests_;
    std::map<std::pair<std::string, std::string>, Histogram> latency_;
    std::map<std::string, std::uint64_t> auth_failures_;  // by reason
    std::map<std::string, std::uint64_t> rate_limited_;   // by limit
};

// A label value escaped for the text format (backslash, double quote, newline).
[[nodiscard]] std::string EscapeLabel(std::string_view value);

}  // namespace waka::coordinator::api
