#include <boost/json.hpp>
#include <memory>

#include "coordinator/api/json_input.hpp"
#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/domain/rollback_rules.hpp"
#include "coordinator/ports/deployment_repository.hpp"
#include "shared/core/ids.hpp"

// Rollbacks (docs/patches-and-rollback.md): deployments of kind rollback, shown with the
// prototype's field names and status strings (REFERENCE.md).
namespace waka::coordinator::api {
namespace {

constexpr std::size_t kMaxReason = 65536;
constexpr std::size_t kRecentRollbacks = 10;

boost::json::value TextOrNull(const std::optional<std::string>& text) {
    return text ? boost::json::value(*text) : boost::json::value(nullptr);
}

// The prototype's fields first, then what the prototype lacked (who, why, the plan, the events and
// the underlying deployment's own status).
boost::json::object RollbackJson(const domain::Deployment& d, bool with_details) {
    boost::json::object out{{"id", d.id},
                            {"instance_id", d.instance_id},
                            {"from_manifest_id", TextOrNull(d.previous_manifest_id)},
                            {"to_manifest_id", d.manifest_id},
                            {"status", std::string(domain::RollbackStatus(d.status))},
                            {"initiated_at", FormatRfc3339(d.created_at)},
                            {"started_at", TimeJson(d.started_at)},
                            {"completed_at", TimeJson(d.completed_at)},
                            {"error_message", TextOrNull(d.error_message)},
                            {"reason", d.reason},
                            {"requested_by", d.requested_by},
                            {"skip_validation", d.skip_validation},
                            {"deployment_id", d.id},
                            {"deployment_status", domain::ToString(d.status)}};
    if (with_details) {
        auto full = DeploymentJson(d);
        out["plan"] = full["plan"];
        out["events"] = full["events"];
    }
    return out;
}

boost::json::object RunJson(const domain::ManifestRun& run) {
    return {{"manifest_id", run.manifest_id},
            {"deployment_id", run.deployment_id},
            {"kind", run.kind},
            {"previous_manifest_id", TextOrNull(run.previous_manifest_id)},
            {"deployed_at", FormatRfc3339(run.completed_at)}};
}

void CheckInstanceId(ObjectReader& reader, const std::optional<std::string>& id) {
    if (!id) {
        reader.Fail("instance_id", "is required (query parameter instance_id)");
    } else if (!IsValidId(*id)) {
        reader.Fail("instance_id", "is not a valid instance id");
    }
}

// The runbook's form: instance_id in the query, the rest in the body. instance_id may also come
// in the body (it must then match the query's, when both are given).
ApiExpected<deploy::CreateRollbackRequest> ParseRollbackRequest(const http::Request& request) {
    auto object = ParseJsonObject(request.body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    deploy::CreateRollbackRequest rollback;
    auto query_id = request.Query("instance_id");
    auto body_id = reader.String("instance_id");
    if (query_id && body_id && *query_id != *body_id) {
        reader.Fail("instance_id", "the query and the body name different instances");
    }
    auto instance_id = query_id ? query_id : body_id;
    CheckInstanceId(reader, instance_id);
    rollback.to_manifest_id = reader.String("to_manifest_id");
    if (rollback.to_manifest_id && !IsValidId(*rollback.to_manifest_id)) {
        reader.Fail("to_manifest_id", "is not a valid manifest id");
    }
    rollback.reason = reader.String("reason").value_or("");
    if (rollback.reason.find_first_not_of(" \t\r\n") == std::string::npos) {
        reader.Fail("reason", "is required: say why the instance is rolled back");
    } else if (rollback.reason.size() > kMaxReason) {
        reader.Fail("reason", "is longer than 65536 bytes");
    }
    rollback.dry_run = reader.Bool("dry_run").value_or(false);
    rollback.skip_validation = reader.Bool("skip_validation").value_or(false);
    rollback.instance_id = instance_id.value_or("");
    return Validated(std::move(rollback), reader.Finish());
}

ApiError SkipValidationForbidden(const domain::Principal& principal) {
    ApiError error;
    error.status = 403;
    error.code = "forbidden";
    error.detail = "skip_validation needs the admin role; " + principal.actor + " has the " +
                   std::string(domain::RoleName(principal.role)) + " role";
    return error;
}

boost::asio::awaitable<http::Response> CreateRollback(Services& services, Call& call) {
    auto request = ParseRollbackRequest(call.request);
    if (!request) {
        co_return ToResponse(request.error());
    }
    if (request->skip_validation && call.principal.role != domain::Role::kAdmin) {
        co_return ToResponse(SkipValidationForbidden(call.principal));
    }
    auto outcome = co_await services.context.deployments.CreateRollback(call.principal, *request);
    if (!outcome) {
        co_return ToResponse(FromError(outcome.error()));
    }
    boost::json::object body = RollbackJson(outcome->deployment, true);
    if (outcome->dry_run) {
        body["dry_run"] = true;
        body["decision"] = outcome->decision;
        co_return JsonResponse(200, body);
    }
    co_return JsonResponse(201, body);
}

boost::asio::awaitable<http::Response> GetRollback(Services& services, Call& call) {
    auto deployment = co_await services.context.deployments.Get(call.Param("id"));
    if (!deployment && !deployment.error().Is(Errc::kNotFound)) {
        co_return ToResponse(FromError(deployment.error()));
    }
    if (!deployment || deployment->kind != "rollback") {
        co_return ToResponse(NotFound("Rollback not found"));
    }
    co_return JsonResponse(200, RollbackJson(*deployment, true));
}

boost::asio::awaitable<http::Response> ListRollbacks(ports::DeploymentRepository& rollbacks,
                                                     Call& call) {
    auto page = ParsePage(call.request);
    if (!page) {
        co_return ToResponse(page.error());
    }
    ports::RollbackListFilter filter{std::nullopt, page->limit, page->cursor};
    // The prototype's rule: a missing or empty instance_id means no filter.
    if (auto instance_id = call.request.Query("instance_id");
        instance_id && !instance_id->empty()) {
        filter.instance_id = std::move(*instance_id);
    }
    auto list = co_await rollbacks.ListRollbacks(filter);
    if (!list) {
        co_return ToResponse(FromError(list.error()));
    }
    boost::json::array array;
    for (const auto& rollback : *list) {
        array.push_back(RollbackJson(rollback, false));
    }
    http::Response response = JsonResponse(200, array);
    AddNextCursor(response, list->size(), page->limit, list->empty() ? "" : list->back().id);
    co_return response;
}

boost::json::array RunsJson(const std::vector<domain::ManifestRun>& runs) {
    boost::json::array array;
    for (const auto& run : runs) {
        array.push_back(RunJson(run));
    }
    return array;
}

boost::asio::awaitable<http::Response> RollbackHistory(ports::DeploymentRepository& rollbacks,
                                                       Call& call) {
    std::string instance_id = call.Param("instance_id");
    std::string no_target;
    auto history = co_await rollbacks.History(instance_id, no_target);
    if (!history) {
        co_return ToResponse(FromError(history.error()));
    }
    if (!history->found) {
        co_return ToResponse(NotFound("Instance " + instance_id + " not found"));
    }
    ports::RollbackListFilter filter{instance_id, kRecentRollbacks, std::nullopt};
    auto recent = co_await rollbacks.ListRollbacks(filter);
    if (!recent) {
        co_return ToResponse(FromError(recent.error()));
    }
    boost::json::array recent_json;
    for (const auto& rollback : *recent) {
        recent_json.push_back(RollbackJson(rollback, false));
    }
    co_return JsonResponse(
        200, boost::json::object{
                 {"instance_id", instance_id},
                 {"total_rollbacks", history->total_rollbacks},
                 {"successful_rollbacks", history->successful_rollbacks},
                 {"failed_rollbacks", history->failed_rollbacks},
                 {"recent_rollbacks", std::move(recent_json)},
                 {"available_manifests", RunsJson(history->available)},
                 {"current_manifest_id", TextOrNull(history->current_manifest_id)},
                 {"default_target_manifest_id", TextOrNull(domain::PreviousManifest(*history))},
                 {"deployments", RunsJson(history->runs)}});
}

}  // namespace

void AddRollbackRoutes(Router& router, Services& services) {
    // Shared by the handlers, which live as long as the router.
    ports::DeploymentRepository* rollbacks = &services.context.repositories.deployments;
    router.Add({"POST", "/api/v1/rollback", domain::Role::kOperator,
                [&services](Call& call) { return CreateRollback(services, call); }});
    router.Add({"GET", "/api/v1/rollback", domain::Role::kViewer,
                [rollbacks](Call& call) { return ListRollbacks(*rollbacks, call); }});
    router.Add({"GET", "/api/v1/rollback/{id}", domain::Role::kViewer,
                [&services](Call& call) { return GetRollback(services, call); }});
    router.Add({"GET", "/api/v1/rollback/history/{instance_id}", domain::Role::kViewer,
                [rollbacks](Call& call) { return RollbackHistory(*rollbacks, call); }});
}

}  // namespace waka::coordinator::api
