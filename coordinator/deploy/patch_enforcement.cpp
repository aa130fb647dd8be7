// Enforcement and catch-up of PatchService: patches applied by the coordinator itself.
#include <boost/json.hpp>

#include "coordinator/deploy/patch_catalog.hpp"
#include "coordinator/deploy/patch_service.hpp"
#include "coordinator/domain/patching.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {

namespace asio = boost::asio;

// One enforced application. Its decision (allowed, deferred or refused) is audited by ApplyPatch;
// here it is only logged.
asio::awaitable<bool> PatchService::EnforceOne(const domain::SecurityPatch& patch,
                                               const std::string& instance_id) {
    const domain::Principal system{"system", domain::Role::kAdmin, ""};
    ApplyPatchRequest request;
    request.instance_id = instance_id;
    request.patch_id = patch.id;
    request.enforced = true;
    auto applied = co_await ApplyPatch(system, request);
    if (!applied) {
        log::Info("patch not enforced patch_id={} instance_id={} reason=\"{}\"", patch.id,
                  instance_id, applied.error().message);
        co_return false;
    }
    if (applied->deployment) {
        log::Info("patch enforced patch_id={} instance_id={} deployment_id={} status={}", patch.id,
                  instance_id, applied->deployment->deployment.id,
                  domain::ToString(applied->deployment->deployment.status));
    }
    co_return applied->deployment.has_value();
}

asio::awaitable<void> PatchService::Enforce(std::string patch_id) {
    auto patch = co_await repositories_.patches.Get(patch_id);
    std::string everyone;
    auto fleet = co_await repositories_.patches.CurrentManifests(everyone);
    if (!patch || !fleet) {
        log::Warn("patch enforcement skipped patch_id={} error=\"{}\"", patch_id,
                  !patch ? patch.error().message : fleet.error().message);
        co_return;
    }
    std::size_t affected = 0;
    std::size_t created = 0;
    std::size_t conflicts = 0;
    for (const auto& item : *fleet) {
        if (background_.Stopping()) {
            break;  // shutting down: the next start's catch-ups finish the job
        }
        const auto fit = domain::CheckPatch(*patch, item.manifest).fit;
        if (fit == domain::PatchFit::kAffected) {
            ++affected;
            created += co_await EnforceOne(*patch, item.instance_id) ? 1 : 0;
        } else if (fit == domain::PatchFit::kWouldDowngrade) {
            // Left where it is (ADR 0019): the reports show it as a conflict for an operator.
            ++conflicts;
        }
    }
    // The end of enforcement is an audit entry of its own: what it found and did.
    boost::json::object details{{"instances_checked", fleet->size()},
                                {"affected", affected},
                                {"deployments_created", created},
                                {"conflicts", conflicts}};
    domain::AuditDraft audit{"system",
                             "patch.enforce",
                             "security_patch",
                             patch_id,
                             "",
                             "recorded",
                             "applied to " + std::to_string(created) + " of " +
                                 std::to_string(affected) + " affected instances",
                             boost::json::serialize(details)};
    if (auto recorded = co_await repositories_.audit.Record(audit); !recorded) {
        log::Warn("patch enforcement not audited patch_id={} error=\"{}\"", patch_id,
                  recorded.error().message);
    }
}

asio::awaitable<void> PatchService::CatchUp(std::string instance_id) {
    auto current = co_await repositories_.patches.CurrentManifests(instance_id);
    auto catalog = co_await AllPatches(repositories_.patches, std::nullopt);
    std::string any_patch;
    auto links = co_await repositories_.patches.Deployments(any_patch, instance_id);
    if (!current || !catalog || !links || current->empty()) {
        co_return;  // no current manifest: nothing to patch yet
    }
    for (const auto& patch : *catalog) {
        if (background_.Stopping()) {
            co_return;
        }
        std::vector<domain::PatchDeployment> mine;
        for (const auto& link : *links) {
            if (link.patch_id == patch.id) {
                mine.push_back(link);
            }
        }
        if (domain::StateOf(patch, current->front().manifest, mine) ==
            domain::PatchState::kAvailable) {
            co_await EnforceOne(patch, instance_id);
        }
    }
}

}  // namespace waka::coordinator::deploy
