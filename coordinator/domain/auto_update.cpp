#include "coordinator/domain/auto_update.hpp"

#include <algorithm>
#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/uuid_io.hpp>

#include "shared/semver/range.hpp"
#include "shared/semver/version.hpp"

namespace waka::coordinator::domain {
namespace {

// Namespace of the stable ids (a fixed random UUID; changing it would re-create every proposal).
const boost::uuids::uuid kIdNamespace = {{0x5c, 0x1e, 0x0b, 0x7a, 0x93, 0x4d, 0x4f, 0x21, 0xa8,
                                          0x61, 0x2e, 0x9b, 0x44, 0xd0, 0x17, 0x3c}};

// "<type>:<name>" -> version of every component of the manifest.
std::map<std::string, std::string> Components(const Manifest& m) {
    std::map<std::string, std::string> components;
    components["platform:" + m.platform_name] = m.platform_version;
    for (const auto& [name, version] : m.suites) {
        components["suite:" + name] = version;
    }
    for (const auto& [name, version] : m.capabilities) {
        components["capability:" + name] = version;
    }
    return components;
}

const Release* Find(const Catalog& catalog, const std::string& key, const std::string& version) {
    auto component = catalog.find(key);
    if (component == catalog.end()) {
        return nullptr;
    }
    auto release = component->second.find(version);
    return release == component->second.end() ? nullptr : &release->second;
}

Expected<void> CheckRange(const std::map<std::string, std::string>& components,
                          const std::string& who, const std::string& dependency,
                          const std::string& range) {
    auto present = components.find(dependency);
    if (present == components.end()) {
        return MakeError(Errc::kConflict,
                         who + " needs " + dependency + " " + range + ", absent from the manifest");
    }
    auto satisfied = semver::Satisfies(present->second, range);
    if (!satisfied || !*satisfied) {
        return MakeError(Errc::kConflict, who + " needs " + dependency + " " + range +
                                              ", the manifest has " + present->second);
    }
    return {};
}

void SetVersion(Manifest& m, const std::string& key, const std::string& version) {
    const auto colon = key.find(':');
    const auto type = key.substr(0, colon);
    const auto name = key.substr(colon + 1);
    if (type == "platform") {
        m.platform_version = version;
    } else if (type == "suite") {
        m.suites[name] = version;
    } else {
        m.capabilities[name] = version;
    }
}

// Newest first: the first compatible candidate wins.
std::vector<const Release*> NewerThan(const Catalog& catalog, const std::string& key,
                                      const std::string& current) {
    std::vector<const Release*> newer;
    auto component = catalog.find(key);
    auto now = semver::ParseVersion(current);
    if (component == catalog.end() || !now) {
        return newer;
    }
    for (const auto& [version, release] : component->second) {
        auto parsed = semver::ParseVersion(version);
        if (parsed && semver::Compare(*parsed, *now) > 0) {
            newer.push_back(&release);
        }
    }
    std::sort(newer.begin(), newer.end(), [](const auto* a, const auto* b) {
        return semver::Compare(*semver::ParseVersion(a->version),
                               *semver::ParseVersion(b->version)) > 0;
    });
    return newer;
}

// Platform first, then suites, then capabilities: the order a deployment applies them in.
std::vector<std::string> UpdateOrder(const Manifest& m) {
    std::vector<std::string> keys{"platform:" + m.platform_name};
    for (const auto& [name, version] : m.suites) {
        keys.push_back("suite:" + name);
    }
    for (const auto& [name, version] : m.capabilities) {
        keys.push_back("capability:" + name);
    }
    return keys;
}

bool IsQuarantined(const Quarantined& quarantined, const std::string& key,
                   const std::string& version) {
    auto found = quarantined.find(key);
    return found != quarantined.end() &&
           std::find(found->second.begin(), found->second.end(), version) != found->second.end();
}

}  // namespace

Catalog DeployableCatalog(const std::vector<Release>& releases) {
    Catalog catalog;
    for (const auto& release : releases) {
        auto version = semver::ParseVersion(release.version);
        if (!release.is_stable || !release.artifact_sha256 || !version || version->IsPrerelease()) {
            continue;
        }
        catalog[release.component_type + ":" + release.component_name][release.version] = release;
    }
    return catalog;
}

Expected<void> CheckCompatible(const Manifest& manifest, const Catalog& catalog) {
    const auto components = Components(manifest);
    for (const auto& [key, version] : components) {
        const Release* release = Find(catalog, key, version);
        if (release == nullptr) {
            continue;
        }
        for (const auto& [dependency, range] : release->dependencies) {
            auto checked = CheckRange(components, key + " " + version, dependency, range);
            if (!checked) {
                return checked;
            }
        }
    }
    return {};
}

std::optional<AutoUpdatePlan> PlanAutoUpdate(const Manifest& current, const Catalog& catalog,
                                             const Quarantined& quarantined) {
    AutoUpdatePlan plan{current, {}};
    plan.target.id.clear();
    plan.target.content_hash.clear();
    const auto versions = Components(current);
    for (const auto& key : UpdateOrder(current)) {
        for (const Release* candidate : NewerThan(catalog, key, versions.at(key))) {
            if (IsQuarantined(quarantined, key, candidate->version)) {
                continue;
            }
            Manifest trial = plan.target;
            SetVersion(trial, key, candidate->version);
            if (CheckCompatible(trial, catalog)) {
                plan.target = std::move(trial);
                plan.changes.push_back(key + " " + versions.at(key) + " -> " + candidate->version);
                break;
            }
        }
    }
    if (plan.changes.empty()) {
        return std::nullopt;
    }
    return plan;
}

std::string StableId(const std::string& prefix, const std::string& key) {
    boost::uuids::name_generator_sha1 generate(kIdNamespace);
    return prefix + "-" + boost::uuids::to_string(generate(key));
}

}  // namespace waka::coordinator::domain
