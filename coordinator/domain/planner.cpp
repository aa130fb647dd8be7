#include "coordinator/domain/planner.hpp"

#include <set>

namespace waka::coordinator::domain {
namespace {

struct Wanted {
    std::string type;
    std::string name;
    std::string version;
    std::string Key() const { return type + ":" + name; }
};

std::vector<Wanted> WantedComponents(const Manifest& manifest) {
    std::vector<Wanted> wanted{{"platform", manifest.platform_name, manifest.platform_version}};
    for (const auto& [name, version] : manifest.suites) {
        wanted.push_back({"suite", name, version});
    }
    for (const auto& [name, version] : manifest.capabilities) {
        wanted.push_back({"capability", name, version});
    }
    return wanted;
}

std::string InstalledVersion(const std::vector<InstalledComponent>& inventory,
                             const Wanted& component) {
    for (const auto& item : inventory) {
        if (item.type == component.type && item.name == component.name) {
            return item.version;
        }
    }
    return {};
}

int TypeRank(const std::string& type) {
    if (type == "platform") {
        return 0;
    }
    return type == "suite" ? 1 : 2;
}

}  // namespace

Expected<std::vector<PlannedChange>> PlanChanges(const Manifest& manifest,
                                                 const std::vector<InstalledComponent>& inventory,
                                                 const std::map<std::string, Release>& releases,
                                                 const PlanRules& rules) {
    std::vector<PlannedChange> plan;
    std::vector<std::string> missing;
    std::set<std::string> wanted_keys;
    for (const auto& component : WantedComponents(manifest)) {
        wanted_keys.insert(component.Key());
        const auto label = component.Key() + " " + component.version;
        auto release = releases.find(component.Key());
        if (release == releases.end() || release->second.version != component.version) {
            missing.push_back(label + " is not a registered release");
            continue;
        }
        if (!release->second.artifact_sha256) {
            missing.push_back(label + " has no uploaded artifact");
            continue;
        }
        if (rules.require_signed_releases && !release->second.Signed()) {
            missing.push_back(label + " has no signed release statement");
            continue;
        }
        const auto from = InstalledVersion(inventory, component);
        if (from == component.version) {
            continue;
        }
        plan.push_back({component.type, component.name, from, component.version,
                        *release->second.artifact_sha256, release->second.artifact_size,
                        release->second.release_statement, release->second.release_signature});
    }
    if (!missing.empty()) {
        std::string message = "manifest " + manifest.id + " cannot be deployed: ";
        for (std::size_t i = 0; i < missing.size(); ++i) {
            message += (i == 0 ? "" : "; ") + missing[i];
        }
        return MakeError(Errc::kInvalidArgument, message);
    }
    std::vector<InstalledComponent> leaving;
    for (const auto& item : inventory) {
        if (!wanted_keys.contains(item.type + ":" + item.name)) {
            leaving.push_back(item);
        }
    }
    std::stable_sort(leaving.begin(), leaving.end(), [](const auto& a, const auto& b) {
        return std::make_pair(TypeRank(a.type), a.name) < std::make_pair(TypeRank(b.type), b.name);
    });
    for (const auto& item : leaving) {
        plan.push_back({item.type, item.name, item.version, "", "", 0, "", ""});
    }
    return plan;
}

}  // namespace waka::coordinator::domain
