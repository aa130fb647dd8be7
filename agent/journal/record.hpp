#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"

// The durable record of one agent operation and its JSON form. Plain values; no I/O here.
namespace waka::agent::journal {

// Where one component of an operation stands. Written BEFORE the side effect it names where that
// side effect is not idempotent to redo (kSwitching, kDeactivating), after it otherwise.
enum class Phase {
    kPending,           // nothing done for this component yet
    kDownloaded,        // artifact downloaded and verified
    kUnpacked,          // version directory complete
    kSwitching,         // about to run pre-activate and switch `current`: may have happened
    kSwitched,          // `current` points at the new version
    kPostActivated,     // post-activate hook succeeded
    kDeactivating,      // about to run pre-deactivate and remove `current`: may have happened
    kDeactivated,       // `current` removed
    kRollbackSwitched,  // `current` restored to the previous version (or removed when new)
    kUnchanged,         // already at the requested version: nothing to do
};

[[nodiscard]] std::string_view PhaseName(Phase phase);
[[nodiscard]] std::optional<Phase> ParsePhase(std::string_view name);
// True once a phase may have changed what is current on disk (rollback/recovery must restore it).
[[nodiscard]] bool MayHaveChangedCurrent(Phase phase);

struct ComponentRecord {
    model::ComponentChange change;
    // What `current` pointed at on disk when the operation started (empty: no link). Rollback
    // restores this, not the coordinator's from_version, which may be stale.
    std::string previous_version;
    Phase phase = Phase::kPending;
};

// The record format this build writes. Version 1 (files without "schema_version") is the original
// one; version 2 adds "schema_version" and "recovery_attempts". Files of a newer version are
// refused, never guessed at.
inline constexpr int kSchemaVersion = 2;

struct OperationRecord {
    std::string op_id;
    std::string kind;
    std::string configuration_json;
    std::vector<ComponentRecord> components;       // in execution order
    std::optional<model::OperationResult> result;  // set once finished
    std::int64_t finished_at_ms = 0;               // unix ms, for pruning newest-first
    // Recoveries started for this unfinished operation. Each one journals its increment before it
    // touches anything, so a recovery that kills the agent is counted too (0 for version 1).
    int recovery_attempts = 0;
    int schema_version = kSchemaVersion;  // as read; SerializeRecord always writes kSchemaVersion

    [[nodiscard]] bool Finished() const { return result.has_value(); }
};

// Always in the kSchemaVersion format.
[[nodiscard]] std::string SerializeRecord(const OperationRecord& record);
// Reads versions 1 to kSchemaVersion. kInvalidArgument when the text is not JSON, misses required
// fields, or comes from a newer agent (a schema_version above kSchemaVersion, named in the
// message).
[[nodiscard]] Expected<OperationRecord> ParseRecord(std::string_view text);

}  // namespace waka::agent::journal
