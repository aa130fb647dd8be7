#pragma once

#include <string>
#include <vector>

#include "coordinator/store/deployment_store.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::deploy {

// Turns a manifest into the ordered component changes for one instance: platform, then suites, then
// capabilities (by name), then deactivations of installed components the manifest no longer names.
// Components already at the wanted version are left out. Every wanted release must be registered
// and have an artifact; otherwise kInvalidArgument naming each missing one.
[[nodiscard]] Expected<std::vector<store::PlannedChange>> PlanChanges(
    const store::Manifest& manifest, const std::vector<store::InstalledComponent>& inventory,
    const std::map<std::string, store::Release>& releases);

}  // namespace waka::coordinator::deploy
