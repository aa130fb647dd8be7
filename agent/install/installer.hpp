#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/install/floor_store.hpp"
#include "agent/install/hooks.hpp"
#include "agent/install/layout.hpp"
#include "agent/install/release_check.hpp"
#include "agent/journal/journal.hpp"
#include "agent/model/artifact_fetcher.hpp"
#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"

namespace waka::agent::install {

struct InstallerOptions {
    std::filesystem::path state_dir;  // /var/lib/waka-agent
    std::chrono::seconds hook_timeout{300};
    std::chrono::seconds health_check_timeout{60};
    std::optional<HookIdentity> hook_user;  // hooks run as this user; nullopt: as the agent's
    int keep_versions = 3;  // version directories kept per component, current and previous included
    std::uint64_t max_bundle_bytes = 1ULL << 30;
    std::uint64_t max_unpacked_bytes = 4ULL << 30;
    std::uint64_t max_bundle_entries = 100'000;
    std::size_t keep_journal_records = 100;  // finished records kept for de-duplication
    // Recoveries of one interrupted operation before it is reported failed instead (ADR 0015).
    int max_recovery_attempts = 3;
    // Which publisher keys this host trusts; nothing unsigned by them is installed (ADR 0020).
    release::TrustSettings release_trust;
    // Test-only fault injection; empty in production. Called before every journal write,
    // filesystem change and hook with a short step name ("journal", "switch suite:commerce", ...).
    // Returning an error fails that step as if the disk or hook had; throwing simulates a crash
    // at that point (the exception leaves Execute/Recover untouched).
    std::function<Expected<void>(std::string_view step)> before_step;
};

// Executes agent operations on the local filesystem (docs/design.md §4.3, §6): download and verify
// every artifact, unpack and check every new version, then per component (platform, suites,
// capabilities) pre-activate, switch `current`, post-activate; deactivate components leaving the
// manifest; health-check every changed component; commit. Every phase is journaled before its
// side effect, so a failure or a crash at any point ends with the new versions current
// (kSucceeded) or the previous ones current again (kRolledBack / kFailed), never a mix.
//
// Threading: Execute and Recover are blocking and must not run concurrently with each other (the
// daemon calls them from one worker thread). StoredResult and Inventory only read and may be called
// from any thread at any time.
class Installer {
public:
    // `fetcher` must outlive the installer. Creates the state directories lazily: a disk problem
    // surfaces as a kFailed result of the first operation, not as an exception.
    Installer(InstallerOptions options, model::ArtifactFetcher& fetcher);

    // Runs one operation to its end and answers its result (also journaled). At-least-once
    // delivery: when the journal already holds a finished result for op.op_id, answers it and does
    // nothing else; an unfinished record for it (an interrupted run) is completed like Recover.
    // `progress` (may be empty) is called on this thread for each step.
    model::OperationResult Execute(
        const model::Operation& op,
        const std::function<void(const model::ProgressEvent&)>& progress);

    // Once at start-up, before connecting: completes operations a crash interrupted. Every
    // component that may have been switched is switched back to its previous version (its link
    // removed when it was new, re-created when it was being deactivated), their health checks are
    // re-run, and the result is journaled: kRolledBack, or kFailed "interrupted before any change"
    // when nothing had been switched, or kFailed when restoring failed. Answers the result of the
    // (last) interrupted operation so the daemon can report it, or nullopt.
    // Each recovery first journals one more recovery attempt; an operation whose record already
    // counts max_recovery_attempts is not touched again but finished as kFailed "recovery abandoned
    // after N attempts: <why it was interrupted>". When the attempt cannot be journaled nothing is
    // done and kFailed "...; recovery not attempted: ..." is answered (not journaled: the next
    // start-up tries again).
    std::optional<model::OperationResult> Recover();

    // Verifies and keeps the floors that raise this host's (the Welcome's, ADR 0022).
    // Thread-safe: may run while Execute does.
    Expected<void> AcceptFloors(const std::vector<model::SignedFloor>& floors);
    // The floors this host keeps, by "<type>:<name>".
    [[nodiscard]] Expected<FloorStore::FloorMap> Floors() const { return floors_.Floors(); }

    // The journaled result of a finished operation, if any.
    [[nodiscard]] std::optional<model::OperationResult> StoredResult(
        const std::string& op_id) const;
    // What is current on disk, from components/*/current.
    [[nodiscard]] std::vector<model::InstalledComponent> Inventory() const;

private:
    struct Run;
    using Progress = std::function<void(const model::ProgressEvent&)>;

    [[nodiscard]] Expected<void> EnsureReady();
    [[nodiscard]] Expected<void> Step(std::string_view name) const;
    [[nodiscard]] Expected<void> Persist(Run& run);
    void Report(const Run& run, std::string_view step, const model::ComponentChange* c,
                std::uint64_t done = 0, std::uint64_t total = 0) const;

    // installer.cpp: the operation's frame.
    [[nodiscard]] std::optional<model::OperationResult> Answered(const model::Operation& op);
    [[nodiscard]] Run NewRun(const model::Operation& op, const Progress& progress) const;
    [[nodiscard]] Expected<void> Start(Run& run, const model::Operation& op);
    [[nodiscard]] Expected<void> WriteConfig(const Run& run) const;
    model::OperationResult Finish(Run& run, model::Outcome outcome, std::string error);
    model::OperationResult Commit(Run& run);
    void Prune(const Run& run);
    void PruneComponent(const journal::ComponentRecord& c);
    void RemoveVersion(const std::filesystem::path& component_dir,
                       const std::string& version) const;

    // installer_prepare.cpp: steps before the first switch.
    [[nodiscard]] Expected<void> Prepare(Run& run);
    [[nodiscard]] Expected<void> VerifyReleases(const Run& run);
    [[nodiscard]] Expected<void> Download(Run& run, journal::ComponentRecord& c);
    [[nodiscard]] Expected<void> Unpack(Run& run, journal::ComponentRecord& c);
    [[nodiscard]] Expected<void> UnpackNew(const model::ComponentChange& c,
                                           const std::filesystem::path& component_dir);
    [[nodiscard]] Expected<void> PlaceVersion(const model::ComponentChange& c,
                                              const std::filesystem::path& staging,
                                              const std::filesystem::path& component_dir);
    [[nodiscard]] Expected<std::filesystem::path> FetchVerified(
        Run& run, const model::ComponentChange& change);

    // installer_apply.cpp: switching, health checks and rollback.
    [[nodiscard]] Expected<void> Apply(Run& run);
    [[nodiscard]] Expected<void> Activate(Run& run, journal::ComponentRecord& c);
    [[nodiscard]] Expected<void> Deactivate(Run& run, journal::ComponentRecord& c);
    [[nodiscard]] Expected<void> HealthCheck(Run& run, const journal::ComponentRecord& c,
                                             const std::string& version,
                                             const std::string& previous);
    [[nodiscard]] Expected<void> RunComponentHook(Run& run, std::string_view hook,
                                                  const journal::ComponentRecord& c,
                                                  const std::string& version,
                                                  const std::string& previous,
                                                  std::chrono::seconds timeout);
    model::OperationResult RollBack(Run& run, const Error& cause, bool switched_any);
    [[nodiscard]] Expected<void> Restore(Run& run, journal::ComponentRecord& c);

    // installer_recover.cpp: completing interrupted operations.
    model::OperationResult CompleteInterrupted(journal::OperationRecord record,
                                               const Progress& progress);
    [[nodiscard]] Error InterruptionCause(Run& run) const;
    [[nodiscard]] bool CurrentDiffers(const journal::ComponentRecord& c) const;
    void RemoveStagingLeftovers() const;

    InstallerOptions options_;
    model::ArtifactFetcher& fetcher_;
    StateLayout layout_;
    FloorStore floors_;
    std::optional<journal::Journal> journal_;
};

}  // namespace waka::agent::install
