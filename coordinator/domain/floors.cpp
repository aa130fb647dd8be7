#include "coordinator/domain/floors.hpp"

#include "shared/semver/version.hpp"

namespace waka::coordinator::domain {

bool IsBelowFloor(const std::string& version, const Floor& floor) {
    return semver::Precedes(version, floor.min_version);
}

bool RaisesFloor(const std::string& candidate, const std::string& current) {
    return semver::Precedes(current, candidate);
}

Expected<void> CheckFloors(const std::vector<std::pair<std::string, std::string>>& components,
                           const std::vector<Floor>& floors) {
    std::string refusals;
    for (const auto& [key, version] : components) {
        for (const Floor& floor : floors) {
            if (floor.Key() == key && IsBelowFloor(version, floor)) {
                refusals += (refusals.empty() ? "" : "; ") + key + " " + version +
                            " is below the floor " + floor.min_version + " (" + floor.reason + ")";
            }
        }
    }
    if (refusals.empty()) {
        return {};
    }
    return MakeError(Errc::kConflict, refusals);
}

std::vector<std::pair<std::string, std::string>> Installed(const std::vector<PlannedChange>& plan) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& change : plan) {
        if (!change.to_version.empty()) {
            out.emplace_back(change.type + ":" + change.name, change.to_version);
        }
    }
    return out;
}

}  // namespace waka::coordinator::domain
