#pragma once

#include <string>
#include <utility>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

// Anti-rollback floors as rules (ADR 0022): pure, no storage.
namespace waka::coordinator::domain {

// True when `version` lies below the floor's min_version by SemVer precedence.
[[nodiscard]] bool IsBelowFloor(const std::string& version, const Floor& floor);
// True when a floor of min_version `candidate` raises one of `current` (strictly higher).
[[nodiscard]] bool RaisesFloor(const std::string& candidate, const std::string& current);

// kConflict naming every (component key, version) below its component's floor, e.g.
// "suite:commerce 1.4.0 is below the floor 1.5.0 (CVE-2026-1234 fixed in 1.5.0)".
[[nodiscard]] Expected<void> CheckFloors(
    const std::vector<std::pair<std::string, std::string>>& components,
    const std::vector<Floor>& floors);

// The versions a plan installs, as CheckFloors takes them.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> Installed(
    const std::vector<PlannedChange>& plan);

}  // namespace waka::coordinator::domain
