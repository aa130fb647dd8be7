#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

// The rules of a rollback target (docs/design.md §3, §4.1; docs/patches-and-rollback.md). Pure: the
// caller reads the instance's history in one snapshot and decides here.
namespace waka::coordinator::domain {

// The manifest the instance ran before its current one: the newest deployed manifest that is not
// the current one. nullopt when it never ran another.
[[nodiscard]] std::optional<std::string> PreviousManifest(const InstanceHistory& history);

// The manifest a rollback goes to: `requested`, or PreviousManifest when absent. Errors:
// kNotFound for an unknown instance or manifest; kConflict when the instance is decommissioned,
// has no current manifest, the target is the current manifest, or the target never ran on the
// instance (a rollback restores a state that ran before, which is why it skips windows and
// approvals; anything else is a deployment).
[[nodiscard]] Expected<std::string> ChooseRollbackTarget(
    const std::string& instance_id, const InstanceHistory& history,
    const std::optional<std::string>& requested);

// The versions a finished deployment took off the instance, to quarantine there (docs/design.md
// §4.1): a completed rollback's from_versions; a deployment the agent undid (rolled_back) or that
// failed: the to_versions it tried. Otherwise none.
[[nodiscard]] std::vector<InstalledComponent> RemovedVersions(const Deployment& d);
// Why those versions are quarantined: "removed by rollback <id>", or "<status> in deployment <id>"
// with the agent's error.
[[nodiscard]] std::string QuarantineReason(const Deployment& d);

}  // namespace waka::coordinator::domain
