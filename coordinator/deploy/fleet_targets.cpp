#include "coordinator/deploy/fleet_targets.hpp"

#include <map>

#include "coordinator/domain/deployment_status.hpp"
#include "coordinator/domain/manifest_hash.hpp"
#include "coordinator/domain/patching.hpp"

namespace waka::coordinator::deploy {
namespace {

// Why a member cannot take the patch now, if it cannot.
std::optional<std::string> Unfit(
    const domain::SecurityPatch& patch, const ports::FleetMember& member,
    const std::map<std::string, const domain::PatchDeployment*>& open) {
    if (!member.current) {
        return "Instance " + member.instance.id +
               " has no current manifest: deploy one before patching it";
    }
    if (auto busy = open.find(member.instance.id); busy != open.end()) {
        return "Patch " + patch.id + " is already being applied to " + member.instance.id + " by " +
               busy->second->deployment_id + " (" +
               std::string(domain::ToString(busy->second->status)) + ")";
    }
    if (member.open) {
        // The patched manifest is built from the current one: once the queue ran the open
        // deployment, applying it would take the instance back from what that one installed.
        return "deployment " + member.open->id + " (" + member.open->kind + ", " +
               std::string(domain::ToString(member.open->status)) + ") is under way on " +
               member.instance.id + ": the patch waits until it has finished";
    }
    auto check = domain::CheckPatch(patch, *member.current);
    if (check.fit != domain::PatchFit::kAffected) {
        return check.detail;
    }
    return std::nullopt;
}

}  // namespace

Expected<ports::FleetTargets> PatchTargets(const domain::SecurityPatch& patch,
                                           const std::vector<ports::FleetMember>& members,
                                           const std::vector<domain::PatchDeployment>& links,
                                           const std::function<std::string()>& new_id) {
    std::map<std::string, const domain::PatchDeployment*> open;  // by instance
    for (const auto& link : links) {
        if (link.patch_id == patch.id && !domain::IsTerminal(link.status)) {
            open.emplace(link.instance_id, &link);
        }
    }
    ports::FleetTargets targets;
    std::map<std::string, std::string> patched_of;  // current manifest id -> patched one
    for (const auto& member : members) {
        if (auto why = Unfit(patch, member, open)) {
            targets.refused.emplace_back(member.instance.id, std::move(*why));
            continue;
        }
        const auto& current = *member.current;
        auto made = patched_of.find(current.id);
        if (made == patched_of.end()) {
            auto patched = domain::PatchedManifest(current, patch, new_id(), member.instance.id);
            patched.instance_id = current.instance_id;  // shared stays shared, owned stays owned
            auto hash = domain::ManifestContentHash(patched);
            if (!hash) {
                return hash.error();
            }
            patched.content_hash = *hash;
            made = patched_of.emplace(current.id, patched.id).first;
            targets.new_manifests.push_back(std::move(patched));
        }
        targets.manifest_of.emplace(member.instance.id, made->second);
    }
    return targets;
}

Expected<ports::FleetTargets> CompiledTargets(const std::vector<ports::FleetMember>& members,
                                              std::vector<Expected<domain::Manifest>> compiled) {
    ports::FleetTargets targets;
    for (std::size_t i = 0; i < members.size() && i < compiled.size(); ++i) {
        const auto& id = members[i].instance.id;
        if (!compiled[i]) {
            targets.refused.emplace_back(id, compiled[i].error().message);
            continue;
        }
        auto manifest = std::move(*compiled[i]);
        auto hash = domain::ManifestContentHash(manifest);
        if (!hash) {
            return hash.error();
        }
        manifest.content_hash = *hash;
        targets.manifest_of.emplace(id, manifest.id);
        targets.new_manifests.push_back(std::move(manifest));
    }
    return targets;
}

void ReuseStored(ports::FleetTargets& targets, const std::map<std::string, std::string>& same) {
    if (same.empty()) {
        return;
    }
    for (auto& [instance, manifest] : targets.manifest_of) {
        if (auto stored = same.find(manifest); stored != same.end()) {
            manifest = stored->second;
        }
    }
    std::erase_if(targets.new_manifests,
                  [&](const domain::Manifest& m) { return same.contains(m.id); });
}

}  // namespace waka::coordinator::deploy
