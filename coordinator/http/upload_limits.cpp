#include "coordinator/http/upload_limits.hpp"

#include <algorithm>
#include <utility>

namespace waka::coordinator::http {
namespace {

constexpr std::string_view kRetryAfterSeconds = "30";

}  // namespace

UploadPace::UploadPace(Clock::time_point started, unsigned timeout_seconds,
                       std::uint64_t min_bytes_per_second, unsigned grace_seconds)
    : started_(started),
      timeout_(timeout_seconds),
      min_rate_(min_bytes_per_second),
      grace_(grace_seconds) {}

UploadPace::Clock::time_point UploadPace::CutOff(std::uint64_t bytes) const {
    Clock::time_point cut_off = Clock::time_point::max();
    if (timeout_.count() > 0) {
        cut_off = started_ + timeout_;
    }
    if (min_rate_ > 0) {
        // The average stays at or above the minimum while elapsed <= bytes / rate.
        const auto earned =
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                static_cast<double>(bytes) / static_cast<double>(min_rate_)));
        cut_off = std::min(cut_off, started_ + std::max<Clock::duration>(grace_, earned));
    }
    return cut_off;
}

UploadPace::Verdict UploadPace::Check(std::uint64_t bytes, Clock::time_point now) const {
    if (timeout_.count() > 0 && now >= started_ + timeout_) {
        return Verdict::kTooLong;
    }
    if (now >= CutOff(bytes)) {
        return Verdict::kTooSlow;
    }
    return Verdict::kOk;
}

std::string_view VerdictName(UploadPace::Verdict verdict) {
    switch (verdict) {
        case UploadPace::Verdict::kOk:
            return "ok";
        case UploadPace::Verdict::kTooLong:
            return "upload_timeout";
        case UploadPace::Verdict::kTooSlow:
            return "below_min_rate";
    }
    return "unknown";
}

UploadSlots::Slot& UploadSlots::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        Release();
        active_ = std::exchange(other.active_, nullptr);
    }
    return *this;
}

void UploadSlots::Slot::Release() noexcept {
    if (active_ != nullptr) {
        active_->fetch_sub(1);
        active_ = nullptr;
    }
}

std::optional<UploadSlots::Slot> UploadSlots::TryAcquire() {
    std::size_t active = active_.load();
    do {
        if (max_ != 0 && active >= max_) {
            return std::nullopt;
        }
    } while (!active_.compare_exchange_weak(active, active + 1));
    return Slot(active_);
}

Response UploadsBusyResponse() {
    Response response =
        JsonError(503, "too many uploads are in progress; retry later", "unavailable");
    response.headers.emplace_back("Retry-After", std::string(kRetryAfterSeconds));
    return response;
}

}  // namespace waka::coordinator::http
