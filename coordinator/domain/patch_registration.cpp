#include "coordinator/domain/patch_registration.hpp"

#include <vector>

#include "coordinator/domain/authority.hpp"
#include "shared/semver/range.hpp"
#include "shared/semver/version.hpp"

namespace waka::coordinator::domain {
namespace {

// The lowest upper bound of one alternative of a range: versions it admits are below `version`
// (strict) or at most `version`.
struct UpperBound {
    semver::Version version;
    bool strict = true;
};

bool IsUpper(semver::Op op) {
    return op == semver::Op::kLess || op == semver::Op::kLessEqual || op == semver::Op::kEqual;
}

// Every comparator of an alternative must hold, so the tightest upper one bounds it; at the same
// version "<" is tighter than "<=" or "=".
std::optional<UpperBound> TightestUpper(const std::vector<semver::Comparator>& alternative) {
    std::optional<UpperBound> best;
    for (const auto& comparator : alternative) {
        if (!IsUpper(comparator.op)) {
            continue;
        }
        const UpperBound candidate{comparator.version, comparator.op == semver::Op::kLess};
        const int order = best ? semver::Compare(candidate.version, best->version) : -1;
        if (order < 0 || (order == 0 && candidate.strict)) {
            best = candidate;
        }
    }
    return best;
}

bool Above(const semver::Version& patched, const UpperBound& bound) {
    const int order = semver::Compare(patched, bound.version);
    return bound.strict ? order >= 0 : order > 0;
}

std::string AlternativeText(const std::vector<semver::Comparator>& alternative) {
    if (alternative.empty()) {
        return "*";
    }
    std::string text;
    for (const auto& comparator : alternative) {
        text += (text.empty() ? "" : " ") + comparator.ToString();
    }
    return text;
}

}  // namespace

Role RoleToRegister(std::string_view severity) {
    return severity == "critical" ? Role::kAdmin : Role::kPublisher;
}

std::optional<std::string> CheckRegistrationRole(std::string_view severity, const Principal& by) {
    const Role needed = RoleToRegister(severity);
    if (Grants(by.role, needed)) {
        return std::nullopt;
    }
    const std::string why = needed == Role::kAdmin
                                ? " (it is forced through frozen and approval channels); "
                                : " (a release is the publisher's to make, not a deployer's); ";
    return "registering a " + std::string(severity) + " patch needs " + RequirementText(needed) +
           why + by.actor + " has the " + std::string(RoleName(by.role)) + " role";
}

std::optional<std::string> CheckPatchedAboveAffected(const SecurityPatch& patch) {
    if (patch.severity != "critical" && patch.severity != "high") {
        return std::nullopt;
    }
    auto range = semver::ParseRange(patch.affected_versions);
    auto patched = semver::ParseVersion(patch.patched_version);
    if (!range || !patched) {
        return std::nullopt;
    }
    const std::string refusal = patch.patched_version +
                                " is not above every version the affected range " +
                                patch.affected_versions + " admits";
    for (const auto& alternative : range->Alternatives()) {
        auto bound = TightestUpper(alternative);
        if (!bound) {
            return refusal + " (" + AlternativeText(alternative) + " has no upper bound); a " +
                   patch.severity + " patch must move every affected version up";
        }
        if (!Above(*patched, *bound)) {
            return refusal + "; a " + patch.severity + " patch must move every affected version up";
        }
    }
    return std::nullopt;
}

}  // namespace waka::coordinator::domain
