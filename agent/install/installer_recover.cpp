// Completing operations a crash interrupted, from their journal records. Each recovery attempt is
// counted in the journal before it touches anything; after max_recovery_attempts the operation is
// reported failed instead of recovered once more (ADR 0015), so a hook that kills the agent during
// recovery cannot make it restart for ever.
#include <string>
#include <system_error>

#include "agent/install/installer.hpp"
#include "agent/install/installer_run.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::install {
namespace fs = std::filesystem;
using journal::ComponentRecord;
using journal::Phase;

std::optional<model::OperationResult> Installer::Recover() {
    if (auto ready = EnsureReady(); !ready) {
        log::Error("recovery impossible error={}", ready.error().message);
        return std::nullopt;
    }
    std::optional<model::OperationResult> last;
    for (journal::OperationRecord& record : journal_->ListUnfinished()) {
        log::Warn("completing interrupted operation op_id={} recovery_attempts={}", record.op_id,
                  record.recovery_attempts);
        last = CompleteInterrupted(std::move(record), nullptr);
    }
    return last;
}

model::OperationResult Installer::CompleteInterrupted(journal::OperationRecord record,
                                                      const Progress& progress) {
    fs::path config_file = layout_.ConfigFile(record.op_id);
    Run run{std::move(record), progress, std::move(config_file), false};
    const Error cause = InterruptionCause(run);
    const int attempts = run.record.recovery_attempts;
    if (attempts >= options_.max_recovery_attempts) {
        log::Error("recovery abandoned op_id={} recovery_attempts={}", run.record.op_id, attempts);
        return Finish(
            run, model::Outcome::kFailed,
            "recovery abandoned after " + std::to_string(attempts) + " attempts: " + cause.message);
    }
    ++run.record.recovery_attempts;
    if (auto counted = Persist(run); !counted) {
        // An uncounted recovery that crashes would be retried for ever: run none. The record stays
        // unfinished, so the next start-up tries again.
        log::Error("recovery not attempted op_id={} error={}", run.record.op_id,
                   counted.error().message);
        return model::OperationResult{
            run.record.op_id, model::Outcome::kFailed,
            cause.message + "; recovery not attempted: " + counted.error().message, Inventory()};
    }
    RemoveStagingLeftovers();
    if (auto written = WriteConfig(run); !written) {
        log::Warn("hooks of the recovery run without configuration error={}",
                  written.error().message);
    }
    // Restoring runs even when nothing was switched: a `switching` phase whose switch never
    // happened restores as a no-op.
    return RollBack(run, cause, run.switched_any);
}

// Reads from the journal (and what is current on disk) how far the run had come; sets
// run.switched_any.
Error Installer::InterruptionCause(Run& run) const {
    const ComponentRecord* last_touched = nullptr;
    for (const ComponentRecord& c : run.record.components) {
        if (journal::MayHaveChangedCurrent(c.phase)) {
            last_touched = &c;
            run.switched_any = run.switched_any || CurrentDiffers(c) ||
                               (c.phase != Phase::kSwitching && c.phase != Phase::kDeactivating);
        }
    }
    if (!run.switched_any) {
        return MakeError(Errc::kIo, "interrupted before any change");
    }
    return MakeError(Errc::kIo, "interrupted by an agent restart during " +
                                    std::string(journal::PhaseName(last_touched->phase)) + " of " +
                                    last_touched->change.Key());
}

// A crash during unpacking leaves `<version>.staging-*` directories, one during a switch a
// `.current.tmp-*` link; nothing else ever uses them.
void Installer::RemoveStagingLeftovers() const {
    std::error_code ec;
    for (fs::directory_iterator component(layout_.ComponentsDir(), ec), end;
         !ec && component != end; component.increment(ec)) {
        std::error_code inner;
        for (fs::directory_iterator it(component->path(), inner); !inner && it != end;
             it.increment(inner)) {
            const std::string name = it->path().filename().string();
            if (name.find(".staging-") != std::string::npos || name.starts_with(".current.tmp-")) {
                std::error_code removed;
                fs::remove_all(it->path(), removed);
                log::Info("removed staging leftover path={}", it->path().string());
            }
        }
    }
}

bool Installer::CurrentDiffers(const ComponentRecord& c) const {
    auto current = ReadCurrent(layout_.ComponentDir(c.change.type, c.change.name));
    if (!current) {
        return true;
    }
    return current->value_or("") != c.previous_version;
}

}  // namespace waka::agent::install
