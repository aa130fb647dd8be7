#include <boost/json.hpp>
#include <map>
#include <memory>
#include <utility>

#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/deploy/patch_catalog.hpp"
#include "coordinator/domain/patching.hpp"
#include "coordinator/policy/decision.hpp"
#include "coordinator/ports/patch_repository.hpp"

// Patch status of one instance and fleet compliance (docs/patches-and-rollback.md): computed from
// the instances' current manifests and the patch deployments, never stored separately.
namespace waka::coordinator::api {
namespace {

using Links = std::map<std::pair<std::string, std::string>, std::vector<domain::PatchDeployment>>;
using Refusals = std::map<std::pair<std::string, std::string>, std::string>;

boost::json::value RefusalOf(const Refusals& refusals, const std::string& patch,
                             const std::string& instance) {
    auto found = refusals.find({patch, instance});
    return found == refusals.end() ? boost::json::value(nullptr)
                                   : boost::json::value(found->second);
}

boost::json::object LinkJson(const domain::PatchDeployment& link) {
    return {{"deployment_id", link.deployment_id},
            {"instance_id", link.instance_id},
            {"status", domain::ToString(link.status)},
            {"application_status", std::string(domain::PatchApplicationStatus(link.status))},
            {"enforced", link.enforced},
            {"created_at", FormatRfc3339(link.created_at)},
            {"completed_at", TimeJson(link.completed_at)},
            {"error_message", link.error_message ? boost::json::value(*link.error_message)
                                                 : boost::json::value(nullptr)}};
}

// Patch deployments keyed (patch_id, instance_id), newest first within a key.
boost::asio::awaitable<Expected<Links>> LoadLinks(ports::PatchRepository& patches,
                                                  std::string instance_id) {
    std::string any_patch;
    auto links = co_await patches.Deployments(any_patch, std::move(instance_id));
    if (!links) {
        co_return links.error();
    }
    Links grouped;
    for (auto& link : *links) {
        auto key = std::pair{link.patch_id, link.instance_id};
        grouped[key].push_back(std::move(link));
    }
    co_return grouped;
}

const std::vector<domain::PatchDeployment>& LinksOf(const Links& links, const std::string& patch,
                                                    const std::string& instance) {
    static const std::vector<domain::PatchDeployment> kNone;
    auto found = links.find({patch, instance});
    return found == links.end() ? kNone : found->second;
}

struct Counts {
    std::int64_t applied = 0, pending = 0, failed = 0, available = 0, conflict = 0, critical = 0;
};

boost::json::object InstancePatchJson(const domain::SecurityPatch& patch,
                                      const domain::Manifest& current, domain::PatchState state,
                                      const std::vector<domain::PatchDeployment>& links,
                                      boost::json::value blocked_by) {
    boost::json::array deployments;
    for (const auto& link : links) {
        deployments.push_back(LinkJson(link));
    }
    const auto check = domain::CheckPatch(patch, current);
    // Why it has not reached the instance: the last refusal, or the downgrade it would be.
    if (state == domain::PatchState::kConflict) {
        blocked_by = boost::json::value(check.detail);
    } else if (state != domain::PatchState::kAvailable) {
        blocked_by = nullptr;
    }
    return {{"patch_id", patch.id},
            {"severity", patch.severity},
            {"is_mandatory", patch.severity == "critical"},
            {"component_type", patch.component_type},
            {"component_name", patch.component_name},
            {"affected_versions", patch.affected_versions},
            {"patched_version", patch.patched_version},
            {"installed_version", check.installed_version.empty()
                                      ? boost::json::value(nullptr)
                                      : boost::json::value(check.installed_version)},
            {"status", std::string(domain::ToString(state))},
            {"blocked_by", std::move(blocked_by)},
            {"deployments", std::move(deployments)}};
}

void Count(Counts& counts, domain::PatchState state, const domain::SecurityPatch& patch) {
    switch (state) {
        case domain::PatchState::kApplied:
            ++counts.applied;
            return;
        case domain::PatchState::kPending:
            ++counts.pending;
            break;
        case domain::PatchState::kFailed:
            ++counts.failed;
            break;
        case domain::PatchState::kAvailable:
            ++counts.available;
            break;
        case domain::PatchState::kConflict:
            ++counts.conflict;
            break;
        case domain::PatchState::kNotAffected:
            return;
    }
    counts.critical += patch.severity == "critical" ? 1 : 0;
}

boost::asio::awaitable<http::Response> PatchStatus(Services& services,
                                                   ports::PatchRepository& patches, Call& call) {
    std::string instance_id = call.Param("instance_id");
    auto instance = co_await services.instances.Get(instance_id);
    if (!instance) {
        co_return ToResponse(FromError(instance.error()));
    }
    auto current = co_await patches.CurrentManifests(instance_id);
    auto catalog = co_await deploy::AllPatches(patches, std::nullopt);
    auto links = co_await LoadLinks(patches, instance_id);
    auto refusals = co_await patches.Refusals(instance_id);
    if (!current || !catalog || !links || !refusals) {
        co_return ToResponse(FromError(!current   ? current.error()
                                       : !catalog ? catalog.error()
                                       : !links   ? links.error()
                                                  : refusals.error()));
    }
    Counts counts;
    boost::json::array list;
    for (const auto& patch : *catalog) {
        if (current->empty()) {
            break;
        }
        const auto& mine = LinksOf(*links, patch.id, instance_id);
        const auto state = domain::StateOf(patch, current->front().manifest, mine);
        if (state == domain::PatchState::kNotAffected && mine.empty()) {
            continue;
        }
        Count(counts, state, patch);
        list.push_back(InstancePatchJson(patch, current->front().manifest, state, mine,
                                         RefusalOf(*refusals, patch.id, instance_id)));
    }
    co_return JsonResponse(
        200, boost::json::object{
                 {"instance_id", instance_id},
                 {"current_manifest_id", instance->current_manifest_id
                                             ? boost::json::value(*instance->current_manifest_id)
                                             : boost::json::value(nullptr)},
                 {"total_patches", list.size()},
                 {"applied_patches", counts.applied},
                 {"pending_patches", counts.pending + counts.available},
                 {"in_progress_patches", counts.pending},
                 {"failed_patches", counts.failed},
                 {"conflict_patches", counts.conflict},
                 {"critical_patches", counts.critical},
                 {"patches", std::move(list)}});
}

// One patch across the fleet: instances that are or were affected, by where they stand.
struct Fleet {
    boost::json::array patched, pending, failed, unpatched, blocked;
};

Fleet Classify(const domain::SecurityPatch& patch,
               const std::vector<domain::InstanceManifest>& fleet, const Links& links,
               const Refusals& refusals) {
    Fleet f;
    for (const auto& item : fleet) {
        const auto& mine = LinksOf(links, patch.id, item.instance_id);
        switch (domain::StateOf(patch, item.manifest, mine)) {
            case domain::PatchState::kApplied:
                if (!mine.empty()) {
                    f.patched.emplace_back(item.instance_id);  // patched by this patch
                }
                break;
            case domain::PatchState::kPending:
                f.pending.emplace_back(item.instance_id);
                break;
            case domain::PatchState::kFailed:
                f.failed.emplace_back(item.instance_id);
                break;
            case domain::PatchState::kAvailable:
                f.unpatched.emplace_back(item.instance_id);
                if (auto why = RefusalOf(refusals, patch.id, item.instance_id); !why.is_null()) {
                    f.blocked.push_back(
                        boost::json::object{{"instance_id", item.instance_id}, {"reason", why}});
                }
                break;
            case domain::PatchState::kConflict:
                // Still vulnerable, and enforcement leaves it alone (ADR 0019): unpatched, with
                // the downgrade as the reason.
                f.unpatched.emplace_back(item.instance_id);
                f.blocked.push_back(boost::json::object{
                    {"instance_id", item.instance_id},
                    {"reason", domain::CheckPatch(patch, item.manifest).detail}});
                break;
            case domain::PatchState::kNotAffected:
                break;
        }
    }
    return f;
}

boost::json::object CompliancePatchJson(const domain::SecurityPatch& patch,
                                        const std::vector<domain::InstanceManifest>& fleet,
                                        const Links& links, const Refusals& refusals) {
    Fleet f = Classify(patch, fleet, links, refusals);
    const auto affected =
        f.patched.size() + f.pending.size() + f.failed.size() + f.unpatched.size();
    return {{"patch_id", patch.id},
            {"severity", patch.severity},
            {"component_type", patch.component_type},
            {"component_name", patch.component_name},
            {"affected_versions", patch.affected_versions},
            {"patched_version", patch.patched_version},
            {"affected", affected},
            {"patched", f.patched.size()},
            {"pending", f.pending.size()},
            {"failed", f.failed.size()},
            {"unpatched", f.unpatched.size()},
            {"compliant", affected == f.patched.size()},
            {"blocked", std::move(f.blocked)},
            {"instances", boost::json::object{{"patched", std::move(f.patched)},
                                              {"pending", std::move(f.pending)},
                                              {"failed", std::move(f.failed)},
                                              {"unpatched", std::move(f.unpatched)}}}};
}

boost::asio::awaitable<http::Response> Compliance(Services& services,
                                                  ports::PatchRepository& patches, Call& call) {
    std::optional<std::string> severity;
    if (auto given = call.request.Query("severity"); given && !given->empty()) {
        if (!policy::ParseSeverity(*given)) {
            co_return ToResponse(Invalid("severity", "must be one of critical, high, medium, low"));
        }
        severity = std::move(*given);
    }
    std::string everyone;
    auto fleet = co_await patches.CurrentManifests(everyone);
    auto catalog = co_await deploy::AllPatches(patches, std::move(severity));
    auto links = co_await LoadLinks(patches, everyone);
    auto refusals = co_await patches.Refusals(everyone);
    if (!fleet || !catalog || !links || !refusals) {
        co_return ToResponse(FromError(!fleet     ? fleet.error()
                                       : !catalog ? catalog.error()
                                       : !links   ? links.error()
                                                  : refusals.error()));
    }
    boost::json::array list;
    std::size_t compliant = 0;
    for (const auto& patch : *catalog) {
        auto entry = CompliancePatchJson(patch, *fleet, *links, *refusals);
        compliant += entry.at("compliant").as_bool() ? 1 : 0;
        list.push_back(std::move(entry));
    }
    co_return JsonResponse(
        200, boost::json::object{{"generated_at", FormatRfc3339(services.context.clock.Now())},
                                 {"instances_checked", fleet->size()},
                                 {"total_patches", list.size()},
                                 {"compliant_patches", compliant},
                                 {"patches", std::move(list)}});
}

}  // namespace

boost::asio::awaitable<Expected<std::vector<PatchComplianceCount>>> CountPatchCompliance(
    Services& services) {
    ports::PatchRepository& patches = services.context.repositories.patches;
    std::string everyone;
    auto fleet = co_await patches.CurrentManifests(everyone);
    auto catalog = co_await deploy::AllPatches(patches, std::nullopt);
    auto links = co_await LoadLinks(patches, everyone);
    auto refusals = co_await patches.Refusals(everyone);
    if (!fleet || !catalog || !links || !refusals) {
        co_return !fleet ? fleet.error()
        : !catalog       ? catalog.error()
        : !links         ? links.error()
                         : refusals.error();
    }
    std::vector<PatchComplianceCount> counts;
    counts.reserve(catalog->size());
    for (const auto& patch : *catalog) {
        const Fleet f = Classify(patch, *fleet, *links, *refusals);
        counts.push_back({patch.id, patch.severity, f.patched.size(), f.pending.size(),
                          f.failed.size(), f.unpatched.size()});
    }
    co_return counts;
}

void AddPatchReportRoutes(Router& router, Services& services) {
    // Shared by the handlers, which live as long as the router.
    ports::PatchRepository* patches = &services.context.repositories.patches;
    router.Add(
        {"GET", "/api/v1/security/patches/status/{instance_id}", domain::Role::kViewer,
         [&services, patches](Call& call) { return PatchStatus(services, *patches, call); }});
    router.Add({"GET", "/api/v1/security/compliance", domain::Role::kViewer,
                [&services, patches](Call& call) { return Compliance(services, *patches, call); }});
}

}  // namespace waka::coordinator::api
