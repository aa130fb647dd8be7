#pragma once

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
    PgManifestRepository(db::Database& database, const Clock& clock);

    boost::asio::awaitable<Expected<ports::CreatedManifest>> Create(
        const domain::Principal& by, domain::Manifest manifest) override;
    boost::asio::awaitable<Expected<domain::Manifest>> Get(std::string id) override;
    boost::asio::awaitable<Expected<std::vector<domain::Manifest>>> List(
        ports::ManifestFilter filter) override;

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::pg
