#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/domain/floors.hpp"
#include "coordinator/domain/resolution_rules.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::api {
namespace {

std::vector<ports::ReleaseKey> ComponentsOf(const domain::Manifest& m) {
    std::vector<ports::ReleaseKey> keys{{"platform", m.platform_name, m.platform_version}};
    for (const auto& [name, version] : m.suites) {
        keys.push_back({"suite", name, version});
    }
    for (const auto& [name, version] : m.capabilities) {
        keys.push_back({"capability", name, version});
    }
    return keys;
}

// Releases are checked for real when a deployment is created; these warnings only tell the
// operator early what that check will refuse.
boost::asio::awaitable<boost::json::array> Warnings(Services& services, const domain::Manifest& m) {
    boost::json::array warnings;
    std::vector<ports::ReleaseKey> keys = ComponentsOf(m);
    auto found = co_await services.releases.Find(keys);
    if (!found) {
        warnings.push_back(
            boost::json::string("Could not check the releases: " + found.error().message));
        co_return warnings;
    }
    for (const auto& key : keys) {
        std::string label = key.component_type + ":" + key.component_name + " " + key.version;
        auto it = std::find_if(found->begin(), found->end(), [&](const domain::Release& r) {
            return r.component_type == key.component_type &&
                   r.component_name == key.component_name && r.version == key.version;
        });
        if (it == found->end()) {
            warnings.push_back(boost::json::string(label + " has no registered release"));
        } else if (!it->artifact_sha256) {
            warnings.push_back(boost::json::string(label + " has no uploaded artifact"));
        }
    }
    co_return warnings;
}

// An explicit manifest is checked by the resolver that deployments use (pins of its instance,
// dependencies). A manifest naming unregistered releases, or an instance the store will refuse,
// is left to the store and the warnings, so that it can be written before its releases exist.
boost::asio::awaitable<std::optional<ApiError>> Validate(Services& services,
                                                         const domain::Manifest& manifest) {
    deploy::ResolutionService& resolution = services.context.resolution;
    std::string instance_id = manifest.instance_id.value_or("");
    auto context = co_await resolution.Load(instance_id);
    if (!context) {
        if (context.error().Is(Errc::kNotFound)) {
            co_return std::nullopt;
        }
        co_return FromError(context.error());
    }
    const domain::ResolutionContext& loaded = *context;
    auto valid =
        co_await resolution.Compute([&] { return domain::ValidateManifest(loaded, manifest); });
    if (!valid && (valid.error().Is(Errc::kTooComplex) || valid.error().Is(Errc::kBusy))) {
        co_return FromError(valid.error());
    }
    if (valid || !valid.error().Is(Errc::kConflict)) {
        co_return std::nullopt;
    }
    ApiError refused =
        Conflict("manifest " + manifest.id + " does not resolve" +
                 (instance_id.empty() ? "" : " for instance " + instance_id) + ": " +
                 valid.error().message + " (an admin may store it anyway with skip_validation)");
    refused.code = "incompatible_manifest";
    co_return refused;
}

// A manifest below a floor could never be deployed (ADR 0022); skip_validation does not skip this.
boost::asio::awaitable<std::optional<ApiError>> BelowFloors(Services& services,
                                                            const domain::Manifest& manifest) {
    auto floors = co_await services.context.repositories.floors.List();
    if (!floors) {
        co_return FromError(floors.error());
    }
    std::vector<std::pair<std::string, std::string>> components;
    for (const auto& key : ComponentsOf(manifest)) {
        components.emplace_back(key.component_type + ":" + key.component_name, key.version);
    }
    auto above = domain::CheckFloors(components, *floors);
    if (above) {
        co_return std::nullopt;
    }
    ApiError refused =
        Conflict("manifest " + manifest.id + " goes below a floor: " + above.error().message);
    refused.code = "below_floor";
    co_return refused;
}

std::optional<ApiError> CheckSkipValidation(const Call& call, bool skip_validation) {
    if (!skip_validation || call.principal.role == domain::Role::kAdmin) {
        return std::nullopt;
    }
    ApiError error;
    error.status = 403;
    error.code = "forbidden";
    error.detail = "skip_validation needs the admin role; " + call.principal.actor + " has the " +
                   std::string(domain::RoleName(call.principal.role)) + " role";
    return error;
}

boost::asio::awaitable<http::Response> CreateManifest(Services& services, Call& call) {
    auto request = ParseManifestCreate(call.request.body);
    if (!request) {
        co_return ToResponse(request.error());
    }
    if (auto forbidden = CheckSkipValidation(call, request->skip_validation)) {
        co_return ToResponse(*forbidden);
    }
    domain::Manifest& manifest = request->manifest;
    if (manifest.id.empty()) {
        manifest.id = NewId("manifest");
    }
    if (auto below = co_await BelowFloors(services, manifest)) {
        co_return ToResponse(*below);
    }
    if (!request->skip_validation) {
        if (auto refused = co_await Validate(services, manifest)) {
            co_return ToResponse(*refused);
        }
    }
    auto created = co_await services.manifests.Create(call.principal, std::move(manifest));
    if (!created) {
        co_return ToResponse(FromError(created.error()));
    }
    boost::json::object body = ManifestJson(created->manifest);
    body["duplicate_of"] =
        created->duplicate_of ? boost::json::value(*created->duplicate_of) : nullptr;
    body["warnings"] = co_await Warnings(services, created->manifest);
    co_return JsonResponse(201, body);
}

boost::asio::awaitable<http::Response> GetManifest(Services& services, Call& call) {
    auto manifest = co_await services.manifests.Get(call.Param("id"));
    if (!manifest) {
        co_return ToResponse(FromError(manifest.error()));
    }
    co_return JsonResponse(200, ManifestJson(*manifest));
}

boost::asio::awaitable<http::Response> ListManifests(Services& services, Call& call) {
    auto page = ParsePage(call.request);
    if (!page) {
        co_return ToResponse(page.error());
    }
    ports::ManifestFilter filter;
    filter.instance_id = call.request.Query("instance_id");
    if (filter.instance_id && filter.instance_id->empty()) {
        filter.instance_id.reset();
    }
    filter.limit = page->limit;
    filter.cursor = page->cursor;
    auto manifests = co_await services.manifests.List(filter);
    if (!manifests) {
        co_return ToResponse(FromError(manifests.error()));
    }
    boost::json::array list;
    for (const auto& manifest : *manifests) {
        list.push_back(ManifestJson(manifest));
    }
    http::Response response = JsonResponse(200, list);
    AddNextCursor(response, manifests->size(), page->limit,
                  manifests->empty() ? std::string() : manifests->back().id);
    co_return response;
}

}  // namespace

void AddManifestRoutes(Router& router, Services& services) {
    router.Add({"POST", "/api/v1/manifests", domain::Role::kOperator,
                [&services](Call& call) { return CreateManifest(services, call); }});
    router.Add({"GET", "/api/v1/manifests", domain::Role::kViewer,
                [&services](Call& call) { return ListManifests(services, call); }});
    router.Add({"GET", "/api/v1/manifests/{id}", domain::Role::kViewer,
                [&services](Call& call) { return GetManifest(services, call); }});
}

}  // namespace waka::coordinator::api
