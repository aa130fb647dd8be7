#include <boost/json/array.hpp>
#include <chrono>

#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/domain/selector.hpp"
#include "coordinator/ports/pin_repository.hpp"
#include "shared/core/crypto.hpp"

namespace waka::coordinator::api {
namespace {

// An enrollment token left unused this long stops working; the operator registers anew.
constexpr auto kEnrollmentValidity = std::chrono::hours(24 * 7);

// 422 naming the field, as every other query and body field the API refuses (a rollout's selector
// too), so clients handle one shape.
ApiError BadSelector(std::string problem) { return Invalid("selector", std::move(problem)); }

bool IsConnected(const Services& services, const domain::Instance& instance) {
    if (services.context.is_connected) {
        return services.context.is_connected(instance.id);
    }
    return instance.connection_state == "connected";
}

boost::asio::awaitable<http::Response> CreateInstance(Services& services, Call& call) {
    auto request = ParseInstanceRequest(call.request.body);
    if (!request) {
        co_return ToResponse(request.error());
    }
    std::string enrollment_token = "enroll_" + RandomHex(24);
    ports::NewInstance input{request->id, std::move(request->labels), Sha256Hex(enrollment_token),
                             services.context.clock.Now() + kEnrollmentValidity};
    TimePoint expires_at = input.enrollment_expires_at;
    auto created = co_await services.instances.Create(call.principal, std::move(input));
    if (!created) {
        co_return ToResponse(FromError(created.error()));
    }
    boost::json::object body = InstanceJson(*created, false);
    // Shown once: only its hash is stored.
    body["enrollment_token"] = enrollment_token;
    body["enrollment_expires_at"] = FormatRfc3339(expires_at);
    co_return SecretJsonResponse(201, body);
}

// A selector that does not parse: 422 naming the problem (ADR 0036).
ApiExpected<std::optional<domain::Selector>> ParseSelectorQuery(const http::Request& request) {
    std::optional<domain::Selector> selector;
    for (const auto& [name, value] : request.query) {
        if (name != "selector") {
            continue;
        }
        if (selector) {
            return BadSelector("give one selector; join its requirements with ','");
        }
        auto parsed = domain::ParseSelector(value);
        if (!parsed) {
            return BadSelector(parsed.error().message);
        }
        selector = std::move(*parsed);
    }
    return selector;
}

ApiExpected<ports::InstanceFilter> ParseInstanceFilter(const http::Request& request) {
    auto page = ParsePage(request);
    if (!page) {
        return page.error();
    }
    ports::InstanceFilter filter;
    filter.limit = page->limit;
    filter.after_id = page->cursor;
    for (const auto& [name, value] : request.query) {
        if (name != "label") {
            continue;
        }
        auto selector = ParseLabelSelector(value);
        if (!selector) {
            return selector.error();
        }
        filter.labels[selector->first] = selector->second;
    }
    auto selector = ParseSelectorQuery(request);
    if (!selector) {
        return selector.error();
    }
    filter.selector = std::move(*selector);
    if (auto include = request.Query("include_decommissioned")) {
        if (*include != "true" && *include != "false") {
            return Invalid("include_decommissioned", "must be true or false");
        }
        filter.include_decommissioned = *include == "true";
    }
    return filter;
}

boost::asio::awaitable<http::Response> ListInstances(Services& services, Call& call) {
    auto filter = ParseInstanceFilter(call.request);
    if (!filter) {
        co_return ToResponse(filter.error());
    }
    std::size_t limit = filter->limit;
    auto instances = co_await services.instances.List(std::move(*filter));
    if (!instances) {
        co_return ToResponse(FromError(instances.error()));
    }
    boost::json::array list;
    for (const auto& instance : *instances) {
        list.push_back(InstanceJson(instance, IsConnected(services, instance)));
    }
    http::Response response = JsonResponse(200, list);
    AddNextCursor(response, instances->size(), limit,
                  instances->empty() ? std::string() : instances->back().id);
    co_return response;
}

boost::asio::awaitable<http::Response> GetInstance(Services& services, Call& call) {
    auto instance = co_await services.instances.Get(call.Param("id"));
    if (!instance) {
        co_return ToResponse(FromError(instance.error()));
    }
    // The instance's pins (docs/design.md §5: the detail shows them), expired ones with
    // active=false.
    ports::PinRepository& pin_store = services.context.repositories.pins;
    auto pins = co_await pin_store.List(instance->id, false);
    if (!pins) {
        co_return ToResponse(FromError(pins.error()));
    }
    boost::json::object body = InstanceJson(*instance, IsConnected(services, *instance));
    boost::json::array pin_list;
    for (const auto& pin : *pins) {
        pin_list.push_back(PinJson(pin, services.context.clock.Now()));
    }
    body["pins"] = std::move(pin_list);
    co_return JsonResponse(200, body);
}

boost::asio::awaitable<http::Response> ReplaceLabels(Services& services, Call& call) {
    auto labels = ParseLabelsRequest(call.request.body);
    if (!labels) {
        co_return ToResponse(labels.error());
    }
    auto instance =
        co_await services.instances.ReplaceLabels(call.principal, call.Param("id"), *labels);
    if (!instance) {
        co_return ToResponse(FromError(instance.error()));
    }
    co_return JsonResponse(200, InstanceJson(*instance, IsConnected(services, *instance)));
}

boost::asio::awaitable<http::Response> DecommissionInstance(Services& services, Call& call) {
    auto instance = co_await services.instances.Decommission(call.principal, call.Param("id"));
    if (!instance) {
        co_return ToResponse(FromError(instance.error()));
    }
    // Its certificates were revoked with it; a session it still holds ends now, not at its next
    // reconnect.
    if (services.context.disconnect_agent) {
        services.context.disconnect_agent(instance->id);
    }
    co_return NoContent();
}

}  // namespace

void AddInstanceRoutes(Router& router, Services& services) {
    router.Add({"POST", "/api/v1/instances", domain::Role::kOperator,
                [&services](Call& call) { return CreateInstance(services, call); }});
    router.Add({"GET", "/api/v1/instances", domain::Role::kViewer,
                [&services](Call& call) { return ListInstances(services, call); }});
    router.Add({"GET", "/api/v1/instances/{id}", domain::Role::kViewer,
                [&services](Call& call) { return GetInstance(services, call); }});
    router.Add({"PUT", "/api/v1/instances/{id}/labels", domain::Role::kOperator,
                [&services](Call& call) { return ReplaceLabels(services, call); }});
    router.Add({"DELETE", "/api/v1/instances/{id}", domain::Role::kAdmin,
                [&services](Call& call) { return DecommissionInstance(services, call); }});
}

}  // namespace waka::coordinator::api
