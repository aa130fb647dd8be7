#include "coordinator/app/core.hpp"

namespace waka::coordinator::app {
namespace {

ports::Repositories WithHealth(const ports::Repositories& r, ports::DatabaseHealth& health) {
    return {r.tokens,   r.catalog, r.manifests, r.instances,   r.deployments,
            r.patches,  r.pins,    r.policies,  r.quarantines, r.approvals,
            r.schedule, r.audit,   health,      r.floors,      r.rollouts};
}

}  // namespace

CoordinatorCore::CoordinatorCore(db::Database& database, const Clock& clock_ref,
                                 std::filesystem::path artifact_directory,
                                 ports::AgentChannel& agent_channel,
                                 boost::asio::any_io_executor executor,
                                 release::TrustSettings release_trust_settings,
                                 pg::AuditKey audit_key_in, CoreOptions options)
    : clock(clock_ref),
      artifact_dir(std::move(artifact_directory)),
      release_trust(std::move(release_trust_settings)),
      audit_key(std::move(audit_key_in)),
      agents(agent_channel),
      postgres(database, clock_ref, audit_key),
      agent_postgres(options.agent_database == nullptr
                         ? nullptr
                         : std::make_unique<pg::PgRepositories>(*options.agent_database, clock_ref,
                                                                audit_key)),
      agent_ports(agent_postgres ? agent_postgres->Ports() : postgres.Ports()),
      api_health(postgres.Ports().health, agent_ports.health),
      api_ports(WithHealth(postgres.Ports(), api_health)),
      background(std::move(executor)),
      resolution(postgres.Ports(), clock_ref, options.resolution),
      decider(postgres.Ports().policies, clock_ref),
      evaluation(resolution, decider, postgres.Ports().audit, clock_ref,
                 domain::PlanRules{release_trust.require_signed}),
      dispatcher(postgres.Ports().deployments, agent_channel, clock_ref),
      agent_dispatcher(agent_ports.deployments, agent_channel, clock_ref),
      deployments(postgres.Ports().deployments, evaluation, dispatcher, background),
      approvals(postgres.Ports(), clock_ref, deployments, dispatcher),
      rollouts(postgres.Ports(), resolution, deployments, approvals, clock_ref, options.rollouts),
      patches(postgres.Ports(), evaluation, deployments, rollouts, background,
              std::move(options.patches)),
      sessions(agent_ports, agent_dispatcher, progress, patches, background, clock_ref,
               artifact_dir, std::move(options.agent_identity)) {}

api::ApiContext CoordinatorCore::ApiContext(std::string version) {
    return api::ApiContext{
        .clock = clock,
        .repositories = api_ports,
        .deployments = deployments,
        .patches = patches,
        .approvals = approvals,
        .rollouts = rollouts,
        .resolution = resolution,
        .progress = progress,
        .decisions = decider,
        .background = background,
        .artifact_dir = artifact_dir,
        .release_trust = release_trust,
        .version = std::move(version),
        .is_connected = [this](const std::string& id) { return agents.IsConnected(id); },
        .disconnect_agent =
            [this](const std::string& id) { agents.Disconnect(id, "instance decommissioned"); },
        .connected_agents = [this] { return agents.ConnectedCount(); },
    };
}

std::unique_ptr<deploy::Scheduler> CoordinatorCore::MakeScheduler(
    boost::asio::any_io_executor executor, deploy::SchedulerOptions options) {
    return std::make_unique<deploy::Scheduler>(std::move(executor), postgres.Ports(),
                                               postgres.NewLeaderLock(deploy::kScheduleLockKey),
                                               clock, deployments, dispatcher, rollouts, options);
}

std::unique_ptr<deploy::AuditVerifier> CoordinatorCore::MakeAuditVerifier(
    boost::asio::any_io_executor executor, deploy::AuditVerifierOptions options) {
    return std::make_unique<deploy::AuditVerifier>(std::move(executor), postgres.Ports().audit,
                                                   clock, options);
}

}  // namespace waka::coordinator::app
