#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/bench/swarm/simulated_agent.hpp"

namespace waka::bench::swarm {

struct SwarmOptions {
    std::string url;  // wss://127.0.0.1:PORT/agent/v1/connect
    std::filesystem::path ca_file;
    std::string server_name;  // empty: the URL's host
    std::filesystem::path credentials_file;
    std::filesystem::path credentials_out;  // empty: credentials_file
    std::size_t agents = 0;                 // 0: one per credentials line
    unsigned threads = 1;
    unsigned source_count = 0;  // 0: the system's source address; else 127.0.0.2 onwards
    std::chrono::milliseconds connect_jitter{1000};
    std::chrono::milliseconds storm_jitter{5000};
    std::chrono::milliseconds reconnect_initial{1000};
    std::chrono::milliseconds wave_idle{2000};
    std::size_t wave_size = 0;  // 0: one instruction per agent
    std::chrono::seconds max_run{3600};
    AgentBehaviour behaviour;
};

// Runs the swarm until SIGINT or SIGTERM (or max_run): connects every agent with a random delay
// within connect_jitter, and prints one JSON line per event on stdout:
//   {"event":"connected", ...}     every agent welcomed once (seconds since start, failures)
//   {"event":"instructions", ...}  a wave of instructions arrived (wave_size of them, or fewer
//                                  followed by wave_idle of silence): first and last arrival
//   {"event":"storm", ...}         after SIGUSR1 every session was closed and reconnected with a
//                                  random delay within storm_jitter: seconds until all were back
//   {"event":"stopped", ...}       the totals
// Answers the exit code: 0, or 1 when the options or the credentials are unusable.
int RunSwarm(const SwarmOptions& options);

}  // namespace waka::bench::swarm
