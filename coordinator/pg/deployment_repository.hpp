#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/deployment_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgDeploymentRepository final : public ports::DeploymentRepository {
public:
    PgDeploymentRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<domain::DeploymentInputs>> LoadInputs(
        const std::string& instance_id, const std::string& manifest_id) override;
    boost::asio::awaitable<Expected<domain::Deployment>> Insert(
        const domain::Deployment& deployment, const domain::AuditDraft& audit) override;
    boost::asio::awaitable<Expected<std::optional<domain::Deployment>>> Find(
        const std::string& id) override;
    boost::asio::awaitable<Expected<std::vector<domain::Deployment>>> List(
        const ports::DeploymentListFilter& filter) override;
    boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> InFlight(
        const std::string& instance_id) override;
    boost::asio::awaitable<Expected<bool>> PlansArtifact(const std::string& instance_id,
                                                         const std::string& sha256) override;
    boost::asio::awaitable<Expected<std::optional<domain::Dispatch>>> ClaimNext(
        const std::string& instance_id) override;
    boost::asio::awaitable<Expected<void>> AddEvent(const std::string& deployment_id,
                                                    const std::string& instance_id,
                                                    const std::string& step,
                                                    const std::string& message) override;
    boost::asio::awaitable<Expected<std::optional<domain::Deployment>>> Complete(
        const std::string& deployment_id, const std::string& instance_id,
        domain::StatusEvent outcome, const std::string& error,
        const std::vector<domain::InstalledComponent>& inventory) override;
    boost::asio::awaitable<Expected<domain::InstanceHistory>> History(std::string instance_id,
                                                                      std::string target) override;
    boost::asio::awaitable<Expected<std::vector<domain::Deployment>>> ListRollbacks(
        ports::RollbackListFilter filter) override;
    boost::asio::awaitable<Expected<ports::StatusCounts>> CountByStatus() override;
    // Set-based forms (deployment_batch.cpp).
    boost::asio::awaitable<Expected<std::vector<ports::FleetMember>>> LoadFleetMembers(
        const std::vector<std::string>& instance_ids) override;
    boost::asio::awaitable<Expected<ports::FleetInputs>> LoadFleetTargets(
        const std::vector<std::string>& manifest_ids,
        const std::vector<domain::Manifest>& new_manifests) override;
    boost::asio::awaitable<Expected<void>> InsertBatch(const ports::FleetWrite& write) override;
    boost::asio::awaitable<Expected<std::vector<domain::Dispatch>>> ClaimBatch(
        const std::vector<std::string>& instance_ids) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
