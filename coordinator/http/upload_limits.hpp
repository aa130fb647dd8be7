#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "coordinator/http/message.hpp"

// Internal to the HTTP server, Beast-free: the bounds on spooled bodies (uploads) beyond their
// size — how many are read at once, how long one may take and how slowly it may arrive.
namespace waka::coordinator::http {

// When an upload that started at `started` must be cut off. Pure; a value type.
class UploadPace {
public:
    using Clock = std::chrono::steady_clock;
    enum class Verdict { kOk, kTooLong, kTooSlow };

    // timeout_seconds: the whole body (0: no overall deadline). min_bytes_per_second: the lowest
    // average rate since `started`, enforced once grace_seconds have passed (0: no minimum).
    UploadPace(Clock::time_point started, unsigned timeout_seconds,
               std::uint64_t min_bytes_per_second, unsigned grace_seconds);

    // The latest time the next bytes may arrive when `bytes` have arrived so far: past it the
    // average rate is below the minimum or the overall deadline has passed. time_point::max()
    // when neither bound is set.
    [[nodiscard]] Clock::time_point CutOff(std::uint64_t bytes) const;
    // Whether an upload with `bytes` received at `now` may go on, and if not, why.
    [[nodiscard]] Verdict Check(std::uint64_t bytes, Clock::time_point now) const;

private:
    Clock::time_point started_;
    std::chrono::seconds timeout_;
    std::uint64_t min_rate_;
    std::chrono::seconds grace_;
};

[[nodiscard]] std::string_view VerdictName(UploadPace::Verdict verdict);

// Counts the spooled uploads in progress against a cap. Thread-safe; outlives its slots.
class UploadSlots {
public:
    // Held for as long as an upload is read and handled; releases its place when destroyed.
    class Slot {
    public:
        explicit Slot(std::atomic<std::size_t>& active) : active_(&active) {}
        Slot(Slot&& other) noexcept : active_(std::exchange(other.active_, nullptr)) {}
        Slot& operator=(Slot&& other) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() { Release(); }

    private:
        void Release() noexcept;
        std::atomic<std::size_t>* active_;
    };

    // max: uploads at once (0: no cap).
    explicit UploadSlots(std::size_t max) : max_(max) {}
    UploadSlots(const UploadSlots&) = delete;
    UploadSlots& operator=(const UploadSlots&) = delete;

    // A place, or nullopt when `max` uploads are already in progress.
    [[nodiscard]] std::optional<Slot> TryAcquire();
    [[nodiscard]] std::size_t Active() const { return active_.load(); }

private:
    const std::size_t max_;
    std::atomic<std::size_t> active_{0};
};

// The 503 for an upload over the cap, with Retry-After.
[[nodiscard]] Response UploadsBusyResponse();

}  // namespace waka::coordinator::http
