#pragma once

#include <string>
#include <vector>

#include "agent/model/channel.hpp"

namespace waka::agent::daemon::testing {

// The coordinator channel in memory: records every message the Agent hands it, in order, one line
// each ("ack op-1", "progress op-1 download suite:commerce 0/100", "result op-1 failed: why",
// "inventory 2"). Like the link, it refuses (and drops) messages while no session is established.
// Used on the test's io thread only.
class FakeChannel final : public model::AgentChannel {
public:
    [[nodiscard]] bool Established() const override { return established; }

    bool SendAck(const std::string& op_id) override { return Record("ack " + op_id); }
    bool SendProgress(const model::ProgressEvent& p) override {
        return Record("progress " + p.op_id + " " + p.step + " " + p.component + " " +
                      std::to_string(p.bytes_done) + "/" + std::to_string(p.bytes_total));
    }
    bool SendResult(const model::OperationResult& r) override {
        if (!established) {
            return false;
        }
        results.push_back(r);
        return Record("result " + r.op_id + " " + std::string(model::OutcomeName(r.outcome)) +
                      (r.error.empty() ? "" : ": " + r.error));
    }
    bool SendInventory(const std::vector<model::InstalledComponent>& inventory) override {
        return Record("inventory " + std::to_string(inventory.size()));
    }

    // The lines recorded so far that start with `prefix`.
    [[nodiscard]] std::vector<std::string> Lines(const std::string& prefix) const {
        std::vector<std::string> out;
        for (const auto& line : sent) {
            if (line.starts_with(prefix)) {
                out.push_back(line);
            }
        }
        return out;
    }

    bool established = false;
    std::vector<std::string> sent;
    std::vector<model::OperationResult> results;

private:
    bool Record(std::string line) {
        if (!established) {
            return false;
        }
        sent.push_back(std::move(line));
        return true;
    }
};

}  // namespace waka::agent::daemon::testing
