#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/pin_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgPinRepository final : public ports::PinRepository {
public:
    PgPinRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<domain::PinRecord>> Create(const domain::Principal& by,
                                                               domain::PinRecord pin) override;
    boost::asio::awaitable<Expected<domain::PinRecord>> Get(std::string id) override;
    boost::asio::awaitable<Expected<std::vector<domain::PinRecord>>> List(
        std::string instance_id, bool include_removed) override;
    boost::asio::awaitable<Expected<domain::PinRecord>> Remove(const domain::Principal& by,
                                                               std::string id) override;
    boost::asio::awaitable<Expected<void>> RecordRefusal(const domain::Principal& by,
                                                         domain::PinRecord pin,
                                                         std::string why) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
