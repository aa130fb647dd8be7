#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/install/installer.hpp"
#include "agent/install/operation.hpp"

namespace waka::agent::daemon {

// What the daemon needs of the installer; tests substitute a fake.
class OperationRunner {
public:
    virtual ~OperationRunner() = default;

    // Blocking; called on the daemon's worker thread only, one operation at a time.
    virtual install::OperationResult Execute(
        const install::Operation& op,
        const std::function<void(const install::ProgressEvent&)>& progress) = 0;
    // Thread-safe; called on the io thread while Execute may run.
    [[nodiscard]] virtual std::optional<install::OperationResult> StoredResult(
        const std::string& op_id) const = 0;
    [[nodiscard]] virtual std::vector<install::InstalledComponent> Inventory() const = 0;
};

// The production runner: the journaled installer.
class InstallerRunner final : public OperationRunner {
public:
    explicit InstallerRunner(install::Installer& installer) : installer_(installer) {}

    install::OperationResult Execute(
        const install::Operation& op,
        const std::function<void(const install::ProgressEvent&)>& progress) override {
        return installer_.Execute(op, progress);
    }
    [[nodiscard]] std::optional<install::OperationResult> StoredResult(
        const std::string& op_id) const override {
        return installer_.StoredResult(op_id);
    }
    [[nodiscard]] std::vector<install::InstalledComponent> Inventory() const override {
        return installer_.Inventory();
    }

private:
    install::Installer& installer_;
};

}  // namespace waka::agent::daemon
