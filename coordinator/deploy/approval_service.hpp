#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/deploy/dispatcher.hpp"
#include "coordinator/ports/repositories.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The approval workflow of docs/design.md §4.1 on top of the stored deployments: approve, reject
// and cancel (docs/policies.md "Approvals"). Approver roles and required_approvals are the rule
// the deployment copied from the instance's policy when it was created (ADR 0023); the window
// that follows the last approval comes from the active policy at the time of the decision.
namespace waka::coordinator::deploy {

struct ApprovalAnswer {
    domain::Deployment deployment;  // after the decision, with its events
    bool cancel_requested = false;  // Cancel of a running deployment: the agent was asked
};

// Errors: kNotFound "Deployment not found"; kPermissionDenied when the caller's role is not an
// approver role of the copied rule or the caller requested the deployment (both audited as
// refused); kConflict when the deployment is not awaiting approval (approve/reject), was already
// decided by this caller, has finished (cancel), or is running on an agent this coordinator cannot
// reach.
class ApprovalService {
public:
    ApprovalService(ports::Repositories& repositories, const Clock& clock,
                    DeploymentService& deployments, Dispatcher& dispatcher);

    boost::asio::awaitable<Expected<ApprovalAnswer>> Approve(const domain::Principal& by,
                                                             const std::string& deployment_id,
                                                             const std::string& comment);
    boost::asio::awaitable<Expected<ApprovalAnswer>> Reject(const domain::Principal& by,
                                                            const std::string& deployment_id,
                                                            const std::string& comment);
    boost::asio::awaitable<Expected<ApprovalAnswer>> Cancel(const domain::Principal& by,
                                                            const std::string& deployment_id,
                                                            const std::string& comment);
    // Approve for every deployment given (a rollout's members awaiting approval), set-based (ADR
    // 0039): each judged by its own copied rule and its instance's policy, read for all at once,
    // decided in one transaction, and those whose approvals are complete dispatched together.
    struct ManyAnswer {
        std::size_t approved = 0;
        std::vector<std::pair<std::string, std::string>> refused;  // deployment id, why
    };
    boost::asio::awaitable<Expected<ManyAnswer>> ApproveAll(
        const domain::Principal& by, const std::vector<domain::Deployment>& deployments,
        const std::string& comment);

private:
    boost::asio::awaitable<Expected<ApprovalAnswer>> Decide(const domain::Principal& by,
                                                            const std::string& deployment_id,
                                                            const std::string& comment,
                                                            bool approve);
    boost::asio::awaitable<void> AuditRefusal(const domain::Principal& by, const std::string& verb,
                                              const domain::Deployment& deployment,
                                              const std::string& reason);
    boost::asio::awaitable<Expected<ApprovalAnswer>> Answer(const std::string& deployment_id,
                                                            bool cancel_requested);

    // The approver's role against the copied rule: why it may not decide, if it may not.
    static std::optional<std::string> RoleRefusal(const domain::Principal& by,
                                                  const domain::Deployment& deployment);

    ports::Repositories& repositories_;
    const Clock& clock_;
    DeploymentService& deployments_;
    Dispatcher& dispatcher_;
};

// The instance's policy as a decision sees it: none, or a disabled one, means the default policy.
boost::asio::awaitable<Expected<policy::Policy>> EffectivePolicy(ports::PolicyRepository& policies,
                                                                 const std::string& instance_id);

}  // namespace waka::coordinator::deploy
