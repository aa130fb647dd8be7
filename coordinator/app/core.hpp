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
#include "coordinator/deploy/rollout_service.hpp"
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

struct CoreOptions {
    // The agents' own pool (ADR 0033): the gateway's sessions (hello, heartbeats, results,
    // downloads), the dispatches they trigger and /health use it, so that a flood of API calls
    // filling the API pool starves none of them. Null: everything shares the API pool (tests).
    db::Database* agent_database = nullptr;
    deploy::ResolutionOptions resolution{};         // resolver.threads, max_queued, max_steps
    deploy::AgentIdentityOptions agent_identity{};  // the agent CA and its rules (ADR 0034)
    deploy::RolloutOptions rollouts{};              // rollouts.batch_size
    deploy::PatchOptions patches{};                 // patches.rollout_strategy
};

// What the API says about the database: /health pings through the agents' pool (a full API
// queue is not an unreachable database, and a load balancer must not take the coordinator out
// for it), while /metrics' pool gauges stay the API pool's.
class ApiDatabaseHealth final : public ports::DatabaseHealth {
public:
    ApiDatabaseHealth(ports::DatabaseHealth& api, ports::DatabaseHealth& agents)
        : api_(api), agents_(agents) {}
    boost::asio::awaitable<Expected<void>> Ping() override { return agents_.Ping(); }
    [[nodiscard]] std::size_t PoolSize() const override { return api_.PoolSize(); }
    [[nodiscard]] std::size_t InUse() const override { return api_.InUse(); }

private:
    ports::DatabaseHealth& api_;
    ports::DatabaseHealth& agents_;
};

class CoordinatorCore {
public:
    // Background work (dispatch after an answer, patch enforcement, catch-up) runs on a strand
    // of `executor`.
    // `release_trust`: the publisher keys uploads are checked against, and whether unsigned
    // releases are refused at upload and at planning (ADR 0020).
    // `audit_key`: what seals the audit entries appended and verifies the chain (ADR 0028); none
    // by default.
    // `database` is the API's pool; the scheduler and the audit verifier use it too (their work
    // is paced by their interval and retried on the next pass, so a busy API pool delays them at
    // most one pass, while the agent pool stays sized by the agents alone).
    CoordinatorCore(db::Database& database, const Clock& clock, std::filesystem::path artifact_dir,
                    ports::AgentChannel& agents, boost::asio::any_io_executor executor,
                    release::TrustSettings release_trust = {}, pg::AuditKey audit_key = {},
                    CoreOptions options = {});
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
    pg::PgRepositories postgres;  // the API pool
    // Over options.agent_database; null when the agents share the API pool.
    std::unique_ptr<pg::PgRepositories> agent_postgres;
    ports::Repositories& agent_ports;  // agent_postgres's, else postgres's
    ApiDatabaseHealth api_health;      // postgres's gauges, agent_ports's ping
    ports::Repositories api_ports;     // postgres's repositories with api_health
    deploy::TaskGroup background;
    deploy::ResolutionService resolution;
    deploy::PolicyDecider decider;
    deploy::Evaluation evaluation;
    deploy::Dispatcher dispatcher;        // API pool: dispatches after API calls, scheduler
    deploy::Dispatcher agent_dispatcher;  // agent pool: dispatches the agents' events trigger
    deploy::DeploymentService deployments;
    deploy::ApprovalService approvals;
    deploy::RolloutService rollouts;
    deploy::PatchService patches;
    deploy::ProgressBoard progress;
    deploy::AgentSessions sessions;  // what the gateway calls (ports::AgentEvents)
};

}  // namespace waka::coordinator::app
