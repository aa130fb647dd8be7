#include "coordinator/deploy/auto_updater.hpp"

#include <boost/json.hpp>

#include "coordinator/deploy/approval_service.hpp"
#include "coordinator/domain/auto_update.hpp"
#include "coordinator/domain/manifest_hash.hpp"
#include "coordinator/policy/decision.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

const domain::Principal kSystem{"system", domain::Role::kOperator, ""};

using domain::Catalog;

}  // namespace

AutoUpdater::AutoUpdater(ports::Repositories& repositories, const Clock& clock,
                         DeploymentService& deployments)
    : repositories_(repositories), clock_(clock), deployments_(deployments) {}

asio::awaitable<Expected<int>> AutoUpdater::Scan() {
    auto version = co_await repositories_.schedule.CatalogVersion();
    if (!version) {
        co_return version.error();
    }
    if (*version == catalog_seen_) {
        co_return 0;
    }
    ports::ReleaseFilter all;
    auto listed = co_await repositories_.catalog.List(all);
    if (!listed) {
        co_return listed.error();
    }
    const Catalog catalog = domain::DeployableCatalog(*listed);
    auto instances = co_await repositories_.schedule.UpdatableInstances();
    if (!instances) {
        co_return instances.error();
    }
    int created = 0;
    for (const auto& instance : *instances) {
        auto proposed = co_await Propose(instance, catalog);
        if (!proposed) {
            co_return proposed.error();
        }
        created += *proposed ? 1 : 0;
    }
    catalog_seen_ = *version;  // only once every instance was handled: a failed scan is retried
    co_return created;
}

// One auto-update per instance, current manifest and target content: its manifest and deployment
// ids are derived from that key, so a second scan (or a restart) finds them instead of making more.
asio::awaitable<Expected<bool>> AutoUpdater::Propose(const ports::UpdatableInstance& instance,
                                                     const Catalog& catalog) {
    auto quarantined = co_await repositories_.quarantines.Active(instance.instance_id);
    if (!quarantined) {
        co_return quarantined.error();
    }
    auto plan = domain::PlanAutoUpdate(instance.current, catalog, *quarantined);
    if (!plan) {
        co_return false;
    }
    auto refused = co_await Refused(instance, plan->changes);
    if (!refused || *refused) {
        co_return refused ? Expected<bool>(false) : Expected<bool>(refused.error());
    }
    auto hash = domain::ManifestContentHash(plan->target);
    if (!hash) {
        co_return hash.error();
    }
    const std::string key = instance.instance_id + "|" + instance.current.id + "|" + *hash;
    const std::string deployment_id = domain::StableId("deploy", key);
    if (auto existing = co_await deployments_.Get(deployment_id); existing) {
        co_return false;
    } else if (!existing.error().Is(Errc::kNotFound)) {
        co_return existing.error();
    }
    domain::Manifest manifest = plan->target;
    manifest.id = domain::StableId("manifest", key);
    manifest.instance_id = instance.instance_id;
    auto stored = co_await repositories_.manifests.Create(kSystem, std::move(manifest));
    if (!stored && !stored.error().Is(Errc::kConflict)) {  // kConflict: made by an earlier pass
        co_return stored.error();
    }
    std::string reason = "auto-update:";
    for (const auto& change : plan->changes) {
        reason += " " + change;
    }
    CreateDeploymentRequest request;
    request.manifest_id = domain::StableId("manifest", key);
    request.instance_id = instance.instance_id;
    request.reason = reason;
    request.id = deployment_id;
    request.auto_update = true;
    auto created = co_await deployments_.Create(kSystem, request);
    if (!created) {
        // A frozen instance refuses (audited by Create); anything else is logged and retried.
        log::Info("auto-update not created instance_id={} reason=\"{}\"", instance.instance_id,
                  created.error().message);
        co_return false;
    }
    log::Info("auto-update {} deployment_id={} instance_id={} {}",
              domain::ToString(created->deployment.status), deployment_id, instance.instance_id,
              reason);
    co_return true;
}

// A frozen instance gets nothing, not even a manifest; the refusal is audited (docs/design.md §4.1:
// every decision is), once per scan that finds the update.
asio::awaitable<Expected<bool>> AutoUpdater::Refused(const ports::UpdatableInstance& instance,
                                                     const std::vector<std::string>& changes) {
    auto settings = co_await EffectivePolicy(repositories_.policies, instance.instance_id);
    if (!settings) {
        co_return settings.error();
    }
    policy::Change change;
    change.kind = policy::ChangeKind::kAutoUpdate;
    auto decision = policy::Decide(&*settings, change, clock_.Now());
    if (!decision) {
        co_return decision.error();
    }
    if (decision->verdict != policy::Verdict::kRefuse) {
        co_return false;
    }
    boost::json::array moved;
    for (const auto& item : changes) {
        moved.emplace_back(item);
    }
    domain::AuditDraft draft{
        kSystem.actor,        "deployment.auto_update",
        "instance",           instance.instance_id,
        instance.instance_id, "refused",
        decision->reason,     boost::json::serialize(boost::json::object{{"changes", moved}})};
    if (auto recorded = co_await repositories_.audit.Record(draft); !recorded) {
        co_return recorded.error();
    }
    co_return true;
}

}  // namespace waka::coordinator::deploy
