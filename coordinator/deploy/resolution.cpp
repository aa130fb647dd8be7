#include "coordinator/deploy/resolution.hpp"

#include <algorithm>

#include "coordinator/store/instance_store.hpp"
#include "coordinator/store/manifest_store.hpp"
#include "coordinator/store/release_store.hpp"
#include "shared/semver/range.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

resolver::Catalog CatalogOf(const std::vector<store::Release>& releases) {
    resolver::Catalog catalog;
    for (const auto& r : releases) {
        catalog.components[ComponentKey(r.component_type, r.component_name)].push_back(
            {r.version, r.is_stable, r.dependencies});
    }
    return catalog;
}

resolver::Pin ResolverPin(const store::PinRecord& pin) {
    return {pin.id, pin.Component(), pin.pinned_version, pin.reason, pin.expires_at};
}

std::vector<resolver::Pin> PinsInForce(const std::vector<store::PinRecord>& pins, TimePoint now) {
    std::vector<resolver::Pin> all;
    all.reserve(pins.size());
    for (const auto& pin : pins) {
        all.push_back(ResolverPin(pin));
    }
    return resolver::FilterActivePins(all, now);
}

// Whether the catalog holds that exact release (SemVer equality: build metadata ignored).
bool HasRelease(const resolver::Index& index, const std::string& key, const std::string& version) {
    auto at = index.Find(key);
    auto parsed = semver::ParseVersion(version);
    if (!at || !parsed) {
        return false;
    }
    const auto& releases = index.components[*at].releases;
    return std::any_of(releases.begin(), releases.end(),
                       [&](const auto& r) { return semver::Compare(r.version, *parsed) == 0; });
}

Expected<void> CheckReleasesExist(const resolver::Index& index,
                                  const std::map<std::string, std::string>& components) {
    for (const auto& [key, version] : components) {
        if (!index.Find(key)) {
            return MakeError(Errc::kInvalidArgument, key + " is not in the catalog");
        }
        if (!HasRelease(index, key, version)) {
            return MakeError(Errc::kInvalidArgument,
                             key + " " + version + " is not a registered release");
        }
    }
    return {};
}

// The first release of the manifest that depends on `missing`, as "<key> <version> needs
// <missing> <range>".
std::string WhoNeeds(const resolver::Index& index,
                     const std::map<std::string, std::string>& components,
                     const std::string& missing) {
    for (const auto& [key, version] : components) {
        const auto& component = index.components[*index.Find(key)];
        for (const auto& release : component.releases) {
            if (release.version.ToString() != version) {
                continue;
            }
            for (const auto& dependency : release.dependencies) {
                if (index.components[dependency.component].key == missing) {
                    return key + " " + version + " needs " + missing + " " + dependency.range;
                }
            }
        }
    }
    return "a release of the manifest needs " + missing;
}

}  // namespace

std::string ComponentKey(std::string_view type, std::string_view name) {
    return std::string(type) + ":" + std::string(name);
}

std::map<std::string, std::string> ManifestComponents(const store::Manifest& m) {
    std::map<std::string, std::string> components{
        {ComponentKey("platform", m.platform_name), m.platform_version}};
    for (const auto& [name, version] : m.suites) {
        components[ComponentKey("suite", name)] = version;
    }
    for (const auto& [name, version] : m.capabilities) {
        components[ComponentKey("capability", name)] = version;
    }
    return components;
}

resolver::Request MakeRequest(const ResolutionContext& context,
                              std::map<std::string, std::string> constraints) {
    return {std::move(constraints), context.pins_in_force, context.quarantined};
}

Expected<void> ValidateManifest(const ResolutionContext& context, const store::Manifest& manifest) {
    const auto components = ManifestComponents(manifest);
    if (auto exist = CheckReleasesExist(*context.index, components); !exist) {
        return exist.error();
    }
    auto resolved = resolver::Resolve(*context.index, MakeRequest(context, components));
    if (!resolved) {
        return resolved.error();
    }
    for (const auto& [key, version] : resolved->versions) {
        if (!components.contains(key)) {
            return MakeError(Errc::kConflict, WhoNeeds(*context.index, components, key) +
                                                  ", which the manifest does not include");
        }
    }
    return {};
}

Expected<void> CheckPins(const ResolutionContext& context, const store::Manifest& manifest) {
    for (const auto& [key, version] : ManifestComponents(manifest)) {
        for (const auto& pin : context.pins_in_force) {
            if (pin.component != key) {
                continue;
            }
            auto range = semver::ParseRange(pin.pinned_version);
            auto parsed = semver::ParseVersion(version);
            if (range && parsed && range->Satisfies(*parsed)) {
                continue;
            }
            return MakeError(Errc::kConflict, key + " " + version + " breaks the pin: " + key +
                                                  " is pinned to " + pin.pinned_version + " (" +
                                                  pin.id + ": \"" + pin.reason + "\")");
        }
    }
    return {};
}

std::map<std::string, std::string> StateConstraints(const ResolutionContext& context) {
    std::map<std::string, std::string> constraints;
    if (context.current) {
        for (const auto& [key, version] : ManifestComponents(*context.current)) {
            constraints[key] = "latest";
        }
    }
    // "latest" lets the pin itself constrain the component, so that a refusal names the pin. A
    // pin naming a pre-release needs its own text as the request too: "latest" never accepts a
    // pre-release (an unstable release named exactly by the pin is eligible either way).
    for (const auto& pin : context.pins_in_force) {
        const bool names_prerelease = pin.pinned_version.find('-') != std::string::npos;
        constraints[pin.component] = names_prerelease ? pin.pinned_version : "latest";
    }
    return constraints;
}

Expected<void> CheckPinAdmissible(ResolutionContext context, const store::PinRecord& pin) {
    auto& pins = context.pins_in_force;
    const std::string key = pin.Component();
    pins.erase(std::remove_if(pins.begin(), pins.end(),
                              [&](const resolver::Pin& p) { return p.component == key; }),
               pins.end());
    if (!pin.expires_at || *pin.expires_at > context.now) {
        pins.push_back(ResolverPin(pin));
    }
    auto constraints = StateConstraints(context);
    if (constraints.empty()) {
        return {};
    }
    auto resolved = resolver::Resolve(*context.index, MakeRequest(context, std::move(constraints)));
    if (!resolved) {
        return resolved.error();
    }
    return {};
}

bool PinMatchesARelease(const resolver::Index& index, const std::string& component,
                        const std::string& pinned_version) {
    auto at = index.Find(component);
    auto range = semver::ParseRange(pinned_version);
    if (!at || !range) {
        return false;
    }
    const auto& releases = index.components[*at].releases;
    return std::any_of(releases.begin(), releases.end(),
                       [&](const auto& r) { return range->Satisfies(r.version); });
}

ResolutionService::ResolutionService(db::Database& database, const Clock& clock)
    : database_(database), clock_(clock) {}

asio::awaitable<Expected<std::shared_ptr<const resolver::Index>>>
ResolutionService::CatalogIndex() {
    store::ReleaseStore releases(database_, clock_);
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
    auto all = co_await releases.List(store::ReleaseFilter{});
    if (!all) {
        co_return all.error().WithContext("load the catalog");
    }
    auto built = resolver::BuildIndex(CatalogOf(*all));
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

asio::awaitable<Expected<ResolutionContext>> ResolutionService::Load(std::string instance_id) {
    ResolutionContext context;
    context.now = clock_.Now();
    context.instance_id = instance_id;
    auto index = co_await CatalogIndex();
    if (!index) {
        co_return index.error();
    }
    context.index = std::move(*index);
    if (instance_id.empty()) {
        co_return context;
    }
    store::InstanceStore instances(database_, clock_);
    auto instance = co_await instances.Get(instance_id);
    if (!instance || instance->decommissioned_at) {
        if (!instance && !instance.error().Is(Errc::kNotFound)) {
            co_return instance.error();
        }
        co_return MakeError(Errc::kNotFound, "Instance " + instance_id + " not found");
    }
    store::PinStore pin_store(database_, clock_);
    auto pins = co_await pin_store.List(instance_id, false);
    if (!pins) {
        co_return pins.error().WithContext("load pins");
    }
    context.pins = std::move(*pins);
    context.pins_in_force = PinsInForce(context.pins, context.now);
    if (quarantine_) {
        auto quarantined = co_await quarantine_(instance_id);
        if (!quarantined) {
            co_return quarantined.error().WithContext("load quarantined versions");
        }
        context.quarantined = std::move(*quarantined);
    }
    if (instance->current_manifest_id) {
        store::ManifestStore manifests(database_, clock_);
        auto current = co_await manifests.Get(*instance->current_manifest_id);
        if (!current) {
            co_return current.error().WithContext("load the current manifest");
        }
        context.current = std::move(*current);
    }
    co_return context;
}

asio::awaitable<Expected<void>> ResolutionService::CheckNoCycle(store::NewRelease release) {
    if (release.dependencies.empty()) {
        co_return Expected<void>{};
    }
    store::ReleaseStore releases(database_, clock_);
    auto all = co_await releases.List(store::ReleaseFilter{});
    if (!all) {
        co_return all.error().WithContext("load the catalog");
    }
    resolver::Catalog catalog = CatalogOf(*all);
    catalog.components[ComponentKey(release.component_type, release.component_name)].push_back(
        {release.version, release.is_stable, release.dependencies});
    if (auto cycle = resolver::FindCycle(catalog)) {
        std::string path;
        for (const auto& key : *cycle) {
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
                                                                      store::Manifest manifest,
                                                                      bool skip_validation) {
    auto context = co_await Load(instance_id);
    if (!context) {
        co_return context.error();
    }
    auto valid =
        skip_validation ? CheckPins(*context, manifest) : ValidateManifest(*context, manifest);
    if (!valid) {
        co_return MakeError(
            valid.error().Is(Errc::kConflict) ? Errc::kConflict : Errc::kInvalidArgument,
            "manifest " + manifest.id + " does not resolve for instance " + instance_id + ": " +
                valid.error().message);
    }
    co_return Expected<void>{};
}

}  // namespace waka::coordinator::deploy
