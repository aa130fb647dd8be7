#include <charconv>

#include "coordinator/api/compile_input.hpp"
#include "coordinator/api/json_input.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/rollout_json.hpp"
#include "coordinator/api/routes.hpp"

// POST /api/v1/rollouts, GET /api/v1/rollouts[/{id}], POST /api/v1/rollouts/{id}/pause | resume |
// abort | revert | approve, and POST /api/v1/security/patches/{id}/rollout (docs/rollouts.md).
// The services and the repository decide; this file reads requests and writes answers.
namespace waka::coordinator::api {
namespace {

constexpr std::size_t kDefaultMemberLimit = 1000;
constexpr std::size_t kMaxMemberLimit = 10000;
constexpr std::size_t kMaxReason = 1024;

boost::asio::awaitable<http::Response> CreateRollout(deploy::RolloutService& rollouts,
                                                     deploy::ResolutionService& resolution,
                                                     Call& call) {
    auto request = ParseRolloutRequest(call.request.body);
    if (!request) {
        co_return ToResponse(request.error());
    }
    if (request->constraints) {
        // As compile refuses them: a constraint on a component the catalog does not hold.
        auto index = co_await resolution.Catalog();
        if (!index) {
            co_return ToResponse(FromError(index.error()));
        }
        if (auto unknown = CheckKnownComponents("constraints", **index, *request->constraints)) {
            co_return ToResponse(*unknown);
        }
    }
    auto created = co_await rollouts.Create(call.principal, *request);
    if (!created) {
        co_return ToResponse(RolloutError(created.error()));
    }
    co_return JsonResponse(201, RolloutJson(*created));
}

ApiExpected<ports::RolloutListFilter> ParseListFilter(const http::Request& request) {
    auto page = ParsePage(request);
    if (!page) {
        return page.error();
    }
    ports::RolloutListFilter filter{std::nullopt, page->limit, page->cursor};
    if (auto state = request.Query("state")) {
        filter.state = domain::ParseRolloutState(*state);
        if (!filter.state) {
            return Invalid("state",
                           "must be running, paused, succeeded, aborted, reverting or reverted");
        }
    }
    return filter;
}

boost::asio::awaitable<http::Response> ListRollouts(deploy::RolloutService& rollouts, Call& call) {
    auto filter = ParseListFilter(call.request);
    if (!filter) {
        co_return ToResponse(filter.error());
    }
    auto listed = co_await rollouts.List(*filter);
    if (!listed) {
        co_return ToResponse(FromError(listed.error()));
    }
    boost::json::array list;
    for (const auto& rollout : *listed) {
        list.push_back(RolloutJson(rollout));
    }
    http::Response response = JsonResponse(200, list);
    AddNextCursor(response, listed->size(), filter->limit,
                  listed->empty() ? std::string() : listed->back().id);
    co_return response;
}

ApiExpected<std::size_t> ParseMemberLimit(const http::Request& request) {
    auto text = request.Query("member_limit");
    if (!text) {
        return ApiExpected<std::size_t>(boost::system::in_place_value, kDefaultMemberLimit);
    }
    std::size_t limit = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (error != std::errc() || end != text->data() + text->size() || limit > kMaxMemberLimit) {
        return Invalid("member_limit", "must be a whole number from 0 to 10000");
    }
    return ApiExpected<std::size_t>(boost::system::in_place_value, limit);
}

boost::asio::awaitable<http::Response> GetRollout(deploy::RolloutService& rollouts, Call& call) {
    auto limit = ParseMemberLimit(call.request);
    if (!limit) {
        co_return ToResponse(limit.error());
    }
    auto rollout = co_await rollouts.Get(call.Param("id"), *limit);
    if (!rollout) {
        co_return ToResponse(FromError(rollout.error()));
    }
    co_return JsonResponse(200, RolloutJson(*rollout));
}

// {"reason"}: required to abort or revert (the audit log and the members' rollbacks carry it).
ApiExpected<std::string> ParseReason(std::string_view body, std::string_view field, bool required) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    std::string reason = reader.String(field).value_or("");
    if (required && reason.find_first_not_of(" \t\r\n") == std::string::npos) {
        reader.Fail(field, "is required and must not be blank: say why");
    }
    if (reason.size() > kMaxReason) {
        reader.Fail(field, "must be at most 1024 characters");
    }
    return Validated(std::move(reason), reader.Finish());
}

boost::asio::awaitable<http::Response> ControlRollout(deploy::RolloutService& rollouts,
                                                      domain::RolloutEvent event, Call& call) {
    const bool required =
        event == domain::RolloutEvent::kAbort || event == domain::RolloutEvent::kRevert;
    auto reason = ParseReason(call.request.body, "reason", required);
    if (!reason) {
        co_return ToResponse(reason.error());
    }
    auto after = co_await rollouts.Control(call.principal, call.Param("id"), event, *reason);
    if (!after) {
        co_return ToResponse(FromError(after.error()));
    }
    co_return JsonResponse(200, RolloutJson(*after));
}

boost::asio::awaitable<http::Response> ApproveRollout(deploy::RolloutService& rollouts,
                                                      Call& call) {
    auto comment = ParseReason(call.request.body, "comment", false);
    if (!comment) {
        co_return ToResponse(comment.error());
    }
    auto answer = co_await rollouts.Approve(call.principal, call.Param("id"), *comment);
    if (!answer) {
        co_return ToResponse(FromError(answer.error()));
    }
    boost::json::array refused;
    for (const auto& [deployment_id, why] : answer->refused) {
        refused.push_back({{"deployment_id", deployment_id}, {"detail", why}});
    }
    co_return JsonResponse(
        200, boost::json::object{{"approved", answer->approved}, {"refused", std::move(refused)}});
}

// A patch's rollout (ADR 0038): the answer is the rollout with what the patch was found to
// affect.
boost::asio::awaitable<http::Response> CreatePatchRollout(deploy::PatchService& patches,
                                                          Call& call) {
    auto request = ParsePatchRolloutRequest(call.request.body, std::string(call.Param("id")));
    if (!request) {
        co_return ToResponse(request.error());
    }
    auto started = co_await patches.StartRollout(call.principal, *request);
    if (!started) {
        co_return ToResponse(RolloutError(started.error()));
    }
    boost::json::object body = RolloutJson(started->rollout);
    body["instances_checked"] = started->instances_checked;
    body["affected"] = started->affected;
    body["conflicts"] = started->conflicts;
    co_return JsonResponse(201, body);
}

}  // namespace

void AddRolloutRoutes(Router& router, Services& services) {
    deploy::RolloutService* rollouts = &services.context.rollouts;
    using domain::RolloutEvent;
    deploy::ResolutionService* resolution = &services.context.resolution;
    router.Add(
        {"POST", "/api/v1/rollouts", domain::Role::kOperator, [rollouts, resolution](Call& call) {
             return CreateRollout(*rollouts, *resolution, call);
         }});
    router.Add({"GET", "/api/v1/rollouts", domain::Role::kViewer,
                [rollouts](Call& call) { return ListRollouts(*rollouts, call); }});
    router.Add({"GET", "/api/v1/rollouts/{id}", domain::Role::kViewer,
                [rollouts](Call& call) { return GetRollout(*rollouts, call); }});
    for (auto [verb, event] :
         {std::pair{"pause", RolloutEvent::kPause}, std::pair{"resume", RolloutEvent::kResume},
          std::pair{"abort", RolloutEvent::kAbort}, std::pair{"revert", RolloutEvent::kRevert}}) {
        router.Add({"POST", std::string("/api/v1/rollouts/{id}/") + verb, domain::Role::kOperator,
                    [rollouts, event = event](Call& call) {
                        return ControlRollout(*rollouts, event, call);
                    }});
    }
    // Who may approve is each member deployment's approval rule (checked by the approval
    // service, four-eyes included); the route only needs an authenticated caller.
    router.Add({"POST", "/api/v1/rollouts/{id}/approve", domain::Role::kViewer,
                [rollouts](Call& call) { return ApproveRollout(*rollouts, call); }});
    deploy::PatchService* patches = &services.context.patches;
    router.Add({"POST", "/api/v1/security/patches/{id}/rollout", domain::Role::kOperator,
                [patches](Call& call) { return CreatePatchRollout(*patches, call); }});
}

}  // namespace waka::coordinator::api
