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

// Compare(version, other), or nothing when either does not parse.
std::optional<int> Order(const std::string& version, const std::string& other) {
    auto a = semver::ParseVersion(version);
    auto b = semver::ParseVersion(other);
    if (!a || !b) {
        return std::nullopt;
    }
    return semver::Compare(*a, *b);
}

bool AtLeast(const std::string& version, const std::string& floor) {
    auto order = Order(version, floor);
    return order && *order >= 0;
}

bool Above(const std::string& version, const std::string& ceiling) {
    auto order = Order(version, ceiling);
    return order && *order > 0;
}

std::string Downgrade(const SecurityPatch& patch, const std::string& from) {
    return "applying " + patch.id + " would move " + patch.component_type + ":" +
           patch.component_name + " down from " + from + " to " + patch.patched_version +
           "; a patch never downgrades (deploy or roll back explicitly instead)";
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
    if (inside && *inside && Above(check.installed_version, patch.patched_version)) {
        check.fit = PatchFit::kWouldDowngrade;
        check.detail = at + " is inside the affected range '" + patch.affected_versions +
                       "', but " + Downgrade(patch, check.installed_version);
    } else if (inside && *inside) {
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

std::optional<std::string> CheckReportedNotAbove(const SecurityPatch& patch,
                                                 const std::vector<InstalledComponent>& inventory) {
    for (const auto& installed : inventory) {
        if (installed.type == patch.component_type && installed.name == patch.component_name &&
            Above(installed.version, patch.patched_version)) {
            return "the agent reports " + installed.version + ": " +
                   Downgrade(patch, installed.version);
        }
    }
    return std::nullopt;
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
        case PatchFit::kWouldDowngrade:
            return PatchState::kConflict;
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
        case PatchState::kConflict:
            return "conflict";
        case PatchState::kAvailable:
            break;
    }
    return "available";
}

}  // namespace waka::coordinator::domain
