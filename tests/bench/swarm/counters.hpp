#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

// What every simulated agent adds to, from its own io thread; the swarm's main thread reads it.
namespace waka::bench::swarm {

struct SwarmCounters {
    std::atomic<std::uint64_t> established{0};        // sessions open now
    std::atomic<std::uint64_t> ever_established{0};   // agents welcomed at least once
    std::atomic<std::uint64_t> enrolled{0};           // Welcomes that carried a new credential
    std::atomic<std::uint64_t> storm_reconnected{0};  // agents back since the current storm began
    std::atomic<std::uint64_t> failed_attempts{0};    // connection attempts without a Welcome
    std::atomic<std::uint64_t> sessions_lost{0};      // sessions that ended other than by a storm
    std::atomic<std::uint64_t> instructions{0};
    std::atomic<std::uint64_t> cancels{0};
    std::atomic<std::uint64_t> results_succeeded{0};
    std::atomic<std::uint64_t> results_failed{0};
    std::atomic<std::uint64_t> sends_refused{0};  // the link had no session or a full queue

    // Wall-clock arrival of every instruction (Unix milliseconds), for fan-out figures.
    std::mutex arrivals_mutex;
    std::vector<std::int64_t> arrivals_unix_ms;
    std::atomic<std::int64_t> last_arrival_steady_ms{0};

    void RecordArrival() {
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        const auto steady = std::chrono::steady_clock::now().time_since_epoch();
        {
            std::lock_guard lock(arrivals_mutex);
            arrivals_unix_ms.push_back(
                std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
        }
        last_arrival_steady_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(steady).count();
        ++instructions;
    }
};

}  // namespace waka::bench::swarm
