#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "coordinator/ports/deployment_repository.hpp"

// Which manifest each member of a rollout batch gets when it is not one for all (ADR 0038): the
// patch applied to its own current manifest (one patched manifest per distinct current manifest:
// a fleet sharing one manifest gets one new one; instance-owned manifests stay instance-owned),
// or the constraints compiled against its own pins. Pure: no I/O.
namespace waka::coordinator::deploy {

// `links`: the patch's deployments over the fleet; a member with one not finished is refused, as
// ApplyPatch refuses it. `new_id` names each new manifest. Members the patch does not affect
// (already patched, not installed, outside the range, or above the patched version) are refused
// with PatchCheck's sentence, so they show as skipped with it. Errors: none but a manifest whose
// content cannot be hashed (kInvalidArgument).
[[nodiscard]] Expected<ports::FleetTargets> PatchTargets(
    const domain::SecurityPatch& patch, const std::vector<ports::FleetMember>& members,
    const std::vector<domain::PatchDeployment>& links, const std::function<std::string()>& new_id);

// A constraints rollout's batch: `compiled[i]` is members[i]'s manifest (ResolutionService::
// CompileFleet) or why none satisfies the constraints there; the manifests get their content hash
// and are new, the others are refused with the reason (their members are skipped with it).
[[nodiscard]] Expected<ports::FleetTargets> CompiledTargets(
    const std::vector<ports::FleetMember>& members,
    std::vector<Expected<domain::Manifest>> compiled);

// Members whose new manifest has a stored twin (`same`: new id -> stored id, from
// ManifestRepository::FindSameContent) get the stored one, and the twin is not stored again.
void ReuseStored(ports::FleetTargets& targets, const std::map<std::string, std::string>& same);

}  // namespace waka::coordinator::deploy
