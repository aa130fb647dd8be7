#include "coordinator/deploy/patch_service.hpp"

#include <boost/json.hpp>

#include "coordinator/domain/patching.hpp"
#include "coordinator/domain/resolution_rules.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {

namespace asio = boost::asio;

PatchService::PatchService(ports::Repositories& repositories, Evaluation& evaluation,
                           DeploymentService& deployments, RolloutService& rollouts,
                           TaskGroup& background, PatchOptions options)
    : repositories_(repositories),
      evaluation_(evaluation),
      deployments_(deployments),
      rollouts_(rollouts),
      background_(background),
      options_(std::move(options)) {}

asio::awaitable<Expected<domain::Manifest>> PatchService::CurrentManifest(
    const std::string& instance_id) {
    std::string id = instance_id;
    std::string no_target;
    auto history = co_await repositories_.deployments.History(id, no_target);
    if (!history) {
        co_return history.error().WithContext("load instance");
    }
    if (!history->found) {
        co_return MakeError(Errc::kNotFound, "Instance " + instance_id + " not found");
    }
    if (history->decommissioned) {
        co_return MakeError(Errc::kConflict, "Instance " + instance_id + " is decommissioned");
    }
    if (!history->current_manifest_id) {
        co_return MakeError(Errc::kConflict, "Instance " + instance_id +
                                                 " has no current manifest: deploy one before "
                                                 "patching it");
    }
    std::string manifest_id = *history->current_manifest_id;
    co_return co_await repositories_.manifests.Get(manifest_id);
}

asio::awaitable<Expected<void>> PatchService::CheckNotInProgress(const domain::SecurityPatch& patch,
                                                                 const std::string& instance_id) {
    std::string patch_id = patch.id;
    std::string instance = instance_id;
    auto links = co_await repositories_.patches.Deployments(patch_id, instance);
    if (!links) {
        co_return links.error();
    }
    for (const auto& link : *links) {
        if (!domain::IsTerminal(link.status)) {
            co_return MakeError(Errc::kConflict,
                                "Patch " + patch.id + " is already being applied to " +
                                    instance_id + " by " + link.deployment_id + " (" +
                                    std::string(domain::ToString(link.status)) + ")");
        }
    }
    co_return Expected<void>{};
}

// The releases a manifest names: those of the current manifest it shares, the others read.
asio::awaitable<Expected<std::map<std::string, domain::Release>>> PatchService::ReleasesOf(
    const domain::Manifest& manifest, const domain::Manifest& current,
    std::map<std::string, domain::Release> known) {
    const auto wanted = domain::ManifestComponents(manifest);
    const auto had = domain::ManifestComponents(current);
    std::map<std::string, domain::Release> out;
    for (const auto& [key, version] : wanted) {
        auto found = known.find(key);
        auto before = had.find(key);
        if (found != known.end() && before != had.end() && before->second == version) {
            out.emplace(key, std::move(found->second));
            continue;
        }
        const auto colon = key.find(':');
        ports::ReleaseKey release_key{key.substr(0, colon), key.substr(colon + 1), version};
        auto release = co_await repositories_.catalog.Get(release_key);
        if (release) {
            out.emplace(key, std::move(*release));
        } else if (!release.error().Is(Errc::kNotFound)) {
            co_return release.error();
        }
    }
    co_return out;
}

// A refused application is audited like a policy refusal ("patch.create", refused, naming the
// patch), so the status and compliance reports show why the patch has not reached the instance.
asio::awaitable<Error> PatchService::RefuseDowngrade(const domain::Principal& principal,
                                                     const CreateDeploymentRequest& request,
                                                     const std::string& patch_id,
                                                     const std::string& reason) {
    boost::json::object details{{"kind", "patch"}, {"patch_id", patch_id}};
    domain::AuditDraft audit{principal.actor,
                             request.dry_run ? "patch.dry_run" : "patch.create",
                             "security_patch",
                             patch_id,
                             request.instance_id,
                             "refused",
                             reason,
                             boost::json::serialize(details)};
    if (auto recorded = co_await repositories_.audit.Record(audit); !recorded) {
        co_return recorded.error();
    }
    co_return MakeError(Errc::kConflict, reason);
}

// The evaluation of a patched manifest that is not stored yet: a refusal stores nothing else.
asio::awaitable<Expected<CreateDeploymentOutcome>> PatchService::EvaluatePatched(
    const domain::Principal& principal, const CreateDeploymentRequest& request,
    const domain::Manifest& manifest, const domain::Manifest& current,
    const domain::SecurityPatch& patch) {
    std::string instance_id = request.instance_id;
    auto inputs = co_await repositories_.deployments.LoadInputs(instance_id, current.id);
    if (!inputs) {
        co_return inputs.error();
    }
    if (!inputs->instance) {
        co_return MakeError(Errc::kNotFound, "Instance " + instance_id + " not found");
    }
    if (auto above = domain::CheckReportedNotAbove(patch, inputs->instance->inventory)) {
        const std::string reason = std::move(*above);
        co_return co_await RefuseDowngrade(principal, request, patch.id, reason);
    }
    auto wanted = co_await ReleasesOf(manifest, current, std::move(inputs->releases));
    if (!wanted) {
        co_return wanted.error();
    }
    EvaluationSubject subject{*inputs->instance, manifest, *wanted, inputs->floors};
    std::optional<std::string> patch_id = patch.id;
    auto evaluated = co_await evaluation_.Evaluate(principal, request, subject, patch_id);
    if (!evaluated) {
        co_return evaluated.error();
    }
    co_return std::move(evaluated->outcome);
}

asio::awaitable<Expected<domain::SecurityPatch>> PatchService::PatchNamed(std::string id) {
    auto patch = co_await repositories_.patches.Get(id);
    if (!patch && patch.error().Is(Errc::kNotFound)) {
        co_return MakeError(Errc::kNotFound, "Patch " + id + " not found");
    }
    co_return patch;
}

asio::awaitable<Expected<ApplyPatchOutcome>> PatchService::ApplyPatch(
    const domain::Principal& principal, const ApplyPatchRequest& request) {
    auto patch = co_await PatchNamed(request.patch_id);
    if (!patch) {
        co_return patch.error();
    }
    auto current = co_await CurrentManifest(request.instance_id);
    if (!current) {
        co_return current.error();
    }
    ApplyPatchOutcome outcome{*patch, domain::CheckPatch(*patch, *current), std::nullopt,
                              std::nullopt};
    if (outcome.check.fit == domain::PatchFit::kWouldDowngrade) {
        CreateDeploymentRequest refused{.instance_id = request.instance_id,
                                        .dry_run = request.dry_run};
        co_return co_await RefuseDowngrade(principal, refused, patch->id, outcome.check.detail);
    }
    if (outcome.check.fit != domain::PatchFit::kAffected) {
        co_return outcome;  // nothing to do: answered, nothing stored
    }
    if (auto busy = co_await CheckNotInProgress(*patch, request.instance_id); !busy) {
        co_return busy.error();
    }
    auto manifest =
        domain::PatchedManifest(*current, *patch, NewId("manifest"), request.instance_id);
    CreateDeploymentRequest deployment{.manifest_id = manifest.id,
                                       .instance_id = request.instance_id,
                                       .dry_run = request.dry_run,
                                       .force = request.force,
                                       .reason = request.reason,
                                       .kind = "patch",
                                       .severity = patch->severity};
    // Everything is checked on the unstored manifest first: a refusal stores nothing else.
    auto evaluated = co_await EvaluatePatched(principal, deployment, manifest, *current, *patch);
    if (!evaluated) {
        co_return evaluated.error();
    }
    if (request.dry_run) {
        outcome.manifest = std::move(manifest);
        outcome.deployment = std::move(*evaluated);
        co_return outcome;
    }
    co_return co_await Store(principal, request, deployment, std::move(manifest),
                             std::move(outcome));
}

// Stores the patched manifest, then creates its deployment like any other (which evaluates it
// once more, now stored) and links it to the patch.
asio::awaitable<Expected<ApplyPatchOutcome>> PatchService::Store(
    const domain::Principal& principal, const ApplyPatchRequest& request,
    const CreateDeploymentRequest& deployment, domain::Manifest manifest,
    ApplyPatchOutcome outcome) {
    auto stored = co_await repositories_.manifests.Create(principal, std::move(manifest));
    if (!stored) {
        co_return stored.error().WithContext("store the patched manifest");
    }
    auto created = co_await deployments_.Create(principal, deployment);
    if (!created) {
        co_return created.error();
    }
    std::string deployment_id = created->deployment.id;
    std::string patch_id = request.patch_id;
    std::string instance_id = request.instance_id;
    if (auto linked = co_await repositories_.patches.Link(deployment_id, patch_id, instance_id,
                                                          request.enforced);
        !linked) {
        log::Warn("patch link not stored deployment_id={} patch_id={} error=\"{}\"", deployment_id,
                  patch_id, linked.error().message);
    }
    outcome.manifest = std::move(stored->manifest);
    outcome.deployment = std::move(*created);
    co_return outcome;
}

}  // namespace waka::coordinator::deploy
