#include <memory>

#include "coordinator/api/json_input.hpp"
#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/deploy/approval_service.hpp"

// POST /api/v1/deployments/{id}/approve, /reject and /cancel with {"comment"} (docs/policies.md
// "Approvals"). The comment is optional to approve and required to reject or cancel: a refusal or
// a withdrawal must say why, for the requester and the audit log.
namespace waka::coordinator::api {
namespace {

constexpr std::size_t kMaxComment = 1024;

enum class Verb { kApprove, kReject, kCancel };

ApiExpected<std::string> ParseComment(std::string_view body, bool required) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    std::string comment = reader.String("comment").value_or("");
    if (required && comment.find_first_not_of(" \t\r\n") == std::string::npos) {
        reader.Fail("comment", "is required and must not be blank: say why");
    }
    if (comment.size() > kMaxComment) {
        reader.Fail("comment", "must be at most 1024 characters");
    }
    return Validated(std::move(comment), reader.Finish());
}

boost::asio::awaitable<http::Response> Decide(deploy::ApprovalService& approvals, Verb verb,
                                              Call& call) {
    auto comment = ParseComment(call.request.body, verb != Verb::kApprove);
    if (!comment) {
        co_return ToResponse(comment.error());
    }
    const std::string id = call.Param("id");
    Expected<deploy::ApprovalAnswer> answer = MakeError(Errc::kInternal, "no decision");
    switch (verb) {
        case Verb::kApprove:
            answer = co_await approvals.Approve(call.principal, id, *comment);
            break;
        case Verb::kReject:
            answer = co_await approvals.Reject(call.principal, id, *comment);
            break;
        case Verb::kCancel:
            answer = co_await approvals.Cancel(call.principal, id, *comment);
            break;
    }
    if (!answer) {
        co_return ToResponse(FromError(answer.error()));
    }
    boost::json::object body = DeploymentJson(answer->deployment);
    if (answer->cancel_requested) {
        body["cancel_requested"] = true;
        co_return JsonResponse(202, body);
    }
    co_return JsonResponse(200, body);
}

}  // namespace

void AddApprovalRoutes(Router& router, Services& services) {
    deploy::ApprovalService* approvals = &services.context.approvals;
    // Who may approve is the policy's approver_roles (any role may be listed), checked by the
    // service; the route itself only needs an authenticated caller.
    router.Add({"POST", "/api/v1/deployments/{id}/approve", domain::Role::kViewer,
                [approvals](Call& call) { return Decide(*approvals, Verb::kApprove, call); }});
    router.Add({"POST", "/api/v1/deployments/{id}/reject", domain::Role::kViewer,
                [approvals](Call& call) { return Decide(*approvals, Verb::kReject, call); }});
    router.Add({"POST", "/api/v1/deployments/{id}/cancel", domain::Role::kOperator,
                [approvals](Call& call) { return Decide(*approvals, Verb::kCancel, call); }});
}

}  // namespace waka::coordinator::api
