#include "coordinator/deploy/approval_service.hpp"

#include <algorithm>

#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/policy/decision.hpp"
#include "coordinator/store/approval_store.hpp"
#include "coordinator/store/deployment_store.hpp"
#include "coordinator/store/policy_store.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

namespace asio = boost::asio;

std::string JoinRoles(const std::vector<std::string>& roles) {
    std::string text;
    for (const auto& role : roles) {
        text += (text.empty() ? "" : ", ") + role;
    }
    return text;
}

}  // namespace

struct ApprovalService::Impl {
    Impl(db::Database& database, const Clock& clock_ref, DeploymentService& service)
        : approvals(database, clock_ref),
          policies(database, clock_ref),
          audit(database, clock_ref),
          clock(clock_ref),
          deployments(service) {}

    store::ApprovalStore approvals;
    store::PolicyStore policies;
    store::DeploymentStore audit;  // for refusals, which change nothing else
    const Clock& clock;
    DeploymentService& deployments;

    // The instance's policy as the decision sees it: none or a disabled one means the default.
    asio::awaitable<Expected<policy::Policy>> EffectivePolicy(const std::string& instance_id);
    asio::awaitable<Expected<ApprovalAnswer>> Decide(const store::Principal& by,
                                                     const std::string& deployment_id,
                                                     const std::string& comment, bool approve);
    asio::awaitable<void> AuditRefusal(const store::Principal& by, const std::string& verb,
                                       const store::Deployment& deployment,
                                       const std::string& reason);
    asio::awaitable<Expected<ApprovalAnswer>> Answer(const std::string& deployment_id,
                                                     bool cancel_requested);
};

asio::awaitable<Expected<policy::Policy>> ApprovalService::Impl::EffectivePolicy(
    const std::string& instance_id) {
    std::string id = instance_id;
    auto active = co_await policies.Active(id);
    if (!active) {
        co_return active.error().WithContext("load policy");
    }
    if (!*active || !(*active)->settings.enabled) {
        co_return policy::DefaultPolicy();
    }
    co_return (*active)->settings;
}

asio::awaitable<void> ApprovalService::Impl::AuditRefusal(const store::Principal& by,
                                                          const std::string& verb,
                                                          const store::Deployment& deployment,
                                                          const std::string& reason) {
    store::AuditDraft draft{by.actor,
                            "deployment." + verb,
                            "deployment",
                            deployment.id,
                            deployment.instance_id,
                            "refused",
                            reason,
                            "{}"};
    if (auto recorded = co_await audit.RecordAudit(draft); !recorded) {
        log::Warn("cannot audit a refused {} deployment_id={} error=\"{}\"", verb, deployment.id,
                  recorded.error().message);
    }
}

asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Impl::Answer(
    const std::string& deployment_id, bool cancel_requested) {
    auto deployment = co_await deployments.Get(deployment_id);
    if (!deployment) {
        co_return deployment.error();
    }
    co_return ApprovalAnswer{std::move(*deployment), cancel_requested};
}

asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Impl::Decide(
    const store::Principal& by, const std::string& deployment_id, const std::string& comment,
    bool approve) {
    const std::string verb = approve ? "approve" : "reject";
    auto deployment = co_await deployments.Get(deployment_id);
    if (!deployment) {
        co_return deployment.error();
    }
    auto settings = co_await EffectivePolicy(deployment->instance_id);
    if (!settings) {
        co_return settings.error();
    }
    const auto& roles = settings->approval.approver_roles;
    const std::string role(store::RoleName(by.role));
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
        const auto reason = "deciding on deployment " + deployment_id + " needs one of the roles " +
                            JoinRoles(roles) + " (the instance's policy); " + by.actor +
                            " has the " + role + " role";
        co_await AuditRefusal(by, verb, *deployment, reason);
        co_return MakeError(Errc::kPermissionDenied, reason);
    }
    store::ApprovalAction action{deployment_id, by, comment};
    Expected<store::ApprovalResult> result = MakeError(Errc::kInternal, "not decided");
    if (approve) {
        // Approvals complete: "then next window" (DESIGN §4.1), judged now.
        auto window = policy::DecideWindow(&*settings, clock.Now(), "approved");
        store::AfterApproval next{
            window.verdict == policy::Verdict::AllowNow ? "queued" : "scheduled", window.reason};
        result = co_await approvals.Approve(action, settings->approval.required_approvals, next);
    } else {
        result = co_await approvals.Reject(action);
    }
    if (!result) {
        if (result.error().Is(Errc::kPermissionDenied)) {
            co_await AuditRefusal(by, verb, *deployment, result.error().message);
        }
        co_return result.error();
    }
    log::Info("deployment {} deployment_id={} instance_id={} by={} approvals={}/{} status={}", verb,
              deployment_id, result->instance_id, by.actor, result->approvals, result->required,
              result->status);
    if (result->status == "queued") {
        co_await deployments.DispatchQueued(result->instance_id);
    }
    co_return co_await Answer(deployment_id, false);
}

ApprovalService::ApprovalService(db::Database& database, const Clock& clock,
                                 DeploymentService& deployments)
    : impl_(std::make_unique<Impl>(database, clock, deployments)) {}

ApprovalService::~ApprovalService() = default;

asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Approve(const store::Principal& by,
                                                                   const std::string& deployment_id,
                                                                   const std::string& comment) {
    co_return co_await impl_->Decide(by, deployment_id, comment, true);
}

asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Reject(const store::Principal& by,
                                                                  const std::string& deployment_id,
                                                                  const std::string& comment) {
    co_return co_await impl_->Decide(by, deployment_id, comment, false);
}

// A running deployment is the agent's to stop: it is asked first, and refused with 409 when this
// coordinator cannot reach it, so that no "cancel requested" event is recorded that nobody sent.
asio::awaitable<Expected<ApprovalAnswer>> ApprovalService::Cancel(const store::Principal& by,
                                                                  const std::string& deployment_id,
                                                                  const std::string& comment) {
    auto deployment = co_await impl_->deployments.Get(deployment_id);
    if (!deployment) {
        co_return deployment.error();
    }
    const bool running = deployment->status == "deploying";
    if (running && !impl_->deployments.RequestCancel(deployment->instance_id, deployment_id)) {
        co_return MakeError(Errc::kConflict,
                            "Deployment " + deployment_id +
                                " is running and its agent is not connected to this coordinator; "
                                "it completes or rolls back on its own");
    }
    store::ApprovalAction action{deployment_id, by, comment};
    auto result = co_await impl_->approvals.Cancel(action);
    if (!result) {
        co_return result.error();
    }
    log::Info("deployment cancel deployment_id={} instance_id={} by={} status={}", deployment_id,
              result->instance_id, by.actor, result->status);
    co_return co_await impl_->Answer(deployment_id, result->running);
}

}  // namespace waka::coordinator::deploy
