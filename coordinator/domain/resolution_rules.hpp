#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "coordinator/resolver/resolver.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

// The rules of resolution for one instance (docs/design.md §4.2) over what was read for it: the
// catalog's index, its pins in force, its quarantined versions and its current manifest. Pure;
// deploy::ResolutionService reads the inputs. Backs pins, compatibility, manifest compilation,
// deployment validation and explain, so that they all agree.
namespace waka::coordinator::domain {

// Everything one resolution for one instance needs, read at one instant.
struct ResolutionContext {
    std::shared_ptr<const resolver::Index> index;
    std::string instance_id;                   // empty: catalog only (no pins, no quarantine)
    std::vector<PinRecord> pins;               // the active rows, expired ones included
    std::vector<resolver::Pin> pins_in_force;  // those not expired at `now` (UTC instants)
    Quarantined quarantined;
    std::optional<Manifest> current;  // the instance's current manifest
    TimePoint now;
    std::size_t max_steps = 0;  // each resolution's step budget (resolver::Request); 0: none
};

[[nodiscard]] std::string ComponentKey(std::string_view type, std::string_view name);
// "platform:<platform_name>", "suite:<name>", "capability:<name>" -> version.
[[nodiscard]] std::map<std::string, std::string> ManifestComponents(const Manifest& m);

// The resolver request for `constraints` under the context's pins in force and quarantine.
[[nodiscard]] resolver::Request MakeRequest(const ResolutionContext& context,
                                            std::map<std::string, std::string> constraints);

// Checks a manifest against the resolver: every named release with every pin in force, every
// dependency range and the quarantine. kConflict with the derivation chain when they cannot all
// hold, or when a release needs a component the manifest leaves out; kInvalidArgument for a
// component or version the catalog does not hold.
[[nodiscard]] Expected<void> ValidateManifest(const ResolutionContext& context,
                                              const Manifest& manifest);

// Each component of the manifest against the pin in force on it, if any: kConflict naming the
// first pin the manifest breaks.
[[nodiscard]] Expected<void> CheckPins(const ResolutionContext& context, const Manifest& manifest);

// The constraints describing what must stay resolvable for the instance: every component of its
// current manifest at its newest eligible version ("latest"), and every pinned component within
// its pin.
[[nodiscard]] std::map<std::string, std::string> StateConstraints(const ResolutionContext& context);

// Whether the instance's state stays resolvable once `pin` replaces the active pin on its
// component. kConflict with the chain when it would not; kInvalidArgument for a bad range.
[[nodiscard]] Expected<void> CheckPinAdmissible(ResolutionContext context, const PinRecord& pin);

// The resolver's catalog of `releases`, and the pins among `pins` in force at `now`.
[[nodiscard]] resolver::Catalog CatalogOf(const std::vector<Release>& releases);
[[nodiscard]] std::vector<resolver::Pin> PinsInForce(const std::vector<PinRecord>& pins,
                                                     TimePoint now);

// Whether some release of the component satisfies the pin's version or range.
[[nodiscard]] bool PinMatchesARelease(const resolver::Index& index, const std::string& component,
                                      const std::string& pinned_version);

}  // namespace waka::coordinator::domain
