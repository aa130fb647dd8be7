#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/domain/model.hpp"

// The rules of applying a security patch to one instance (docs/patches-and-rollback.md, ADR 0011).
// Pure: the caller reads the patch and the instance's current manifest.
namespace waka::coordinator::domain {

enum class PatchFit {
    kAffected,        // the manifest names the component at a version inside affected_versions
    kNotInstalled,    // the manifest does not name the component
    kNotAffected,     // named, outside the range, older than the patched version
    kAlreadyPatched,  // named at the patched version or newer, outside the range
    kWouldDowngrade,  // inside the range but above the patched version: a patch never moves down
};

struct PatchCheck {
    PatchFit fit = PatchFit::kNotInstalled;
    std::string installed_version;  // in the manifest; empty when not installed
    std::string detail;             // a sentence for people
};

[[nodiscard]] PatchCheck CheckPatch(const SecurityPatch& patch, const Manifest& current);

// Why applying the patch would move the component down from the version the instance's agent
// reports (a sentence), or nothing. The current manifest is what the coordinator recorded; the
// agent's report is what runs, and a patch must not go below either.
[[nodiscard]] std::optional<std::string> CheckReportedNotAbove(
    const SecurityPatch& patch, const std::vector<InstalledComponent>& inventory);

// The instance's current manifest with the patched component moved to the patched version: a new,
// immutable manifest scoped to the instance (`id` chosen by the caller).
[[nodiscard]] Manifest PatchedManifest(const Manifest& current, const SecurityPatch& patch,
                                       std::string id, const std::string& instance_id);

// Where an instance stands with one patch (status and compliance reports).
enum class PatchState {
    kNotAffected,  // component absent, or outside the range below the patched version
    kApplied,      // at the patched version or newer
    kPending,      // affected, a patch deployment is open (queued, scheduled, awaiting, deploying)
    kFailed,       // affected, the latest patch deployment failed or was rolled back by the agent
    kAvailable,    // affected, nothing under way
    kConflict,     // affected, but above the patched version: the patch would downgrade it
};

// `links`: this patch's deployments on this instance, newest first.
[[nodiscard]] PatchState StateOf(const SecurityPatch& patch, const Manifest& current,
                                 const std::vector<PatchDeployment>& links);
[[nodiscard]] std::string_view ToString(PatchState state);

}  // namespace waka::coordinator::domain
