#include <boost/json.hpp>
#include <memory>

#include "coordinator/api/json_input.hpp"
#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/api/semver_rules.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/domain/resolution_rules.hpp"
#include "coordinator/ports/pin_repository.hpp"
#include "shared/core/ids.hpp"

// Version pins (docs/resolution.md): the runbook's POST /versions/pin?instance_id=..., the list
// of an instance's pins and DELETE. A pin is checked against the catalog and against the
// instance's state before it is stored.
namespace waka::coordinator::api {
namespace {

constexpr std::size_t kMaxReason = 1024;

struct PinRoutes {
    explicit PinRoutes(Services& shared)
        : services(shared),
          pins(shared.context.repositories.pins),
          resolution(shared.context.resolution),
          clock(shared.context.clock) {}

    Services& services;
    ports::PinRepository& pins;
    deploy::ResolutionService& resolution;
    const Clock& clock;
};

void CheckPinnedVersion(ObjectReader& reader, const std::optional<std::string>& text) {
    if (!text) {
        return;
    }
    if (auto problem = CheckSemVerRange(*text)) {
        reader.Fail("pinned_version", "'" + *text +
                                          "' is neither a version nor a range (e.g. 1.5.0, "
                                          "~1.5.2, >=2.0.0 <3.0.0): " +
                                          *problem);
    }
}

void CheckExpiry(ObjectReader& reader, const std::optional<std::string>& text,
                 domain::PinRecord& pin, TimePoint now) {
    if (!text) {
        return;
    }
    pin.expires_at = ParseRfc3339(*text);
    if (!pin.expires_at) {
        reader.Fail("expires_at",
                    "must be an RFC 3339 timestamp with a time zone, e.g. 2026-12-31T23:00:00Z");
    } else if (*pin.expires_at <= now) {
        reader.Fail("expires_at", "is in the past (" + FormatRfc3339(*pin.expires_at) +
                                      " is not after now, " + FormatRfc3339(now) + ")");
    }
}

// The runbook's form: instance_id in the query, the pin in the body (instance_id is also
// accepted in the body).
ApiExpected<domain::PinRecord> ParsePinRequest(const http::Request& request, TimePoint now) {
    auto object = ParseJsonObject(request.body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    domain::PinRecord pin;
    auto from_body = reader.String("instance_id");
    auto from_query = request.Query("instance_id");
    auto type = reader.String("component_type", true);
    auto name = reader.String("component_name", true);
    auto version = reader.String("pinned_version", true);
    auto reason = reader.String("reason");
    auto expires = reader.String("expires_at");
    auto instance = from_query ? from_query : from_body;
    if (!instance) {
        reader.Fail("instance_id", "is required (query parameter ?instance_id=...)");
    } else if (!IsValidId(*instance)) {
        reader.Fail("instance_id", "is not a valid instance id");
    } else if (from_body && *from_body != *instance) {
        reader.Fail("instance_id", "differs between the query and the body");
    }
    if (type && !IsComponentType(*type)) {
        reader.Fail("component_type", "must be one of platform, suite, capability");
    }
    if (name && !IsValidId(*name)) {
        reader.Fail("component_name", "is not a valid component name");
    }
    CheckPinnedVersion(reader, version);
    if (reason && reason->size() > kMaxReason) {
        reader.Fail("reason", "must be at most 1024 characters");
    }
    CheckExpiry(reader, expires, pin, now);
    pin.instance_id = instance.value_or("");
    pin.component_type = type.value_or("");
    pin.component_name = name.value_or("");
    pin.pinned_version = version.value_or("");
    pin.reason = reason.value_or("");
    return Validated(std::move(pin), reader.Finish());
}

// What the catalog says about the pin: a known component and a version or range some release
// satisfies. 422 naming the field otherwise.
std::optional<ApiError> CheckAgainstCatalog(const domain::ResolutionContext& context,
                                            const domain::PinRecord& pin) {
    const std::string key = pin.Component();
    if (!context.index->Find(key)) {
        return Invalid("component_name", key +
                                             " is not in the catalog: register a version of it "
                                             "first (POST /api/v1/versions)");
    }
    if (!domain::PinMatchesARelease(*context.index, key, pin.pinned_version)) {
        return Invalid("pinned_version", "no registered release of " + key + " matches " +
                                             pin.pinned_version +
                                             " (GET /api/v1/versions lists them)");
    }
    return std::nullopt;
}

boost::asio::awaitable<http::Response> RefusePin(PinRoutes& routes, Call& call,
                                                 domain::PinRecord pin, const Error& error) {
    std::string detail = "Pinning " + pin.Component() + " to " + pin.pinned_version +
                         " would leave instance " + pin.instance_id +
                         " without a valid set of versions: " + error.message;
    auto recorded = co_await routes.pins.RecordRefusal(call.principal, std::move(pin), detail);
    if (!recorded) {
        co_return ToResponse(FromError(recorded.error()));
    }
    ApiError refused = Conflict(detail);
    refused.code = "pin_conflict";
    co_return ToResponse(refused);
}

boost::asio::awaitable<http::Response> CreatePin(PinRoutes& routes, Call& call) {
    auto pin = ParsePinRequest(call.request, routes.clock.Now());
    if (!pin) {
        co_return ToResponse(pin.error());
    }
    auto context = co_await routes.resolution.Load(pin->instance_id);
    if (!context) {
        co_return ToResponse(FromError(context.error()));
    }
    if (auto refused = CheckAgainstCatalog(*context, *pin)) {
        co_return ToResponse(*refused);
    }
    const domain::ResolutionContext& loaded = *context;
    const domain::PinRecord& candidate = *pin;
    auto admissible = co_await routes.resolution.Compute(
        [&] { return domain::CheckPinAdmissible(loaded, candidate); });
    if (!admissible) {
        if (!admissible.error().Is(Errc::kConflict)) {
            co_return ToResponse(FromError(admissible.error()));
        }
        co_return co_await RefusePin(routes, call, std::move(*pin), admissible.error());
    }
    // Between the check and the insert another pin may land; pins are rare operator actions, and
    // every resolution re-checks all pins, so the window costs at most a later refusal.
    auto created = co_await routes.pins.Create(call.principal, std::move(*pin));
    if (!created) {
        co_return ToResponse(FromError(created.error()));
    }
    co_return JsonResponse(201, PinJson(*created, routes.clock.Now()));
}

bool IncludeHistory(const http::Request& request) {
    auto value = request.Query("include_removed");
    return value && (*value == "true" || *value == "1");
}

boost::asio::awaitable<http::Response> ListPins(PinRoutes& routes, Call& call) {
    std::string instance_id = call.Param("instance_id");
    auto instance = co_await routes.services.instances.Get(instance_id);
    if (!instance) {
        co_return ToResponse(FromError(instance.error()));
    }
    auto pins = co_await routes.pins.List(instance_id, IncludeHistory(call.request));
    if (!pins) {
        co_return ToResponse(FromError(pins.error()));
    }
    boost::json::array list;
    for (const auto& pin : *pins) {
        list.push_back(PinJson(pin, routes.clock.Now()));
    }
    co_return JsonResponse(200, list);
}

boost::asio::awaitable<http::Response> DeletePin(PinRoutes& routes, Call& call) {
    auto removed = co_await routes.pins.Remove(call.principal, call.Param("pin_id"));
    if (!removed) {
        co_return ToResponse(FromError(removed.error()));
    }
    co_return NoContent();
}

}  // namespace

void AddPinRoutes(Router& router, Services& services) {
    // Shared by the handlers, which live as long as the router.
    auto routes = std::make_shared<PinRoutes>(services);
    router.Add({"POST", "/api/v1/versions/pin", domain::Role::kOperator,
                [routes](Call& call) { return CreatePin(*routes, call); }});
    router.Add({"GET", "/api/v1/versions/pins/{instance_id}", domain::Role::kViewer,
                [routes](Call& call) { return ListPins(*routes, call); }});
    router.Add({"DELETE", "/api/v1/versions/pin/{pin_id}", domain::Role::kOperator,
                [routes](Call& call) { return DeletePin(*routes, call); }});
}

}  // namespace waka::coordinator::api
