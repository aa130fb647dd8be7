#include "coordinator/domain/rollback_rules.hpp"

namespace waka::coordinator::domain {
std::optional<std::string> PreviousManifest(const InstanceHistory& history) {
    if (history.available.empty()) {
        return std::nullopt;
    }
    return history.available.front().manifest_id;
}

Expected<std::string> ChooseRollbackTarget(const std::string& instance_id,
                                           const InstanceHistory& history,
                                           const std::optional<std::string>& requested) {
    if (!history.found) {
        return MakeError(Errc::kNotFound, "Instance " + instance_id + " not found");
    }
    if (history.decommissioned) {
        return MakeError(Errc::kConflict, "Instance " + instance_id + " is decommissioned");
    }
    if (!history.current_manifest_id) {
        return MakeError(Errc::kConflict, "Instance " + instance_id +
                                              " has no current manifest: nothing to roll back");
    }
    if (!requested) {
        auto previous = PreviousManifest(history);
        if (!previous) {
            return MakeError(Errc::kConflict,
                             "Instance " + instance_id + " never ran a manifest before " +
                                 *history.current_manifest_id + ": nothing to roll back to");
        }
        return *previous;
    }
    if (*requested == *history.current_manifest_id) {
        return MakeError(Errc::kConflict, "Manifest " + *requested +
                                              " is already the current manifest of " + instance_id);
    }
    if (!history.target_exists) {
        return MakeError(Errc::kNotFound, "Manifest " + *requested + " not found");
    }
    if (!history.target_ran) {
        return MakeError(Errc::kConflict,
                         "Manifest " + *requested + " never ran on " + instance_id +
                             ": a rollback only restores a manifest the instance ran before; "
                             "use POST /api/v1/deployments for a new one");
    }
    return *requested;
}

std::vector<InstalledComponent> RemovedVersions(const Deployment& d) {
    std::vector<InstalledComponent> removed;
    const bool rolled_back = d.kind == "rollback" && d.status == DeploymentStatus::kDeployed;
    const bool undone =
        d.status == DeploymentStatus::kRolledBack || d.status == DeploymentStatus::kFailed;
    for (const auto& change : d.plan) {
        const std::string& version = rolled_back ? change.from_version : change.to_version;
        if ((rolled_back || undone) && !version.empty() &&
            change.from_version != change.to_version) {
            removed.push_back({change.type, change.name, version});
        }
    }
    return removed;
}

std::string QuarantineReason(const Deployment& d) {
    if (d.kind == "rollback" && d.status == DeploymentStatus::kDeployed) {
        return "removed by rollback " + d.id;
    }
    return std::string(ToString(d.status)) + " in deployment " + d.id +
           (d.error_message ? ": " + *d.error_message : "");
}

}  // namespace waka::coordinator::domain
