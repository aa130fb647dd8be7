#include <boost/json/array.hpp>

#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/deploy/live_progress.hpp"

namespace waka::coordinator::api {
namespace {

// force and skip_validation override safety checks: only admins may ask for them (docs/design.md
// §4.1).
std::optional<ApiError> CheckOverrides(const deploy::CreateDeploymentRequest& request,
                                       const domain::Principal& principal) {
    if ((request.force || request.skip_validation) && principal.role != domain::Role::kAdmin) {
        ApiError error;
        error.status = 403;
        error.code = "forbidden";
        error.detail = std::string(request.force ? "force" : "skip_validation") +
                       " needs the admin role; " + principal.actor + " has the " +
                       std::string(domain::RoleName(principal.role)) + " role";
        return error;
    }
    return std::nullopt;
}

boost::asio::awaitable<http::Response> CreateDeployment(Services& services, Call& call) {
    auto request = ParseDeploymentRequest(call.request.body);
    if (!request) {
        co_return ToResponse(request.error());
    }
    if (auto refused = CheckOverrides(*request, call.principal)) {
        co_return ToResponse(*refused);
    }
    auto outcome = co_await services.context.deployments.Create(call.principal, *request);
    if (!outcome) {
        co_return ToResponse(FromError(outcome.error()));
    }
    boost::json::object body = DeploymentJson(outcome->deployment);
    if (outcome->dry_run) {
        body["dry_run"] = true;
        body["decision"] = outcome->decision;
        co_return JsonResponse(200, body);
    }
    co_return JsonResponse(201, body);
}

// The agent's latest report while it runs the deployment (bytes included), null otherwise or when
// its agent reports to another coordinator.
boost::json::value ProgressJson(const deploy::ProgressBoard& board,
                                const domain::Deployment& deployment) {
    if (deployment.status != domain::DeploymentStatus::kDeploying) {
        return nullptr;
    }
    auto progress = board.Latest(deployment.id);
    if (!progress) {
        return nullptr;
    }
    return boost::json::object{{"step", progress->step},
                               {"component", progress->component},
                               {"bytes_done", progress->bytes_done},
                               {"bytes_total", progress->bytes_total}};
}

boost::asio::awaitable<http::Response> GetDeployment(Services& services, Call& call) {
    auto deployment = co_await services.context.deployments.Get(call.Param("id"));
    if (!deployment) {
        if (deployment.error().Is(Errc::kNotFound)) {
            co_return ToResponse(NotFound("Deployment not found"));
        }
        co_return ToResponse(FromError(deployment.error()));
    }
    boost::json::object body = DeploymentJson(*deployment);
    body["progress"] = ProgressJson(services.context.progress, *deployment);
    co_return JsonResponse(200, body);
}

ApiExpected<deploy::DeploymentFilter> ParseDeploymentFilter(const http::Request& request) {
    auto page = ParsePage(request);
    if (!page) {
        return page.error();
    }
    deploy::DeploymentFilter filter;
    filter.limit = page->limit;
    filter.cursor = page->cursor;
    // The prototype's rule: a missing or empty instance_id means no filter.
    if (auto instance_id = request.Query("instance_id"); instance_id && !instance_id->empty()) {
        filter.instance_id = std::move(*instance_id);
    }
    if (auto status = request.Query("status"); status && !status->empty()) {
        filter.status = domain::ParseDeploymentStatus(*status);
        if (!filter.status) {
            return Invalid("status", "'" + *status + "' is not a deployment status");
        }
    }
    return filter;
}

boost::asio::awaitable<http::Response> ListDeployments(Services& services, Call& call) {
    auto filter = ParseDeploymentFilter(call.request);
    if (!filter) {
        co_return ToResponse(filter.error());
    }
    std::size_t limit = filter->limit;
    auto deployments = co_await services.context.deployments.List(*filter);
    if (!deployments) {
        co_return ToResponse(FromError(deployments.error()));
    }
    boost::json::array list;
    for (const auto& deployment : *deployments) {
        list.push_back(DeploymentJson(deployment));
    }
    http::Response response = JsonResponse(200, list);
    AddNextCursor(response, deployments->size(), limit,
                  deployments->empty() ? std::string() : deployments->back().id);
    co_return response;
}

}  // namespace

void AddDeploymentRoutes(Router& router, Services& services) {
    router.Add({"POST", "/api/v1/deployments", domain::Role::kOperator,
                [&services](Call& call) { return CreateDeployment(services, call); }});
    router.Add({"GET", "/api/v1/deployments", domain::Role::kViewer,
                [&services](Call& call) { return ListDeployments(services, call); }});
    router.Add({"GET", "/api/v1/deployments/{id}", domain::Role::kViewer,
                [&services](Call& call) { return GetDeployment(services, call); }});
}

}  // namespace waka::coordinator::api
