#include "coordinator/domain/resolution_rules.hpp"

#include <algorithm>

#include "shared/semver/range.hpp"

namespace waka::coordinator::domain {
namespace {

resolver::Pin ResolverPin(const PinRecord& pin) {
    return {pin.id, pin.Component(), pin.pinned_version, pin.reason, pin.expires_at};
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

std::map<std::string, std::string> ManifestComponents(const Manifest& m) {
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
    return {std::move(constraints), context.pins_in_force, context.quarantined, context.max_steps};
}

Expected<void> ValidateManifest(const ResolutionContext& context, const Manifest& manifest) {
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

Expected<void> CheckPins(const ResolutionContext& context, const Manifest& manifest) {
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

Expected<void> CheckPinAdmissible(ResolutionContext context, const PinRecord& pin) {
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
resolver::Catalog CatalogOf(const std::vector<Release>& releases) {
    resolver::Catalog catalog;
    for (const auto& r : releases) {
        catalog.components[ComponentKey(r.component_type, r.component_name)].push_back(
            {r.version, r.is_stable, r.dependencies});
    }
    return catalog;
}

std::vector<resolver::Pin> PinsInForce(const std::vector<PinRecord>& pins, TimePoint now) {
    std::vector<resolver::Pin> all;
    all.reserve(pins.size());
    for (const auto& pin : pins) {
        all.push_back(ResolverPin(pin));
    }
    return resolver::FilterActivePins(all, now);
}

}  // namespace waka::coordinator::domain
