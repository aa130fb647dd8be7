#include <boost/json.hpp>
#include <memory>

#include "coordinator/api/json_input.hpp"
#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/api/semver_rules.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/domain/manifest_hash.hpp"
#include "coordinator/domain/resolution_rules.hpp"
#include "coordinator/ports/manifest_repository.hpp"
#include "shared/core/ids.hpp"

// POST /api/v1/manifests/compile (docs/resolution.md): constraints for an instance resolved
// against its pins, the catalog's dependencies and its quarantine into a new immutable manifest
// holding the newest eligible version of every component asked for and every dependency reached.
namespace waka::coordinator::api {
namespace {

struct CompileRequest {
    std::string instance_id;
    std::string id;  // empty: generated
    std::string platform_name = "webwaka-platform";
    std::map<std::string, std::string> constraints;  // "type:name" -> range or "latest"
    std::string configuration_json = "{}";
    bool dry_run = false;
};

void CheckConstraint(ObjectReader& reader, const std::string& field, const std::string& text) {
    if (text == "latest") {
        return;
    }
    if (auto problem = CheckSemVerRange(text)) {
        reader.Fail(field, "'" + text +
                               "' is neither latest, a version nor a range (e.g. ^1.5, "
                               ">=2.0.0 <3.0.0): " +
                               *problem);
    }
}

void AddConstraints(ObjectReader& reader, std::string_view field, std::string_view type,
                    CompileRequest& request) {
    auto map = reader.StringMap(field);
    if (!map) {
        return;
    }
    for (const auto& [name, text] : *map) {
        const std::string entry = std::string(field) + "." + name;
        if (!IsValidId(name)) {
            reader.Fail(entry, "is not a valid component name");
            continue;
        }
        CheckConstraint(reader, entry, text);
        request.constraints[domain::ComponentKey(type, name)] = text;
    }
}

ApiExpected<CompileRequest> ParseCompile(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    CompileRequest request;
    auto instance_id = reader.String("instance_id", true);
    auto id = reader.String("id");
    auto platform_name = reader.String("platform_name");
    auto platform_version = reader.String("platform_version").value_or("latest");
    if (instance_id && !IsValidId(*instance_id)) {
        reader.Fail("instance_id", "is not a valid instance id");
    }
    if (id && !IsValidId(*id)) {
        reader.Fail("id",
                    "must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or "
                    "digit");
    }
    if (platform_name && !IsValidId(*platform_name)) {
        reader.Fail("platform_name", "is not a valid component name");
    }
    request.platform_name = platform_name.value_or("webwaka-platform");
    CheckConstraint(reader, "platform_version", platform_version);
    request.constraints[domain::ComponentKey("platform", request.platform_name)] = platform_version;
    AddConstraints(reader, "suites", "suite", request);
    AddConstraints(reader, "capabilities", "capability", request);
    if (const auto* configuration = reader.Object("configuration")) {
        request.configuration_json = boost::json::serialize(*configuration);
    }
    request.dry_run = reader.Bool("dry_run").value_or(false);
    request.instance_id = instance_id.value_or("");
    request.id = id.value_or("");
    return Validated(std::move(request), reader.Finish());
}

// The field of the request that names `key`, for 422 answers.
std::string FieldOf(const CompileRequest& request, const std::string& key) {
    if (key.starts_with("platform:")) {
        return key == domain::ComponentKey("platform", request.platform_name) ? "platform_version"
                                                                              : "platform_name";
    }
    const auto colon = key.find(':');
    const std::string type = key.substr(0, colon);
    return (type == "suite" ? "suites." : "capabilities.") + key.substr(colon + 1);
}

std::optional<ApiError> CheckKnown(const domain::ResolutionContext& context,
                                   const CompileRequest& request) {
    for (const auto& [key, text] : request.constraints) {
        if (!context.index->Find(key)) {
            return Invalid(FieldOf(request, key), key + " is not in the catalog");
        }
    }
    return std::nullopt;
}

// The manifest holding every resolved component; kConflict when dependencies reach a second
// platform component (a deployment has exactly one).
Expected<domain::Manifest> ManifestOf(const CompileRequest& request,
                                      const resolver::Resolution& resolution) {
    domain::Manifest manifest;
    manifest.id = request.id.empty() ? NewId("manifest") : request.id;
    manifest.instance_id = request.instance_id;
    manifest.platform_name = request.platform_name;
    manifest.configuration_json = request.configuration_json;
    const std::string platform = domain::ComponentKey("platform", request.platform_name);
    for (const auto& [key, version] : resolution.versions) {
        const auto colon = key.find(':');
        const std::string type = key.substr(0, colon);
        const std::string name = key.substr(colon + 1);
        if (key == platform) {
            manifest.platform_version = version;
        } else if (type == "platform") {
            return MakeError(Errc::kConflict,
                             "the resolution reaches a second platform component, " + key +
                                 "; a manifest holds one platform");
        } else {
            (type == "suite" ? manifest.suites : manifest.capabilities)[name] = version;
        }
    }
    return manifest;
}

// Keys as the prototype's compiler wrote them: "platform", "suite:<name>", "capability:<name>".
boost::json::object ResolutionJson(const domain::Manifest& manifest) {
    boost::json::object json{{"platform", manifest.platform_version}};
    for (const auto& [name, version] : manifest.suites) {
        json["suite:" + name] = version;
    }
    for (const auto& [name, version] : manifest.capabilities) {
        json["capability:" + name] = version;
    }
    return json;
}

// What changes against the instance's current manifest, component by component.
boost::json::array ChangesJson(const domain::ResolutionContext& context,
                               const domain::Manifest& manifest) {
    std::map<std::string, std::string> from;
    if (context.current) {
        from = domain::ManifestComponents(*context.current);
    }
    const auto to = domain::ManifestComponents(manifest);
    boost::json::array changes;
    auto add = [&](const std::string& key, const std::string& a, const std::string& b) {
        if (a != b) {
            changes.push_back(boost::json::object{
                {"component", key},
                {"from_version", a.empty() ? boost::json::value(nullptr) : boost::json::value(a)},
                {"to_version", b.empty() ? boost::json::value(nullptr) : boost::json::value(b)}});
        }
    };
    for (const auto& [key, version] : to) {
        add(key, from.contains(key) ? from[key] : "", version);
    }
    for (const auto& [key, version] : from) {
        if (!to.contains(key)) {
            add(key, version, "");
        }
    }
    return changes;
}

boost::json::object CompiledJson(const domain::ResolutionContext& context,
                                 const domain::Manifest& manifest) {
    boost::json::array pins;
    for (const auto& pin : context.pins_in_force) {
        pins.push_back(boost::json::string(pin.id));
    }
    return {{"resolution", ResolutionJson(manifest)},
            {"changes", ChangesJson(context, manifest)},
            {"pins_applied", std::move(pins)}};
}

ApiError Unresolvable(const CompileRequest& request, const Error& error) {
    ApiError refused = Conflict("No set of versions satisfies the constraints for instance " +
                                request.instance_id + ": " + error.message);
    refused.code = "unresolvable";
    return refused;
}

boost::asio::awaitable<http::Response> Compile(Services& services,
                                               deploy::ResolutionService& resolution, Call& call) {
    auto request = ParseCompile(call.request.body);
    if (!request) {
        co_return ToResponse(request.error());
    }
    std::string instance_id = request->instance_id;
    auto context = co_await resolution.Load(instance_id);
    if (!context) {
        co_return ToResponse(FromError(context.error()));
    }
    if (auto unknown = CheckKnown(*context, *request)) {
        co_return ToResponse(*unknown);
    }
    const domain::ResolutionContext& loaded = *context;
    const CompileRequest& asked = *request;
    auto resolved = co_await resolution.Compute([&] {
        return resolver::Resolve(*loaded.index, domain::MakeRequest(loaded, asked.constraints));
    });
    if (!resolved) {
        co_return ToResponse(resolved.error().Is(Errc::kConflict)
                                 ? Unresolvable(*request, resolved.error())
                                 : FromError(resolved.error()));
    }
    auto manifest = ManifestOf(*request, *resolved);
    if (!manifest) {
        co_return ToResponse(Unresolvable(*request, manifest.error()));
    }
    boost::json::object compiled = CompiledJson(*context, *manifest);
    if (request->dry_run) {
        if (auto hash = domain::ManifestContentHash(*manifest)) {
            manifest->content_hash = *hash;
        }
        boost::json::object body = ManifestJson(*manifest);
        body["id"] = request->id.empty() ? boost::json::value(nullptr) : body["id"];
        body["created_by"] = nullptr;
        body["created_at"] = nullptr;
        body["dry_run"] = true;
        for (auto& member : compiled) {
            body[member.key()] = member.value();
        }
        co_return JsonResponse(200, body);
    }
    auto created = co_await services.manifests.Create(call.principal, std::move(*manifest));
    if (!created) {
        co_return ToResponse(FromError(created.error()));
    }
    boost::json::object body = ManifestJson(created->manifest);
    body["duplicate_of"] =
        created->duplicate_of ? boost::json::value(*created->duplicate_of) : nullptr;
    for (auto& member : compiled) {
        body[member.key()] = member.value();
    }
    co_return JsonResponse(201, body);
}

}  // namespace

void AddCompileRoutes(Router& router, Services& services) {
    deploy::ResolutionService* resolution = &services.context.resolution;
    router.Add(
        {"POST", "/api/v1/manifests/compile", domain::Role::kOperator,
         [&services, resolution](Call& call) { return Compile(services, *resolution, call); }});
}

}  // namespace waka::coordinator::api
