#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/resolver/resolver.hpp"
#include "coordinator/store/pin_store.hpp"
#include "coordinator/store/release_store.hpp"
#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// The resolver (coordinator/resolver) fed from the database: the catalog of releases, an
// instance's pins in force and its quarantined versions (DESIGN §4.2). Backs pins, compatibility,
// manifest compilation, deployment validation and explain, so that they all agree.
namespace waka::coordinator::deploy {

using Quarantined = std::map<std::string, std::vector<std::string>>;  // "type:name" -> versions

// Where quarantined versions come from (DESIGN §4.1: versions removed by a rollback or a failed
// deployment). Issue 5 provides it; until then no version is quarantined.
using QuarantineSource =
    std::function<boost::asio::awaitable<Expected<Quarantined>>(std::string instance_id)>;

// Everything one resolution for one instance needs, read at one instant.
struct ResolutionContext {
    std::shared_ptr<const resolver::Index> index;
    std::string instance_id;                   // empty: catalog only (no pins, no quarantine)
    std::vector<store::PinRecord> pins;        // the active rows, expired ones included
    std::vector<resolver::Pin> pins_in_force;  // those not expired at `now` (UTC instants)
    Quarantined quarantined;
    std::optional<store::Manifest> current;  // the instance's current manifest
    TimePoint now;
};

class ResolutionService {
public:
    ResolutionService(db::Database& database, const Clock& clock);

    void SetQuarantineSource(QuarantineSource source) { quarantine_ = std::move(source); }

    // Reads the catalog and, for a non-empty instance_id, its pins, quarantine and current
    // manifest. kNotFound "Instance <id> not found" (also when decommissioned); kInvalidArgument
    // when a stored release no longer parses.
    boost::asio::awaitable<Expected<ResolutionContext>> Load(std::string instance_id);

    // The validation step of a deployment (DESIGN §4.3) of `manifest` to the instance: the whole
    // ValidateManifest, or with skip_validation (admin) the pins only, since skip_validation skips
    // the compatibility check and nothing overrides a pin. kConflict / kInvalidArgument whose
    // message names the manifest and gives the chain.
    boost::asio::awaitable<Expected<void>> ValidateDeployment(std::string instance_id,
                                                              store::Manifest manifest,
                                                              bool skip_validation);

    // Registration check of a new release: kInvalidArgument naming the cycle ("suite:a -> suite:b
    // -> suite:a") when its dependencies would close a dependency cycle among components (the
    // resolver is never given one).
    boost::asio::awaitable<Expected<void>> CheckNoCycle(store::NewRelease release);

private:
    // The catalog's index, rebuilt only when CatalogGeneration changes: loading and indexing
    // every release dominates a resolution's cost on large catalogs (docs/resolution.md).
    boost::asio::awaitable<Expected<std::shared_ptr<const resolver::Index>>> CatalogIndex();

    db::Database& database_;
    const Clock& clock_;
    QuarantineSource quarantine_;
    std::mutex cache_mutex_;  // guards the two members below; Load runs on many threads
    std::string cached_generation_;
    std::shared_ptr<const resolver::Index> cached_index_;
};

[[nodiscard]] std::string ComponentKey(std::string_view type, std::string_view name);
// "platform:<platform_name>", "suite:<name>", "capability:<name>" -> version.
[[nodiscard]] std::map<std::string, std::string> ManifestComponents(const store::Manifest& m);

// The resolver request for `constraints` under the context's pins in force and quarantine.
[[nodiscard]] resolver::Request MakeRequest(const ResolutionContext& context,
                                            std::map<std::string, std::string> constraints);

// Checks a manifest against the resolver: every named release with every pin in force, every
// dependency range and the quarantine. kConflict with the derivation chain when they cannot all
// hold, or when a release needs a component the manifest leaves out; kInvalidArgument for a
// component or version the catalog does not hold.
[[nodiscard]] Expected<void> ValidateManifest(const ResolutionContext& context,
                                              const store::Manifest& manifest);

// Each component of the manifest against the pin in force on it, if any: kConflict naming the
// first pin the manifest breaks.
[[nodiscard]] Expected<void> CheckPins(const ResolutionContext& context,
                                       const store::Manifest& manifest);

// The constraints describing what must stay resolvable for the instance: every component of its
// current manifest at its newest eligible version ("latest"), and every pinned component within
// its pin.
[[nodiscard]] std::map<std::string, std::string> StateConstraints(const ResolutionContext& context);

// Whether the instance's state stays resolvable once `pin` replaces the active pin on its
// component. kConflict with the chain when it would not; kInvalidArgument for a bad range.
[[nodiscard]] Expected<void> CheckPinAdmissible(ResolutionContext context,
                                                const store::PinRecord& pin);

// Whether some release of the component satisfies the pin's version or range.
[[nodiscard]] bool PinMatchesARelease(const resolver::Index& index, const std::string& component,
                                      const std::string& pinned_version);

}  // namespace waka::coordinator::deploy
