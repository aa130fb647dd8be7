#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// The approval workflow of DESIGN §4.1 on top of the stored deployments: approve, reject and
// cancel (docs/policies.md "Approvals"). Approver roles, required_approvals and the window that
// follows the last approval come from the instance's active policy at the time of the decision.
namespace waka::coordinator::deploy {

class DeploymentService;

struct ApprovalAnswer {
    store::Deployment deployment;   // after the decision, with its events
    bool cancel_requested = false;  // Cancel of a running deployment: the agent was asked
};

// Errors: kNotFound "Deployment not found"; kPermissionDenied when the caller's role is not an
// approver role of the policy or the caller requested the deployment (both audited as refused);
// kConflict when the deployment is not awaiting approval (approve/reject), was already decided by
// this caller, has finished (cancel), or is running on an agent this coordinator cannot reach.
class ApprovalService {
public:
    ApprovalService(db::Database& database, const Clock& clock, DeploymentService& deployments);
    ~ApprovalService();

    boost::asio::awaitable<Expected<ApprovalAnswer>> Approve(const store::Principal& by,
                                                             const std::string& deployment_id,
                                                             const std::string& comment);
    boost::asio::awaitable<Expected<ApprovalAnswer>> Reject(const store::Principal& by,
                                                            const std::string& deployment_id,
                                                            const std::string& comment);
    boost::asio::awaitable<Expected<ApprovalAnswer>> Cancel(const store::Principal& by,
                                                            const std::string& deployment_id,
                                                            const std::string& comment);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace waka::coordinator::deploy
