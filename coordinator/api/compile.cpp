#include <boost/json.hpp>
#include <memory>

#include "coordinator/api/compile_input.hpp"
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
    domain::CompileTarget target;
    bool dry_run = false;
};

ApiExpected<CompileRequest> ParseCompile(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    CompileRequest request;
    auto instance_id = reader.String("instance_id", true);
    auto id = reader.String("id");
    if (instance_id && !IsValidId(*instance_id)) {
        reader.Fail("instance_id", "is not a valid instance id");
    }
    if (id && !IsValidId(*id)) {
        reader.Fail("id",
                    "must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or "
                    "digit");
    }
    ReadCompileTarget(reader, request.target);
    request.dry_run = reader.Bool("dry_run").value_or(false);
    request.instance_id = instance_id.value_or("");
    request.id = id.value_or("");
    return Validated(std::move(request), reader.Finish());
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
    if (auto unknown = CheckKnownComponents("", *context->index, request->target)) {
        co_return ToResponse(*unknown);
    }
    const domain::ResolutionContext& loaded = *context;
    const CompileRequest& asked = *request;
    auto resolved = co_await resolution.Compute([&] {
        return resolver::Resolve(*loaded.index,
                                 domain::MakeRequest(loaded, asked.target.constraints));
    });
    if (!resolved) {
        co_return ToResponse(resolved.error().Is(Errc::kConflict)
                                 ? Unresolvable(*request, resolved.error())
                                 : FromError(resolved.error()));
    }
    auto manifest = domain::CompiledManifest(request->target, *resolved,
                                             request->id.empty() ? NewId("manifest") : request->id,
                                             request->instance_id);
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
