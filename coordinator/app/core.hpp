#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "coordinator/api/api.hpp"
#include "coordinator/deploy/agent_sessions.hpp"
#include "coordinator/deploy/approval_service.hpp"
#include "coordinator/deploy/audit_verifier.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/deploy/dispatcher.hpp"
#include "coordinator/deploy/evaluation.hpp"
#include "coordinator/deploy/live_progress.hpp"
#include "coordinator/deploy/patch_service.hpp"
#include "coordinator/deploy/policy_decider.hpp"
#include "coordinator/deploy/resolution_service.hpp"
#include "coordinator/deploy/scheduler.hpp"
#include "coordinator/deploy/task_group.hpp"
#include "coordinator/pg/repositories.hpp"
#include "coordinator/ports/agent_channel.hpp"
#include "shared/release/trusted_keys.hpp"

namespace waka::coordinator::db {
class Database;
}

// The composition root of a coordinator (docs/architecture.md): the one place that builds the
// repositories over PostgreSQL and the use cases over them, in dependency order. The agent channel
// (the gateway, or a test's fake) is built first and handed in; the agent sessions it calls are
// built here. Everything referenced must outlive the core.
namespace waka::coordinator::app {

class CoordinatorCore {
public:
    // Background work (dispatch after an answer, patch enforcement, catch-up) runs on a strand
    // of `executor`.
    // `release_trust`: the publisher keys uploads are checked against, and whether unsigned
    // releases are refused at upload and at planning (ADR 0020).
    // `audit_key`: what seals the audit entries appended and verifies the chain (ADR 0028); none
    // by default. `agent_identity`: the agent CA and its rules (ADR 0034); none by default.
    CoordinatorCore(db::Database& database, const Clock& clock, std::filesystem::path artifact_dir,
                    ports::AgentChannel& agents, boost::asio::any_io_executor executor,
                    release::TrustSettings release_trust = {}, pg::AuditKey audit_key = {},
                    deploy::AgentIdentityOptions agent_identity = {});
    CoordinatorCore(const CoordinatorCore&) = delete;
    CoordinatorCore& operator=(const CoordinatorCore&) = delete;

    [[nodiscard]] ports::Repositories& Repositories() { return postgres.Ports(); }
    // What the HTTP API needs, answering `version` on GET /.
    [[nodiscard]] api::ApiContext ApiContext(std::string version);
    [[nodiscard]] std::unique_ptr<deploy::Scheduler> MakeScheduler(
        boost::asio::any_io_executor executor, deploy::SchedulerOptions options);
    [[nodiscard]] std::unique_ptr<deploy::AuditVerifier> MakeAuditVerifier(
        boost::asio::any_io_executor executor, deploy::AuditVerifierOptions options);

    const Clock& clock;
    const std::filesystem::path artifact_dir;
    const release::TrustSettings release_trust;
    const pg::AuditKey audit_key;  // before postgres, whose repositories refer to it
    ports::AgentChannel& agents;
    pg::PgRepositories postgres;
    deploy::TaskGroup background;
    deploy::ResolutionService resolution;
    deploy::PolicyDecider decider;
    deploy::Evaluation evaluation;
    deploy::Dispatcher dispatcher;
    deploy::DeploymentService deployments;
    deploy::PatchService patches;
    deploy::ApprovalService approvals;
    deploy::ProgressBoard progress;
    deploy::AgentSessions sessions;  // what the gateway calls (ports::AgentEvents)
};

}  // namespace waka::coordinator::app
