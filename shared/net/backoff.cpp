#include "shared/net/backoff.hpp"

#include <algorithm>
#include <limits>

namespace waka::net {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 std::uint64_t seed)
    : initial_(std::max<std::chrono::milliseconds::rep>(initial.count(), 0)),
      max_(std::max<std::chrono::milliseconds::rep>(max.count(), 0)),
      rng_(seed) {}

std::chrono::milliseconds Backoff::Ceiling() const {
    using Rep = std::chrono::milliseconds::rep;
    // Shifting by the bit width or more is undefined; far before that the cap has been reached.
    constexpr unsigned kMaxShift = std::numeric_limits<Rep>::digits - 1;
    if (initial_ == 0) {
        return std::chrono::milliseconds(0);
    }
    if (attempt_ >= kMaxShift || initial_ > (max_ >> attempt_)) {
        return std::chrono::milliseconds(max_);
    }
    return std::chrono::milliseconds(std::min<Rep>(initial_ << attempt_, max_));
}

std::chrono::milliseconds Backoff::Next() {
    const auto ceiling = Ceiling().count();
    std::uniform_int_distribution<std::chrono::milliseconds::rep> draw(0, ceiling);
    const auto delay = std::chrono::milliseconds(draw(rng_));
    if (attempt_ < std::numeric_limits<unsigned>::max()) {
        ++attempt_;
    }
    return delay;
}

std::uint64_t Backoff::RandomSeed() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace waka::net
