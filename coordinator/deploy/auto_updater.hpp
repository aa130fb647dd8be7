#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/domain/auto_update.hpp"
#include "coordinator/ports/repositories.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// Auto-updates (docs/design.md §4.1 "auto-update (new compatible release)"), proposed by the
// scheduler's leader: when the catalog gained a deployable release, every live instance with a
// current manifest gets one deployment per target, decided by the auto-update row of §4.1.
namespace waka::coordinator::deploy {

class AutoUpdater {
public:
    AutoUpdater(ports::Repositories& repositories, const Clock& clock,
                DeploymentService& deployments);

    // Scans when the catalog changed since the last complete scan; answers how many auto-update
    // deployments it created. Not concurrent with itself (the scheduler runs one pass at a time).
    boost::asio::awaitable<Expected<int>> Scan();

private:
    // One auto-update per instance, current manifest and target content (ids derived from that
    // key).
    boost::asio::awaitable<Expected<bool>> Propose(const ports::UpdatableInstance& instance,
                                                   const domain::Catalog& catalog);
    // A frozen instance gets nothing, not even a manifest; the refusal is audited.
    boost::asio::awaitable<Expected<bool>> Refused(const ports::UpdatableInstance& instance,
                                                   const std::vector<std::string>& changes);

    ports::Repositories& repositories_;
    const Clock& clock_;
    DeploymentService& deployments_;
    long long catalog_seen_ = -1;  // CatalogVersion at the last complete scan; -1: never scanned
};

}  // namespace waka::coordinator::deploy
