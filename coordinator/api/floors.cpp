#include <boost/json.hpp>

#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/routes.hpp"
#include "shared/release/floor.hpp"
#include "shared/release/trusted_keys.hpp"

// Anti-rollback floors (ADR 0022): the publisher signs one offline (wakactl release floor), an
// operator hands it to the coordinator, which checks it against the trusted keys, stores it if it
// raises the component's floor, and forwards it to every agent with every instruction and Welcome.
namespace waka::coordinator::api {
namespace {

boost::json::object FloorJson(const domain::Floor& f) {
    return {{"component_type", f.component_type},
            {"component_name", f.component_name},
            {"min_version", f.min_version},
            {"reason", f.reason},
            {"release_key_id", f.key_id},
            {"created_by", f.created_by},
            {"created_at", FormatRfc3339(f.created_at)}};
}

// The body is the floor file; every refusal names its check (422) and stores nothing.
Expected<domain::Floor> VerifiedFloor(const release::TrustSettings& trust,
                                      const std::string& body) {
    auto decoded = release::DecodeFloorFile(body);
    if (!decoded) {
        return decoded.error();
    }
    auto keys = release::LoadTrustedKeys(trust);
    if (!keys) {
        return MakeError(Errc::kInternal, keys.error().message);
    }
    auto floor = keys->VerifyFloor(*decoded);
    if (!floor) {
        return floor.error();
    }
    domain::Floor out;
    out.component_type = floor->component_type;
    out.component_name = floor->component_name;
    out.min_version = floor->min_version;
    out.reason = floor->reason;
    out.key_id = floor->key_id;
    out.statement = decoded->statement;
    out.signature = decoded->signature;
    return out;
}

boost::asio::awaitable<http::Response> RaiseFloor(Services& services, Call& call) {
    auto floor = VerifiedFloor(services.context.release_trust, call.request.body);
    if (!floor) {
        co_return ToResponse(FromError(floor.error()));
    }
    auto raised =
        co_await services.context.repositories.floors.Raise(call.principal, std::move(*floor));
    if (!raised) {
        co_return ToResponse(FromError(raised.error()));
    }
    co_return JsonResponse(201, FloorJson(*raised));
}

boost::asio::awaitable<http::Response> ListFloors(Services& services, Call&) {
    auto floors = co_await services.context.repositories.floors.List();
    if (!floors) {
        co_return ToResponse(FromError(floors.error()));
    }
    boost::json::array out;
    for (const auto& floor : *floors) {
        out.push_back(FloorJson(floor));
    }
    co_return JsonResponse(200, out);
}

}  // namespace

void AddFloorRoutes(Router& router, Services& services) {
    router.Add({"PUT", "/api/v1/floors", domain::Role::kPublisher,
                [&services](Call& call) { return RaiseFloor(services, call); }});
    router.Add({"GET", "/api/v1/floors", domain::Role::kViewer,
                [&services](Call& call) { return ListFloors(services, call); }});
}

}  // namespace waka::coordinator::api
