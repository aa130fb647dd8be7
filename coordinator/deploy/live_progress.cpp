#include "coordinator/deploy/live_progress.hpp"

namespace waka::coordinator::deploy {

bool ProgressBoard::Record(const ports::AgentProgress& progress) {
    std::lock_guard lock(mutex_);
    auto [entry, first] = latest_.try_emplace(progress.op_id);
    LiveProgress& live = entry->second;
    const bool changed =
        first || live.step != progress.step || live.component != progress.component;
    live = {progress.step, progress.component, progress.bytes_done, progress.bytes_total};
    return changed;
}

void ProgressBoard::Forget(const std::string& op_id) {
    std::lock_guard lock(mutex_);
    latest_.erase(op_id);
}

std::optional<LiveProgress> ProgressBoard::Latest(const std::string& op_id) const {
    std::lock_guard lock(mutex_);
    auto found = latest_.find(op_id);
    if (found == latest_.end()) {
        return std::nullopt;
    }
    return found->second;
}

}  // namespace waka::coordinator::deploy
