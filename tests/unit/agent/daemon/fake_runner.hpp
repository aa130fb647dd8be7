#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/daemon/runner.hpp"

namespace waka::agent::daemon::testing {

// An installer that touches no disk: Execute reports the configured progress events, waits while
// the runner is held, then answers `outcome` (or throws when `throw_message` is set) and remembers
// the result, which StoredResult then answers as the journal would. Thread-safe: Execute runs on
// the Agent's worker thread, everything else on the test's thread.
class FakeRunner final : public OperationRunner {
public:
    model::OperationResult Execute(
        const model::Operation& op,
        const std::function<void(const model::ProgressEvent&)>& progress) override {
        std::vector<model::ProgressEvent> events;
        {
            std::unique_lock lock(mutex_);
            executed_.push_back(op.op_id);
            released_.wait(lock, [this] { return !held_; });
            events = progress_;
        }
        for (model::ProgressEvent event : events) {
            event.op_id = op.op_id;
            progress(event);
        }
        std::lock_guard lock(mutex_);
        if (!throw_message_.empty()) {
            throw std::runtime_error(throw_message_);
        }
        model::OperationResult result{op.op_id, outcome_, "", inventory_};
        stored_[op.op_id] = result;
        return result;
    }

    [[nodiscard]] std::optional<model::OperationResult> StoredResult(
        const std::string& op_id) const override {
        std::lock_guard lock(mutex_);
        auto it = stored_.find(op_id);
        return it == stored_.end() ? std::nullopt : std::optional(it->second);
    }

    [[nodiscard]] std::vector<model::InstalledComponent> Inventory() const override {
        std::lock_guard lock(mutex_);
        return inventory_;
    }

    // Execute blocks from now until Release().
    void Hold() {
        std::lock_guard lock(mutex_);
        held_ = true;
    }
    void Release() {
        {
            std::lock_guard lock(mutex_);
            held_ = false;
        }
        released_.notify_all();
    }
    void SetProgress(std::vector<model::ProgressEvent> events) {
        std::lock_guard lock(mutex_);
        progress_ = std::move(events);
    }
    void SetThrow(std::string message) {
        std::lock_guard lock(mutex_);
        throw_message_ = std::move(message);
    }
    // The op ids Execute was called with, in order.
    [[nodiscard]] std::vector<std::string> Executed() const {
        std::lock_guard lock(mutex_);
        return executed_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable released_;
    bool held_ = false;
    model::Outcome outcome_ = model::Outcome::kSucceeded;
    std::vector<model::InstalledComponent> inventory_{{"suite", "commerce", "1.0.0"}};
    std::vector<model::ProgressEvent> progress_;
    std::string throw_message_;
    std::vector<std::string> executed_;
    std::map<std::string, model::OperationResult> stored_;
};

}  // namespace waka::agent::daemon::testing
