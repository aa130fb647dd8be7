#pragma once

#include <memory>

#include "coordinator/pg/approval_repository.hpp"
#include "coordinator/pg/audit_log.hpp"
#include "coordinator/pg/catalog_repository.hpp"
#include "coordinator/pg/deployment_repository.hpp"
#include "coordinator/pg/floor_repository.hpp"
#include "coordinator/pg/instance_repository.hpp"
#include "coordinator/pg/leader_lock.hpp"
#include "coordinator/pg/manifest_repository.hpp"
#include "coordinator/pg/patch_repository.hpp"
#include "coordinator/pg/pin_repository.hpp"
#include "coordinator/pg/policy_repository.hpp"
#include "coordinator/pg/quarantine_repository.hpp"
#include "coordinator/pg/rollout_repository.hpp"
#include "coordinator/pg/schedule_repository.hpp"
#include "coordinator/pg/token_repository.hpp"
#include "coordinator/ports/repositories.hpp"

namespace waka::coordinator::pg {

// Every PostgreSQL repository over one database, clock and audit key, which must outlive it.
class PgRepositories {
public:
    PgRepositories(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    [[nodiscard]] ports::Repositories& Ports() { return ports_; }
    // Start-up check that appending with the audit key keeps the chain verifiable (CheckAuditKey).
    [[nodiscard]] boost::asio::awaitable<Expected<void>> CheckAuditKey() {
        return audit_.CheckKey();
    }
    // The scheduler's leadership lock (a session of its own, not a pool connection).
    [[nodiscard]] std::unique_ptr<ports::LeaderLock> NewLeaderLock(long long key);

private:
    db::Database& database_;
    PgTokenRepository tokens_;
    PgCatalogRepository catalog_;
    PgManifestRepository manifests_;
    PgInstanceRepository instances_;
    PgDeploymentRepository deployments_;
    PgPatchRepository patches_;
    PgPinRepository pins_;
    PgPolicyRepository policies_;
    PgQuarantineRepository quarantines_;
    PgApprovalRepository approvals_;
    PgScheduleRepository schedule_;
    PgAuditLog audit_;
    PgDatabaseHealth health_;
    PgFloorRepository floors_;
    PgRolloutRepository rollouts_;
    ports::Repositories ports_;
};

}  // namespace waka::coordinator::pg
