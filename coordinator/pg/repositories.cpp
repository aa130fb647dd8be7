#include "coordinator/pg/repositories.hpp"

namespace waka::coordinator::pg {

PgRepositories::PgRepositories(db::Database& database, const Clock& clock,
                               const AuditKey& audit_key)
    : database_(database),
      tokens_(database, clock, audit_key),
      catalog_(database, clock, audit_key),
      manifests_(database, clock, audit_key),
      instances_(database, clock, audit_key),
      deployments_(database, clock, audit_key),
      patches_(database, clock, audit_key),
      pins_(database, clock, audit_key),
      policies_(database, clock, audit_key),
      quarantines_(database, clock, audit_key),
      approvals_(database, clock, audit_key),
      schedule_(database, clock, audit_key),
      audit_(database, clock, audit_key),
      health_(database),
      floors_(database, clock, audit_key),
      rollouts_(database, clock, audit_key),
      ports_{tokens_,   catalog_, manifests_, instances_,   deployments_,
             patches_,  pins_,    policies_,  quarantines_, approvals_,
             schedule_, audit_,   health_,    floors_,      rollouts_} {}

std::unique_ptr<ports::LeaderLock> PgRepositories::NewLeaderLock(long long key) {
    return std::make_unique<PgLeaderLock>(database_, key);
}

}  // namespace waka::coordinator::pg
