#include "coordinator/pg/repositories.hpp"

namespace waka::coordinator::pg {

PgRepositories::PgRepositories(db::Database& database, const Clock& clock)
    : database_(database),
      tokens_(database, clock),
      catalog_(database, clock),
      manifests_(database, clock),
      instances_(database, clock),
      deployments_(database, clock),
      patches_(database, clock),
      pins_(database, clock),
      policies_(database, clock),
      quarantines_(database, clock),
      approvals_(database, clock),
      schedule_(database, clock),
      audit_(database, clock),
      health_(database),
      floors_(database, clock),
      ports_{tokens_,   catalog_,     manifests_, instances_, deployments_, patches_, pins_,
             policies_, quarantines_, approvals_, schedule_,  audit_,       health_,  floors_} {}

std::unique_ptr<ports::LeaderLock> PgRepositories::NewLeaderLock(long long key) {
    return std::make_unique<PgLeaderLock>(database_, key);
}

}  // namespace waka::coordinator::pg
