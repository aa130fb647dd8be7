#include "coordinator/deploy/resolution_service.hpp"

namespace waka::coordinator::deploy {

namespace asio = boost::asio;
using domain::CatalogOf;
using domain::CheckPins;
using domain::ComponentKey;
using domain::ValidateManifest;

ResolutionService::ResolutionService(ports::Repositories& repositories, const Clock& clock,
                                     ResolutionOptions options)
    : repositories_(repositories),
      clock_(clock),
      max_steps_(options.max_steps),
      pool_(options.pool) {}

asio::awaitable<Expected<std::shared_ptr<const resolver::Index>>>
ResolutionService::CatalogIndex() {
    auto& releases = repositories_.catalog;
    auto generation = co_await releases.CatalogGeneration();
    if (!generation) {
        co_return generation.error().WithContext("read the catalog generation");
    }
    {
        std::lock_guard lock(cache_mutex_);
        if (cached_index_ && cached_generation_ == *generation) {
            co_return cached_index_;
        }
    }
    ports::ReleaseFilter everything;
    auto all = co_await releases.List(std::move(everything));
    if (!all) {
        co_return all.error().WithContext("load the catalog");
    }
    const std::vector<domain::Release>& releases_read = *all;
    auto built = co_await Compute(
        [&releases_read] { return resolver::BuildIndex(CatalogOf(releases_read)); });
    if (!built) {
        co_return built.error().WithContext("the stored catalog");
    }
    auto index = std::make_shared<const resolver::Index>(std::move(*built));
    // A release added between the two reads makes the generation older than the index: the next
    // call then rebuilds once more, never serves a stale index for a newer generation.
    std::lock_guard lock(cache_mutex_);
    cached_generation_ = *generation;
    cached_index_ = index;
    co_return index;
}

asio::awaitable<Expected<domain::ResolutionContext>> ResolutionService::Load(
    std::string instance_id) {
    domain::ResolutionContext context;
    context.now = clock_.Now();
    context.instance_id = instance_id;
    context.max_steps = max_steps_;
    auto index = co_await CatalogIndex();
    if (!index) {
        co_return index.error();
    }
    context.index = std::move(*index);
    if (instance_id.empty()) {
        co_return context;
    }
    auto instance = co_await repositories_.instances.Get(instance_id);
    if (!instance || instance->decommissioned_at) {
        if (!instance && !instance.error().Is(Errc::kNotFound)) {
            co_return instance.error();
        }
        co_return MakeError(Errc::kNotFound, "Instance " + instance_id + " not found");
    }
    auto pins = co_await repositories_.pins.List(instance_id, false);
    if (!pins) {
        co_return pins.error().WithContext("load pins");
    }
    context.pins = std::move(*pins);
    context.pins_in_force = domain::PinsInForce(context.pins, context.now);
    // The resolver refuses quarantined versions on their instance (validation, auto-update).
    auto quarantined = co_await repositories_.quarantines.Active(instance_id);
    if (!quarantined) {
        co_return quarantined.error().WithContext("load quarantined versions");
    }
    context.quarantined = std::move(*quarantined);
    if (instance->current_manifest_id) {
        std::string current_id = *instance->current_manifest_id;
        auto current = co_await repositories_.manifests.Get(current_id);
        if (!current) {
            co_return current.error().WithContext("load the current manifest");
        }
        context.current = std::move(*current);
    }
    co_return context;
}

asio::awaitable<Expected<std::vector<std::optional<Error>>>> ResolutionService::ValidateFleet(
    const std::vector<const ports::FleetMember*>& members,
    const std::vector<const domain::Manifest*>& manifests, bool skip_validation) {
    auto loaded = co_await ContextsOf(members);
    if (!loaded) {
        co_return loaded.error();
    }
    const auto& contexts = *loaded;
    co_return co_await Compute([&contexts, &manifests,
                                skip_validation]() -> Expected<std::vector<std::optional<Error>>> {
        std::vector<std::optional<Error>> verdicts;
        verdicts.reserve(contexts.size());
        for (std::size_t i = 0; i < contexts.size(); ++i) {
            const auto& context = contexts[i];
            const auto& manifest = *manifests[i];
            auto valid = skip_validation ? CheckPins(context, manifest)
                                         : ValidateManifest(context, manifest);
            if (valid) {
                verdicts.emplace_back();
            } else {
                verdicts.emplace_back(MakeError(
                    valid.error().Is(Errc::kConflict) ? Errc::kConflict : Errc::kInvalidArgument,
                    "manifest " + manifest.id + " does not resolve for instance " +
                        context.instance_id + ": " + valid.error().message));
            }
        }
        return verdicts;
    });
}

asio::awaitable<Expected<std::vector<domain::ResolutionContext>>> ResolutionService::ContextsOf(
    const std::vector<const ports::FleetMember*>& members) {
    auto index = co_await CatalogIndex();
    if (!index) {
        co_return index.error();
    }
    const auto now = clock_.Now();
    std::vector<domain::ResolutionContext> contexts;
    contexts.reserve(members.size());
    for (const auto* member : members) {
        domain::ResolutionContext context;
        context.index = *index;
        context.instance_id = member->instance.id;
        context.pins = member->pins;
        context.pins_in_force = domain::PinsInForce(context.pins, now);
        context.quarantined = member->quarantined;
        context.current = member->current;
        context.now = now;
        context.max_steps = max_steps_;
        contexts.push_back(std::move(context));
    }
    co_return contexts;
}

asio::awaitable<Expected<std::vector<Expected<domain::Manifest>>>> ResolutionService::CompileFleet(
    const std::vector<const ports::FleetMember*>& members, const domain::CompileTarget& target,
    const std::function<std::string()>& new_id) {
    auto loaded = co_await ContextsOf(members);
    if (!loaded) {
        co_return loaded.error();
    }
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < members.size(); ++i) {
        ids.push_back(new_id());
    }
    const auto& contexts = *loaded;
    co_return co_await Compute([&contexts, &target,
                                &ids]() -> Expected<std::vector<Expected<domain::Manifest>>> {
        std::vector<Expected<domain::Manifest>> manifests;
        manifests.reserve(contexts.size());
        for (std::size_t i = 0; i < contexts.size(); ++i) {
            const auto& context = contexts[i];
            auto resolved =
                resolver::Resolve(*context.index, domain::MakeRequest(context, target.constraints));
            auto manifest =
                resolved ? domain::CompiledManifest(target, *resolved, ids[i], context.instance_id)
                         : Expected<domain::Manifest>(resolved.error());
            if (!manifest) {
                manifest = Error{manifest.error().code,
                                 "no set of versions satisfies the constraints for instance " +
                                     context.instance_id + ": " + manifest.error().message};
            }
            manifests.push_back(std::move(manifest));
        }
        return manifests;
    });
}

asio::awaitable<Expected<std::shared_ptr<const resolver::Index>>> ResolutionService::Catalog() {
    co_return co_await CatalogIndex();
}

asio::awaitable<Expected<void>> ResolutionService::CheckNoCycle(ports::NewRelease release) {
    if (release.dependencies.empty()) {
        co_return Expected<void>{};
    }
    ports::ReleaseFilter everything;
    auto all = co_await repositories_.catalog.List(std::move(everything));
    if (!all) {
        co_return all.error().WithContext("load the catalog");
    }
    const std::vector<domain::Release>& releases_read = *all;
    auto cycle = co_await Compute([&releases_read, &release]()
                                      -> Expected<std::optional<std::vector<std::string>>> {
        resolver::Catalog catalog = CatalogOf(releases_read);
        catalog.components[ComponentKey(release.component_type, release.component_name)].push_back(
            {release.version, release.is_stable, release.dependencies});
        return resolver::FindCycle(catalog);
    });
    if (!cycle) {
        co_return cycle.error();
    }
    if (*cycle) {
        std::string path;
        for (const auto& key : **cycle) {
            path += (path.empty() ? "" : " -> ") + key;
        }
        co_return MakeError(Errc::kInvalidArgument,
                            "the dependencies of " +
                                ComponentKey(release.component_type, release.component_name) + " " +
                                release.version + " would close a dependency cycle: " + path +
                                "; a component cannot depend on itself, even through others");
    }
    co_return Expected<void>{};
}

asio::awaitable<Expected<void>> ResolutionService::ValidateDeployment(std::string instance_id,
                                                                      domain::Manifest manifest,
                                                                      bool skip_validation) {
    auto context = co_await Load(instance_id);
    if (!context) {
        co_return context.error();
    }
    const domain::ResolutionContext& loaded = *context;
    auto valid = co_await Compute([&loaded, &manifest, skip_validation] {
        return skip_validation ? CheckPins(loaded, manifest) : ValidateManifest(loaded, manifest);
    });
    if (!valid && (valid.error().Is(Errc::kTooComplex) || valid.error().Is(Errc::kBusy))) {
        co_return valid.error();
    }
    if (!valid) {
        co_return MakeError(
            valid.error().Is(Errc::kConflict) ? Errc::kConflict : Errc::kInvalidArgument,
            "manifest " + manifest.id + " does not resolve for instance " + instance_id + ": " +
                valid.error().message);
    }
    co_return Expected<void>{};
}

}  // namespace waka::coordinator::deploy
