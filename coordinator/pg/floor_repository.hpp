#pragma once

#include <pqxx/pqxx>

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/floor_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every floor in force, read inside another repository's transaction (deployment inputs and
// dispatches carry them).
[[nodiscard]] std::vector<domain::Floor> SelectFloors(pqxx::transaction_base& tx);

class PgFloorRepository final : public ports::FloorRepository {
public:
    PgFloorRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<domain::Floor>> Raise(const domain::Principal& by,
                                                          domain::Floor floor) override;
    boost::asio::awaitable<Expected<std::vector<domain::Floor>>> List() override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
