#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/manifest_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgManifestRepository final : public ports::ManifestRepository {
public:
    PgManifestRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<ports::CreatedManifest>> Create(
        const domain::Principal& by, domain::Manifest manifest) override;
    boost::asio::awaitable<Expected<domain::Manifest>> Get(std::string id) override;
    boost::asio::awaitable<Expected<std::vector<domain::Manifest>>> List(
        ports::ManifestFilter filter) override;
    boost::asio::awaitable<Expected<std::map<std::string, std::string>>> FindSameContent(
        const std::vector<domain::Manifest>& candidates) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
