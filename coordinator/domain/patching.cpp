#include "coordinator/domain/patching.hpp"

#include "shared/semver/range.hpp"
#include "shared/semver/version.hpp"

namespace waka::coordinator::domain {
namespace {

// The version the manifest gives the patch's component, or "".
std::string VersionIn(const Manifest& m, const SecurityPatch& patch) {
    const std::map<std::string, std::string>* named = nullptr;
    if (patch.component_type == "platform") {
        return patch.component_name == m.platform_name ? m.platform_version : "";
    }
    named = patch.component_type == "suite" ? &m.suites : &m.capabilities;
    auto found = named->find(patch.component_name);
    return found == named->end() ? "" : found->second;
}

bool AtLeast(const std::string& version, const std::string& floor) {
    auto a = semver::ParseVersion(version);
    auto b = semver::ParseVersion(floor);
    return a && b && semver::Compare(*a, *b) >= 0;
}

}  // namespace

PatchCheck CheckPatch(const SecurityPatch& patch, const Manifest& current) {
    const std::string component = patch.component_type + ":" + patch.component_name;
    PatchCheck check;
    check.installed_version = VersionIn(current, patch);
    if (check.installed_version.empty()) {
        check.detail = "manifest " + current.id + " does not include " + component;
        return check;
    }
    auto inside = semver::Satisfies(check.installed_version, patch.affected_versions);
    const std::string at =
        component + " " + check.installed_version + " (manifest " + current.id + ")";
    if (inside && *inside) {
        check.fit = PatchFit::kAffected;
        check.detail = at + " is inside the affected range '" + patch.affected_versions + "'";
    } else if (AtLeast(check.installed_version, patch.patched_version)) {
        check.fit = PatchFit::kAlreadyPatched;
        check.detail = at + " already includes the fix of " + patch.id + " (patched in " +
                       patch.patched_version + ")";
    } else {
        check.fit = PatchFit::kNotAffected;
        check.detail = at + " is outside the affected range '" + patch.affected_versions + "'";
    }
    return check;
}

Manifest PatchedManifest(const Manifest& current, const SecurityPatch& patch, std::string id,
                         const std::string& instance_id) {
    Manifest patched = current;
    patched.id = std::move(id);
    patched.instance_id = instance_id;
    patched.content_hash.clear();
    if (patch.component_type == "platform") {
        patched.platform_version = patch.patched_version;
    } else if (patch.component_type == "suite") {
        patched.suites[patch.component_name] = patch.patched_version;
    } else {
        patched.capabilities[patch.component_name] = patch.patched_version;
    }
    return patched;
}

PatchState StateOf(const SecurityPatch& patch, const Manifest& current,
                   const std::vector<PatchDeployment>& links) {
    switch (CheckPatch(patch, current).fit) {
        case PatchFit::kAlreadyPatched:
            return PatchState::kApplied;
        case PatchFit::kNotInstalled:
        case PatchFit::kNotAffected:
            return PatchState::kNotAffected;
        case PatchFit::kAffected:
            break;
    }
    for (const auto& link : links) {
        if (!IsTerminal(link.status)) {
            return PatchState::kPending;
        }
    }
    if (!links.empty() && (links.front().status == DeploymentStatus::kFailed ||
                           links.front().status == DeploymentStatus::kRolledBack)) {
        return PatchState::kFailed;
    }
    return PatchState::kAvailable;
}

std::string_view ToString(PatchState state) {
    switch (state) {
        case PatchState::kNotAffected:
            return "not_affected";
        case PatchState::kApplied:
            return "applied";
        case PatchState::kPending:
            return "pending";
        case PatchState::kFailed:
            return "failed";
        case PatchState::kAvailable:
            break;
    }
    return "available";
}

}  // namespace waka::coordinator::domain
