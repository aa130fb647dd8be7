#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/resolver/catalog.hpp"
#include "shared/core/error.hpp"

// Version resolution (docs/design.md §4.2): PubGrub-style conflict-driven search over a finite
// catalog.
//
// Given requested constraints, an instance's pins, every release's dependencies and the instance's
// quarantined versions, choose the newest eligible version of every requested component and of
// every dependency reached, or refuse with a chain that names each request, release range and pin
// involved. Eligible: stable, not quarantined, satisfying every constraint, pin and dependency
// range; a release marked unstable is eligible only when a request or pin names it exactly, and a
// SemVer pre-release only when some range names a pre-release (shared/semver Range semantics).
//
// The search learns an incompatibility from every conflict and backjumps, so a conflict is never
// rediscovered; see docs/resolution.md. Pure computation: no I/O, no clock, thread-compatible.
namespace waka::coordinator::resolver {

struct Request {
    // "type:name" -> range, exact version, or "latest" (any stable release).
    std::map<std::string, std::string> constraints;
    // Pins already filtered by expiry (FilterActivePins); at most one per component is expected.
    std::vector<Pin> pins;
    // "type:name" -> versions that must not be chosen.
    std::map<std::string, std::vector<std::string>> quarantined;
    // The step budget: decisions, dependency expansions and conflicts the search may take before
    // it gives up with Errc::kTooComplex (0: no budget). Bounds the work of one hostile or huge
    // request, whose cost the catalog's shape, not its size, decides.
    std::size_t max_steps = 0;
};

struct Resolution {
    std::map<std::string, std::string> versions;  // "type:name" -> chosen version
};

// Errors: Errc::kInvalidArgument for an unknown requested or pinned component or a bad range (the
// message names it); Errc::kConflict when nothing satisfies everything, with the derivation chain
// as the message, sentences joined by "; "; Errc::kTooComplex when the search needs more than
// request.max_steps steps (the message names the budget).
[[nodiscard]] Expected<Resolution> Resolve(const Index& index, const Request& request);

// Why `component` cannot be at `version` under `request` (for "explain"): resolves the request
// with that exact version required in place of any constraint on the component. Answers the
// refusal chain, or nullopt when the version would resolve. Errors as Resolve, except that a
// conflict is the answer, not an error.
[[nodiscard]] Expected<std::optional<std::string>> WhyNot(const Index& index, Request request,
                                                          const std::string& component,
                                                          const std::string& version);

// Convenience for small catalogs and tests: BuildIndex + Resolve.
[[nodiscard]] Expected<Resolution> Resolve(const Catalog& catalog, const Request& request);

}  // namespace waka::coordinator::resolver
