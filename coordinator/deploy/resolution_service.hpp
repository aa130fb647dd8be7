#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "coordinator/domain/resolution_rules.hpp"
#include "coordinator/ports/repositories.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The resolver fed from the repositories: the catalog of releases, an instance's pins in force,
// its quarantined versions and current manifest (docs/design.md §4.2), handed to the rules of
// domain/resolution_rules.hpp.
namespace waka::coordinator::deploy {

class ResolutionService {
public:
    ResolutionService(ports::Repositories& repositories, const Clock& clock);

    // Reads the catalog and, for a non-empty instance_id, its pins, quarantine and current
    // manifest. kNotFound "Instance <id> not found" (also when decommissioned); kInvalidArgument
    // when a stored release no longer parses.
    boost::asio::awaitable<Expected<domain::ResolutionContext>> Load(std::string instance_id);

    // The validation step of a deployment (docs/design.md §4.3) of `manifest` to the instance: the
    // whole ValidateManifest, or with skip_validation (admin) the pins only, since skip_validation
    // skips the compatibility check and nothing overrides a pin. kConflict / kInvalidArgument whose
    // message names the manifest and gives the chain.
    boost::asio::awaitable<Expected<void>> ValidateDeployment(std::string instance_id,
                                                              domain::Manifest manifest,
                                                              bool skip_validation);

    // Registration check of a new release: kInvalidArgument naming the cycle ("suite:a -> suite:b
    // -> suite:a") when its dependencies would close a dependency cycle among components (the
    // resolver is never given one).
    boost::asio::awaitable<Expected<void>> CheckNoCycle(ports::NewRelease release);

private:
    // The catalog's index, rebuilt only when CatalogGeneration changes: loading and indexing
    // every release dominates a resolution's cost on large catalogs (docs/resolution.md).
    boost::asio::awaitable<Expected<std::shared_ptr<const resolver::Index>>> CatalogIndex();

    ports::Repositories& repositories_;
    const Clock& clock_;
    std::mutex cache_mutex_;  // guards the two members below; Load runs on many threads
    std::string cached_generation_;
    std::shared_ptr<const resolver::Index> cached_index_;
};

}  // namespace waka::coordinator::deploy
