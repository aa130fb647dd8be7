#include "coordinator/deploy/rollback.hpp"

namespace waka::coordinator::deploy {
std::optional<std::string> PreviousManifest(const store::InstanceHistory& history) {
    if (history.available.empty()) {
        return std::nullopt;
    }
    return history.available.front().manifest_id;
}

Expected<std::string> ChooseRollbackTarget(const std::string& instance_id,
                                           const store::InstanceHistory& history,
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

std::vector<store::InstalledComponent> RemovedVersions(const store::Deployment& d) {
    std::vector<store::InstalledComponent> removed;
    const bool rolled_back = d.kind == "rollback" && d.status == "deployed";
    const bool undone = d.status == "rolled_back" || d.status == "failed";
    for (const auto& change : d.plan) {
        const std::string& version = rolled_back ? change.from_version : change.to_version;
        if ((rolled_back || undone) && !version.empty() &&
            change.from_version != change.to_version) {
            removed.push_back({change.type, change.name, version});
        }
    }
    return removed;
}

std::string_view PrototypeStatus(std::string_view deployment_status, std::string_view done) {
    if (deployment_status == "deploying") {
        return "in_progress";
    }
    if (deployment_status == "deployed") {
        return done;
    }
    if (deployment_status == "failed" || deployment_status == "rolled_back") {
        return "failed";
    }
    if (deployment_status == "cancelled" || deployment_status == "rejected" ||
        deployment_status == "expired") {
        return "cancelled";
    }
    return "pending";  // pending, awaiting_approval, scheduled, queued
}

std::string_view RollbackStatus(std::string_view deployment_status) {
    return PrototypeStatus(deployment_status, "completed");
}

}  // namespace waka::coordinator::deploy
