#include <algorithm>
#include <boost/json/array.hpp>

#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/api/semver_rules.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/domain/resolution_rules.hpp"

namespace waka::coordinator::api {
namespace {

boost::asio::awaitable<http::Response> CreateVersion(Services& services, Call& call) {
    auto request = ParseVersionRequest(call.request.body);
    if (!request) {
        co_return ToResponse(request.error());
    }
    // The resolver assumes an acyclic catalog. Two concurrent registrations could still close a
    // cycle between them; FindCycle at resolution time would not loop on it, only mis-explain.
    deploy::ResolutionService& resolution = services.context.resolution;
    if (auto acyclic = co_await resolution.CheckNoCycle(*request); !acyclic) {
        co_return ToResponse(FromError(acyclic.error()));
    }
    auto created = co_await services.releases.Create(call.principal, std::move(*request));
    if (!created) {
        co_return ToResponse(FromError(created.error()));
    }
    if (services.context.catalog_changed) {
        services.context.catalog_changed();  // auto-updates may follow (once it has an artifact)
    }
    co_return JsonResponse(201, VersionJson(*created));
}

// Newest first by SemVer precedence; equal precedence (other components, or versions differing
// only in build metadata) falls back to a fixed text order so that pages are stable.
void SortNewestFirst(std::vector<domain::Release>& releases) {
    std::sort(releases.begin(), releases.end(), [](const auto& a, const auto& b) {
        if (int by_version = CompareSemVer(a.version, b.version); by_version != 0) {
            return by_version > 0;
        }
        return std::tie(a.component_type, a.component_name, a.version) <
               std::tie(b.component_type, b.component_name, b.version);
    });
}

// Unlike the prototype, each of component_type and component_name filters on its own.
boost::asio::awaitable<http::Response> ListVersions(Services& services, Call& call) {
    auto page = ParsePage(call.request);
    if (!page) {
        co_return ToResponse(page.error());
    }
    ports::ReleaseFilter filter;
    filter.component_type = call.request.Query("component_type");
    filter.component_name = call.request.Query("component_name");
    if (filter.component_type && filter.component_type->empty()) {
        filter.component_type.reset();
    }
    if (filter.component_name && filter.component_name->empty()) {
        filter.component_name.reset();
    }
    if (filter.component_type && !IsComponentType(*filter.component_type)) {
        co_return ToResponse(
            Invalid("component_type", "must be one of platform, suite, capability"));
    }
    auto releases = co_await services.releases.List(filter);
    if (!releases) {
        co_return ToResponse(FromError(releases.error()));
    }
    SortNewestFirst(*releases);
    auto begin = releases->begin();
    if (page->cursor) {
        begin = std::find_if(releases->begin(), releases->end(),
                             [&](const auto& r) { return r.id == *page->cursor; });
        if (begin == releases->end()) {
            co_return ToResponse(Invalid("cursor", "names no version of this list"));
        }
        ++begin;
    }
    boost::json::array list;
    std::string last;
    for (auto it = begin; it != releases->end() && list.size() < page->limit; ++it) {
        list.push_back(VersionJson(*it));
        last = it->id;
    }
    http::Response response = JsonResponse(200, list);
    AddNextCursor(response, list.size(), page->limit, last);
    co_return response;
}

boost::asio::awaitable<http::Response> GetVersion(Services& services, Call& call) {
    auto key = ParseReleaseKey(call.Param("type"), call.Param("name"), call.Param("version"));
    if (!key) {
        co_return ToResponse(key.error());
    }
    auto release = co_await services.releases.Get(std::move(*key));
    if (!release) {
        co_return ToResponse(FromError(release.error()));
    }
    co_return JsonResponse(200, VersionJson(*release));
}

}  // namespace

void AddVersionRoutes(Router& router, Services& services) {
    router.Add({"POST", "/api/v1/versions", domain::Role::kPublisher,
                [&services](Call& call) { return CreateVersion(services, call); }});
    router.Add({"GET", "/api/v1/versions", domain::Role::kViewer,
                [&services](Call& call) { return ListVersions(services, call); }});
    router.Add({"GET", "/api/v1/versions/{type}/{name}/{version}", domain::Role::kViewer,
                [&services](Call& call) { return GetVersion(services, call); }});
}

}  // namespace waka::coordinator::api
