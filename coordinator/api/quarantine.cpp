#include <boost/json.hpp>
#include <memory>

#include "coordinator/api/json_input.hpp"
#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/ports/quarantine_repository.hpp"

// Versions quarantined on an instance after a rollback or a failed deployment
// (docs/patches-and-rollback.md): listed, and cleared by an operator with a reason.
namespace waka::coordinator::api {
namespace {

constexpr std::size_t kMaxReason = 65536;

boost::json::value TextOrNull(const std::optional<std::string>& text) {
    return text ? boost::json::value(*text) : boost::json::value(nullptr);
}

boost::json::object QuarantineJson(const domain::Quarantine& q) {
    return {{"id", q.id},
            {"instance_id", q.instance_id},
            {"component_type", q.component_type},
            {"component_name", q.component_name},
            {"version", q.version},
            {"deployment_id", TextOrNull(q.deployment_id)},
            {"reason", q.reason},
            {"created_at", FormatRfc3339(q.created_at)},
            {"active", !q.cleared_at.has_value()},
            {"cleared_at", TimeJson(q.cleared_at)},
            {"cleared_by", TextOrNull(q.cleared_by)},
            {"clear_reason", TextOrNull(q.clear_reason)}};
}

boost::asio::awaitable<http::Response> ListQuarantine(Services& services,
                                                      ports::QuarantineRepository& quarantines,
                                                      Call& call) {
    std::string instance_id = call.Param("id");
    const auto flag = call.request.Query("include_cleared").value_or("false");
    if (flag != "true" && flag != "false") {
        co_return ToResponse(Invalid("include_cleared", "must be true or false"));
    }
    auto instance = co_await services.instances.Get(instance_id);
    if (!instance) {
        co_return ToResponse(FromError(instance.error()));
    }
    auto list = co_await quarantines.List(instance_id, flag == "true");
    if (!list) {
        co_return ToResponse(FromError(list.error()));
    }
    boost::json::array array;
    for (const auto& q : *list) {
        array.push_back(QuarantineJson(q));
    }
    co_return JsonResponse(200, array);
}

ApiExpected<std::string> ParseClear(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    auto reason = reader.String("reason").value_or("");
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
        reader.Fail("reason", "is required: say why the version may come back");
    } else if (reason.size() > kMaxReason) {
        reader.Fail("reason", "is longer than 65536 bytes");
    }
    return Validated(std::move(reason), reader.Finish());
}

boost::asio::awaitable<http::Response> ClearQuarantine(ports::QuarantineRepository& quarantines,
                                                       Call& call) {
    auto reason = ParseClear(call.request.body);
    if (!reason) {
        co_return ToResponse(reason.error());
    }
    std::string instance_id = call.Param("id");
    std::string id = call.Param("quarantine_id");
    auto cleared = co_await quarantines.Clear(call.principal, instance_id, id, std::move(*reason));
    if (!cleared) {
        co_return ToResponse(FromError(cleared.error()));
    }
    co_return JsonResponse(200, QuarantineJson(*cleared));
}

}  // namespace

void AddQuarantineRoutes(Router& router, Services& services) {
    // Shared by the handlers, which live as long as the router.
    auto quarantines = &services.context.repositories.quarantines;
    router.Add({"GET", "/api/v1/instances/{id}/quarantine", domain::Role::kViewer,
                [&services, quarantines](Call& call) {
                    return ListQuarantine(services, *quarantines, call);
                }});
    router.Add({"POST", "/api/v1/instances/{id}/quarantine/{quarantine_id}/clear",
                domain::Role::kOperator,
                [quarantines](Call& call) { return ClearQuarantine(*quarantines, call); }});
}

}  // namespace waka::coordinator::api
