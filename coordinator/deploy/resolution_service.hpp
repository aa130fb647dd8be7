#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "coordinator/deploy/compute_pool.hpp"
#include "coordinator/domain/compile_target.hpp"
#include "coordinator/domain/resolution_rules.hpp"
#include "coordinator/ports/repositories.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The resolver fed from the repositories: the catalog of releases, an instance's pins in force,
// its quarantined versions and current manifest (docs/design.md §4.2), handed to the rules of
// domain/resolution_rules.hpp. Every resolution runs on the service's own bounded ComputePool,
// never on the caller's (I/O) thread, with a step budget (ADR 0033).
namespace waka::coordinator::deploy {

struct ResolutionOptions {
    ComputePoolOptions pool;          // resolver.threads, resolver.max_queued
    std::size_t max_steps = 100'000;  // resolver.max_steps; 0: no budget (tests only)
};

class ResolutionService {
public:
    ResolutionService(ports::Repositories& repositories, const Clock& clock,
                      ResolutionOptions options = {});

    // Runs `work()` (pure resolver work over a loaded context, answering an Expected) on the
    // compute pool: kBusy when resolver.max_queued resolutions are already waiting or running.
    template <class Work>
    auto Compute(Work work) {
        return pool_.Run(std::move(work));
    }

    // Reads the catalog and, for a non-empty instance_id, its pins, quarantine and current
    // manifest; the context carries the step budget. kNotFound "Instance <id> not found" (also when
    // decommissioned); kInvalidArgument when a stored release no longer parses.
    boost::asio::awaitable<Expected<domain::ResolutionContext>> Load(std::string instance_id);

    // The validation step of a deployment (docs/design.md §4.3) of `manifest` to the instance: the
    // whole ValidateManifest, or with skip_validation (admin) the pins only, since skip_validation
    // skips the compatibility check and nothing overrides a pin. kConflict / kInvalidArgument whose
    // message names the manifest and gives the chain; kTooComplex past the step budget; kBusy.
    boost::asio::awaitable<Expected<void>> ValidateDeployment(std::string instance_id,
                                                              domain::Manifest manifest,
                                                              bool skip_validation);

    // ValidateDeployment for every member of a fleet change (ADR 0037) to its manifest
    // (manifests[i] for members[i]), on inputs already read in one snapshot, in one task on the
    // pool (so a phase takes one slot of resolver.max_queued, not one per member). Answers, per
    // member in order, nothing or the refusal ValidateDeployment would answer (a member past the
    // step budget is refused like any other); kBusy when the pool is full.
    boost::asio::awaitable<Expected<std::vector<std::optional<Error>>>> ValidateFleet(
        const std::vector<const ports::FleetMember*>& members,
        const std::vector<const domain::Manifest*>& manifests, bool skip_validation);

    // Compiles `target` (docs/resolution.md "Compile") for every member against its own pins,
    // quarantine and current manifest, in one task on the pool: per member in order, its
    // instance-owned manifest (ids from `new_id`, content hash not set), or why no set of
    // versions satisfies the constraints there (kConflict with the chain; kTooComplex past the
    // step budget). kBusy when the pool is full.
    boost::asio::awaitable<Expected<std::vector<Expected<domain::Manifest>>>> CompileFleet(
        const std::vector<const ports::FleetMember*>& members, const domain::CompileTarget& target,
        const std::function<std::string()>& new_id);
    // The catalog's index as resolutions see it (cached by catalog generation).
    boost::asio::awaitable<Expected<std::shared_ptr<const resolver::Index>>> Catalog();

    // Registration check of a new release: kInvalidArgument naming the cycle ("suite:a -> suite:b
    // -> suite:a") when its dependencies would close a dependency cycle among components (the
    // resolver is never given one).
    boost::asio::awaitable<Expected<void>> CheckNoCycle(ports::NewRelease release);

private:
    // A resolution context per member, on the cached index, at one instant.
    boost::asio::awaitable<Expected<std::vector<domain::ResolutionContext>>> ContextsOf(
        const std::vector<const ports::FleetMember*>& members);
    // The catalog's index, rebuilt only when CatalogGeneration changes: loading and indexing
    // every release dominates a resolution's cost on large catalogs (docs/resolution.md).
    boost::asio::awaitable<Expected<std::shared_ptr<const resolver::Index>>> CatalogIndex();

    ports::Repositories& repositories_;
    const Clock& clock_;
    const std::size_t max_steps_;
    std::mutex cache_mutex_;  // guards the two members below; Load runs on many threads
    std::string cached_generation_;
    std::shared_ptr<const resolver::Index> cached_index_;
    ComputePool pool_;  // last: its destructor waits for work that may use the members above
};

}  // namespace waka::coordinator::deploy
