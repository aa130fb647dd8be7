#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

// Auto-update planning (docs/design.md §4.1 "auto-update (new compatible release)"): pure functions
// over an instance's current manifest and the release catalog; the scheduler stores the result.
namespace waka::coordinator::domain {

// Releases keyed "<type>:<name>" -> version -> release.
using Catalog = std::map<std::string, std::map<std::string, Release>>;

// The deployable part of `releases`: stable, not a pre-release, with an artifact.
[[nodiscard]] Catalog DeployableCatalog(const std::vector<Release>& releases);

// Whether every dependency range of every component of `manifest` is satisfied by the version the
// manifest has of the named component (a dependency on a component the manifest lacks is not).
// A component whose release is not in `catalog` contributes no ranges. The error (kConflict) names
// the first unmet range: "suite:commerce 1.6.0 needs platform:webwaka-platform >=2.1.0 <3.0.0,
// the manifest has 2.0.3". The one place auto-update decides compatibility, so the resolver
// (docs/design.md §4.2) can take over here without touching the scheduler.
[[nodiscard]] Expected<void> CheckCompatible(const Manifest& manifest, const Catalog& catalog);

struct AutoUpdatePlan {
    Manifest target;                   // current with the moved components; id and hash unset
    std::vector<std::string> changes;  // "suite:commerce 1.5.0 -> 1.6.0"
};

// Moves each component of `current` (platform, then suites, then capabilities) to its newest
// deployable release newer than the current version with which the manifest stays compatible,
// leaving out the versions quarantined on the instance (docs/design.md §4.1: a rolled-back version
// is not re-applied; proposing it would get the whole update refused, the other components with
// it). nullopt when nothing moves.
[[nodiscard]] std::optional<AutoUpdatePlan> PlanAutoUpdate(const Manifest& current,
                                                           const Catalog& catalog,
                                                           const Quarantined& quarantined);

// A stable "<prefix>-<uuid>" for `key` (UUID version 5): the same auto-update always gets the
// same deployment and manifest ids, which makes creating it twice impossible.
[[nodiscard]] std::string StableId(const std::string& prefix, const std::string& key);

}  // namespace waka::coordinator::domain
