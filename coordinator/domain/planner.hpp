#pragma once

#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::domain {

// Turns a manifest into the ordered component changes for one instance: platform, then suites, then
// capabilities (by name), then deactivations of installed components the manifest no longer names.
// Components already at the wanted version are left out. Every wanted release must be registered
// and have an artifact (and, under require_signed_releases, a signed statement, which each change
// carries to the agent); otherwise kInvalidArgument naming each missing one.
struct PlanRules {
    bool require_signed_releases = true;
};
[[nodiscard]] Expected<std::vector<PlannedChange>> PlanChanges(
    const Manifest& manifest, const std::vector<InstalledComponent>& inventory,
    const std::map<std::string, Release>& releases, const PlanRules& rules = {});

}  // namespace waka::coordinator::domain
