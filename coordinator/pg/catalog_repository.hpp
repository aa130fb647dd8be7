#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/catalog_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgCatalogRepository final : public ports::CatalogRepository {
public:
    PgCatalogRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<domain::Release>> Create(const domain::Principal& by,
                                                             ports::NewRelease release) override;
    boost::asio::awaitable<Expected<domain::Release>> Get(ports::ReleaseKey key) override;
    boost::asio::awaitable<Expected<std::vector<domain::Release>>> List(
        ports::ReleaseFilter filter) override;
    boost::asio::awaitable<Expected<std::string>> CatalogGeneration() override;
    boost::asio::awaitable<Expected<std::vector<domain::Release>>> Find(
        std::vector<ports::ReleaseKey> keys) override;
    boost::asio::awaitable<Expected<ports::AttachedArtifact>> AttachArtifact(
        const domain::Principal& by, ports::ReleaseKey key, std::string sha256, std::uint64_t size,
        std::optional<ports::VerifiedStatement> statement,
        std::function<Expected<void>()> place_file) override;
    boost::asio::awaitable<Expected<domain::Artifact>> GetArtifact(std::string sha256) override;
    boost::asio::awaitable<Expected<bool>> ArtifactExists(const std::string& sha256) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
