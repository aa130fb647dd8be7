#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/install/installer.hpp"
#include "agent/model/operation.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::daemon {

// What the daemon needs of the installer; tests substitute a fake.
class OperationRunner {
public:
    virtual ~OperationRunner() = default;

    // Blocking; called on the daemon's worker thread only, one operation at a time.
    virtual model::OperationResult Execute(
        const model::Operation& op,
        const std::function<void(const model::ProgressEvent&)>& progress) = 0;
    // Thread-safe; called on the io thread while Execute may run.
    [[nodiscard]] virtual std::optional<model::OperationResult> StoredResult(
        const std::string& op_id) const = 0;
    [[nodiscard]] virtual std::vector<model::InstalledComponent> Inventory() const = 0;
    // Thread-safe; the floors of a Welcome (ADR 0022). Errors are the runner's to log.
    virtual void AcceptFloors(const std::vector<model::SignedFloor>& floors) { (void)floors; }
};

// The production runner: the journaled installer.
class InstallerRunner final : public OperationRunner {
public:
    explicit InstallerRunner(install::Installer& installer) : installer_(installer) {}

    model::OperationResult Execute(
        const model::Operation& op,
        const std::function<void(const model::ProgressEvent&)>& progress) override {
        return installer_.Execute(op, progress);
    }
    [[nodiscard]] std::optional<model::OperationResult> StoredResult(
        const std::string& op_id) const override {
        return installer_.StoredResult(op_id);
    }
    [[nodiscard]] std::vector<model::InstalledComponent> Inventory() const override {
        return installer_.Inventory();
    }
    void AcceptFloors(const std::vector<model::SignedFloor>& floors) override {
        if (auto accepted = installer_.AcceptFloors(floors); !accepted) {
            log::Error("floors of the Welcome not kept: {}", accepted.error().message);
        }
    }

private:
    install::Installer& installer_;
};

}  // namespace waka::agent::daemon
