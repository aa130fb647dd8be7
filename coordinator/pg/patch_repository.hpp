#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/patch_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgPatchRepository final : public ports::PatchRepository {
public:
    PgPatchRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    boost::asio::awaitable<Expected<domain::SecurityPatch>> Create(
        const domain::Principal& by, domain::SecurityPatch patch) override;
    boost::asio::awaitable<Expected<domain::SecurityPatch>> Get(std::string id) override;
    boost::asio::awaitable<Expected<std::vector<domain::SecurityPatch>>> List(
        ports::PatchFilter filter) override;
    boost::asio::awaitable<Expected<std::vector<domain::PatchDeployment>>> Deployments(
        std::string patch_id, std::string instance_id) override;
    boost::asio::awaitable<Expected<std::vector<domain::InstanceManifest>>> CurrentManifests(
        std::string instance_id) override;
    boost::asio::awaitable<Expected<std::map<std::pair<std::string, std::string>, std::string>>>
    Refusals(std::string instance_id) override;
    boost::asio::awaitable<Expected<void>> Link(std::string deployment_id, std::string patch_id,
                                                std::string instance_id, bool enforced) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
