#pragma once

#include <chrono>
#include <cstdint>
#include <random>

// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
// the n-th delay (n from 0) is drawn uniformly from [0, min(max, initial * 2^n)]. Spreading retries
// over the whole interval is what keeps 10,000 agents from reconnecting in lock-step after an
// outage.
//
// Typical use in a reconnect loop:
//     waka::net::Backoff backoff(1s, 60s, waka::net::Backoff::RandomSeed());
//     while (!connected) { co_await Sleep(backoff.Next()); ... }  backoff.Reset() once connected.
//
// Not thread-safe: one instance per loop (strand). Deterministic for a given seed with the same
// standard library, so tests can pin the sequence.
namespace waka::net {

class Backoff {
public:
    // Negative durations count as zero; a `max` below `initial` caps every delay at `max`.
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);

    // A delay in [0, Ceiling()], then the attempt count goes up (it saturates, never wraps).
    [[nodiscard]] std::chrono::milliseconds Next();
    // Upper bound of the next draw: min(max, initial * 2^Attempt()), computed without overflow.
    [[nodiscard]] std::chrono::milliseconds Ceiling() const;
    // Back to attempt 0 (call after a success). The random sequence continues; it does not restart.
    void Reset() { attempt_ = 0; }
    [[nodiscard]] unsigned Attempt() const { return attempt_; }

    // A seed from std::random_device, for production instances.
    [[nodiscard]] static std::uint64_t RandomSeed();

private:
    std::chrono::milliseconds::rep initial_;
    std::chrono::milliseconds::rep max_;
    unsigned attempt_ = 0;
    std::mt19937_64 rng_;
};

}  // namespace waka::net
