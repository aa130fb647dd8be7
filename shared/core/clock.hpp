#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace waka {

using TimePoint = std::chrono::system_clock::time_point;

// Wall-clock source, injected so that rules depending on time (windows, expiry) are testable.
class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// The system clock shifted by an adjustable offset: it keeps running, so ordering by time still
// works, and tests jump it (Set/Advance) to put "now" inside or outside a maintenance window.
// Offset zero is the system clock. Also the coordinator's test-only testing.clock_offset_seconds.
// Thread-safe.
class OffsetClock final : public Clock {
public:
    using Duration = std::chrono::system_clock::duration;
    explicit OffsetClock(Duration offset = Duration::zero()) : offset_(offset.count()) {}
    [[nodiscard]] TimePoint Now() const override {
        return std::chrono::system_clock::now() + Duration(offset_.load());
    }
    void SetOffset(Duration offset) { offset_.store(offset.count()); }
    void Advance(Duration d) { offset_.fetch_add(d.count()); }
    // From this instant on, Now() runs from `t`.
    void Set(TimePoint t) { SetOffset(t - std::chrono::system_clock::now()); }

private:
    std::atomic<Duration::rep> offset_;
};

// A clock tests move by hand. Thread-safe.
class FakeClock final : public Clock {
public:
    explicit FakeClock(TimePoint start) : now_(start) {}
    [[nodiscard]] TimePoint Now() const override {
        std::lock_guard lock(mutex_);
        return now_;
    }
    void Set(TimePoint t) {
        std::lock_guard lock(mutex_);
        now_ = t;
    }
    void Advance(std::chrono::system_clock::duration d) {
        std::lock_guard lock(mutex_);
        now_ += d;
    }

private:
    mutable std::mutex mutex_;
    TimePoint now_;
};

// RFC 3339 in UTC with a Z and millisecond precision: "2026-11-26T14:58:33.123Z".
[[nodiscard]] std::string FormatRfc3339(TimePoint t);
// Accepts RFC 3339 with Z or a numeric offset, with or without fractional seconds.
[[nodiscard]] std::optional<TimePoint> ParseRfc3339(std::string_view text);

}  // namespace waka
