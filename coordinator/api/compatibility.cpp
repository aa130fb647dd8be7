#include <boost/json.hpp>
#include <memory>

#include "coordinator/api/json_input.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/api/semver_rules.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/domain/resolution_rules.hpp"
#include "shared/core/ids.hpp"
#include "shared/semver/range.hpp"

// POST /api/v1/versions/compatibility (docs/resolution.md): whether a set of versions can run
// together on an instance (dependencies, the instance's pins, quarantine), every incompatibility
// explained, and per offending component the versions that would fit.
namespace waka::coordinator::api {
namespace {

// At most this many fitting versions are proposed per component, newest first.
constexpr std::size_t kMaxProposals = 5;

using Components = std::map<std::string, std::string>;  // "type:name" -> version

struct CompatibilityRequest {
    std::optional<std::string> instance_id;
    Components components;
};

struct Incompatibility {
    std::string kind;  // unknown_component | unknown_version | dependency | missing_dependency
                       // | pin | quarantine | resolution
    std::string component;
    std::string version;
    std::string requires_component;  // dependency kinds
    std::string range;               // dependency kinds and pin
    std::string found;               // dependency: the version of requires_component asked
    std::string pin_id;
    std::string message;
};

void AddVersions(ObjectReader& reader, std::string_view field, std::string_view type,
                 Components& components) {
    auto map = reader.StringMap(field);
    if (!map) {
        return;
    }
    for (const auto& [name, version] : *map) {
        const std::string entry = std::string(field) + "." + name;
        if (!IsValidId(name)) {
            reader.Fail(entry, "is not a valid component name");
        } else if (!IsStrictSemVer(version)) {
            reader.Fail(entry, "'" + version + "' is not a semantic version (e.g. 1.5.0)");
        } else {
            components[domain::ComponentKey(type, name)] = version;
        }
    }
}

ApiExpected<CompatibilityRequest> ParseCompatibility(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    CompatibilityRequest request;
    auto platform_version = reader.String("platform_version", true);
    auto platform_name = reader.String("platform_name");
    request.instance_id = reader.String("instance_id");
    if (request.instance_id && !IsValidId(*request.instance_id)) {
        reader.Fail("instance_id", "is not a valid instance id");
    }
    if (platform_name && !IsValidId(*platform_name)) {
        reader.Fail("platform_name", "is not a valid component name");
    }
    if (platform_version && !IsStrictSemVer(*platform_version)) {
        reader.Fail("platform_version",
                    "'" + *platform_version + "' is not a semantic version (e.g. 2.1.0)");
    } else if (platform_version) {
        request.components[domain::ComponentKey(
            "platform", platform_name.value_or("webwaka-platform"))] = *platform_version;
    }
    AddVersions(reader, "suites", "suite", request.components);
    AddVersions(reader, "capabilities", "capability", request.components);
    return Validated(std::move(request), reader.Finish());
}

const resolver::IndexedRelease* FindRelease(const resolver::Index& index, const std::string& key,
                                            const std::string& version) {
    auto at = index.Find(key);
    auto parsed = semver::ParseVersion(version);
    if (!at || !parsed) {
        return nullptr;
    }
    for (const auto& release : index.components[*at].releases) {
        if (semver::Compare(release.version, *parsed) == 0) {
            return &release;
        }
    }
    return nullptr;
}

bool Satisfies(const std::string& range_text, const std::string& version) {
    auto range = semver::ParseRange(range_text);
    auto parsed = semver::ParseVersion(version);
    return range && parsed && range->Satisfies(*parsed);
}

void DependencyProblems(const resolver::Index& index, const Components& components,
                        const std::string& key, const resolver::IndexedRelease& release,
                        std::vector<Incompatibility>& out) {
    const std::string& version = components.at(key);
    for (const auto& dependency : release.dependencies) {
        const std::string& needed = index.components[dependency.component].key;
        auto found = components.find(needed);
        const std::string needs = key + " " + version + " needs " + needed + " " + dependency.range;
        if (found == components.end()) {
            out.push_back({"missing_dependency", key, version, needed, dependency.range, "", "",
                           needs + ", which is not in the set"});
        } else if (!Satisfies(dependency.range, found->second)) {
            out.push_back({"dependency", key, version, needed, dependency.range, found->second, "",
                           needs + "; " + found->second + " does not satisfy it"});
        }
    }
}

void PinProblems(const domain::ResolutionContext& context, const std::string& key,
                 const std::string& version, std::vector<Incompatibility>& out) {
    for (const auto& pin : context.pins_in_force) {
        if (pin.component == key && !Satisfies(pin.pinned_version, version)) {
            out.push_back({"pin", key, version, "", pin.pinned_version, "", pin.id,
                           key + " " + version + " breaks the pin: " + key + " is pinned to " +
                               pin.pinned_version + " (" + pin.id + ": \"" + pin.reason + "\")"});
        }
    }
    auto quarantined = context.quarantined.find(key);
    if (quarantined == context.quarantined.end()) {
        return;
    }
    for (const auto& bad : quarantined->second) {
        if (bad == version) {
            out.push_back({"quarantine", key, version, "", "", "", "",
                           key + " " + version + " is quarantined on this instance"});
        }
    }
}

// Every incompatibility of the set, found pairwise (each release's ranges against the versions
// asked, each pin and quarantine against its component).
std::vector<Incompatibility> Problems(const domain::ResolutionContext& context,
                                      const Components& components) {
    std::vector<Incompatibility> out;
    const resolver::Index& index = *context.index;
    for (const auto& [key, version] : components) {
        if (!index.Find(key)) {
            out.push_back({"unknown_component", key, version, "", "", "", "",
                           key + " is not in the catalog"});
            continue;
        }
        const auto* release = FindRelease(index, key, version);
        if (release == nullptr) {
            out.push_back({"unknown_version", key, version, "", "", "", "",
                           key + " " + version + " is not a registered release"});
            continue;
        }
        DependencyProblems(index, components, key, *release, out);
        PinProblems(context, key, version, out);
    }
    return out;
}

bool Involves(const Incompatibility& problem, const std::string& key) {
    return problem.component == key || problem.requires_component == key;
}

// The stable releases of `key` that, with every other version of the set unchanged, raise no
// incompatibility involving `key`; newest first.
boost::json::array FittingVersions(const domain::ResolutionContext& context, Components components,
                                   const std::string& key) {
    boost::json::array fitting;
    auto at = context.index->Find(key);
    if (!at) {
        return fitting;
    }
    for (const auto& release : context.index->components[*at].releases) {
        if (!release.stable || release.version.IsPrerelease()) {
            continue;
        }
        components[key] = release.version.ToString();
        auto problems = Problems(context, components);
        if (std::none_of(problems.begin(), problems.end(),
                         [&](const auto& p) { return Involves(p, key); })) {
            fitting.push_back(boost::json::string(release.version.ToString()));
            if (fitting.size() == kMaxProposals) {
                break;
            }
        }
    }
    return fitting;
}

boost::json::object IncompatibilityJson(const Incompatibility& p) {
    boost::json::object json{{"kind", p.kind},
                             {"component", p.component},
                             {"version", p.version},
                             {"message", p.message}};
    if (!p.requires_component.empty()) {
        json["requires"] = p.requires_component;
        json["range"] = p.range;
        json["found"] = p.found.empty() ? boost::json::value(nullptr) : boost::json::value(p.found);
    }
    if (!p.pin_id.empty()) {
        json["pin_id"] = p.pin_id;
        json["pinned_version"] = p.range;
    }
    return json;
}

boost::json::array Warnings(const domain::ResolutionContext& context,
                            const Components& components) {
    boost::json::array warnings;
    for (const auto& [key, version] : components) {
        const auto* release = FindRelease(*context.index, key, version);
        if (release == nullptr) {
            continue;
        }
        if (!release->stable || release->version.IsPrerelease()) {
            warnings.push_back(
                boost::json::string(key + " " + version + " is not a stable release"));
        }
        for (const auto& newer : context.index->components[*context.index->Find(key)].releases) {
            if (newer.stable && !newer.version.IsPrerelease()) {
                if (semver::Compare(newer.version, release->version) > 0) {
                    warnings.push_back(boost::json::string(key + " " + version +
                                                           " is not the newest stable release (" +
                                                           newer.version.ToString() + ")"));
                }
                break;
            }
        }
    }
    for (const auto& pin : context.pins) {
        if (pin.expires_at && *pin.expires_at <= context.now) {
            warnings.push_back(boost::json::string("pin " + pin.id + " on " + pin.Component() +
                                                   " expired at " + FormatRfc3339(*pin.expires_at) +
                                                   " and no longer applies"));
        }
    }
    return warnings;
}

// The whole report is pure work over the context, so it runs on the resolver's pool; kTooComplex
// past the step budget (the answer cannot say whether the versions are compatible).
Expected<boost::json::object> Report(const domain::ResolutionContext& context,
                                     const Components& components) {
    auto problems = Problems(context, components);
    std::optional<std::string> chain;
    if (problems.empty()) {
        // The resolver has the last word (pins on dependencies reached, stability...).
        auto resolved = resolver::Resolve(*context.index, domain::MakeRequest(context, components));
        if (!resolved && resolved.error().Is(Errc::kTooComplex)) {
            return resolved.error();
        }
        if (!resolved) {
            chain = resolved.error().message;
            problems.push_back({"resolution", "", "", "", "", "", "", *chain});
        }
    }
    boost::json::array incompatibilities;
    boost::json::object compatible_versions;
    for (const auto& problem : problems) {
        incompatibilities.push_back(IncompatibilityJson(problem));
        for (const std::string* key : {&problem.component, &problem.requires_component}) {
            if (!key->empty() && components.contains(*key) && !compatible_versions.contains(*key)) {
                compatible_versions[*key] = FittingVersions(context, components, *key);
            }
        }
    }
    return boost::json::object{
        {"is_compatible", problems.empty()},
        {"incompatibilities", std::move(incompatibilities)},
        {"warnings", Warnings(context, components)},
        {"compatible_versions", std::move(compatible_versions)},
        {"instance_id", context.instance_id.empty() ? boost::json::value(nullptr)
                                                    : boost::json::value(context.instance_id)},
        {"pins_applied", [&] {
             boost::json::array ids;
             for (const auto& pin : context.pins_in_force) {
                 ids.push_back(boost::json::string(pin.id));
             }
             return ids;
         }()}};
}

boost::asio::awaitable<http::Response> CheckCompatibility(deploy::ResolutionService& resolution,
                                                          Call& call) {
    auto request = ParseCompatibility(call.request.body);
    if (!request) {
        co_return ToResponse(request.error());
    }
    std::string instance_id = request->instance_id.value_or("");
    auto context = co_await resolution.Load(instance_id);
    if (!context) {
        co_return ToResponse(FromError(context.error()));
    }
    const domain::ResolutionContext& loaded = *context;
    const Components& components = request->components;
    auto report = co_await resolution.Compute([&] { return Report(loaded, components); });
    if (!report) {
        co_return ToResponse(FromError(report.error()));
    }
    co_return JsonResponse(200, *report);
}

}  // namespace

void AddCompatibilityRoutes(Router& router, Services& services) {
    deploy::ResolutionService* resolution = &services.context.resolution;
    router.Add({"POST", "/api/v1/versions/compatibility", domain::Role::kViewer,
                [resolution](Call& call) { return CheckCompatibility(*resolution, call); }});
}

}  // namespace waka::coordinator::api
