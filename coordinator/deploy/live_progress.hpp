#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "coordinator/ports/agent_events.hpp"

// The agents' latest progress reports on the deployments they run, held in memory by the
// coordinator their agent is connected to (GET /deployments/{id} answers it as progress). Bounded
// by the deployments running on this coordinator's agents: one entry per op, dropped on its result.
namespace waka::coordinator::deploy {

struct LiveProgress {
    std::string step;
    std::string component;
    std::uint64_t bytes_done = 0;
    std::uint64_t bytes_total = 0;
};

class ProgressBoard {
public:
    // Keeps the report as the latest; true when it names another step or component than the
    // previous one (the event history keeps one entry per step and component). Thread-safe.
    bool Record(const ports::AgentProgress& progress);
    void Forget(const std::string& op_id);
    [[nodiscard]] std::optional<LiveProgress> Latest(const std::string& op_id) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, LiveProgress> latest_;  // op_id -> latest report
};

}  // namespace waka::coordinator::deploy
