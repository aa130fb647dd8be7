#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/resolver/version_set.hpp"
#include "shared/core/error.hpp"
#include "shared/semver/range.hpp"
#include "shared/semver/version.hpp"

// The resolver's inputs as plain data (no database): the catalog of releases with their
// dependencies, and an instance's pins. Components are keyed "type:name" ("suite:commerce").
namespace waka::coordinator::resolver {

struct Release {
    std::string version;  // SemVer text
    bool stable = true;
    std::map<std::string, std::string> dependencies;  // "type:name" -> range
};

struct Catalog {
    std::map<std::string, std::vector<Release>> components;  // any release order
};

struct Pin {
    std::string id;              // "pin-<uuid>"
    std::string component;       // "type:name"
    std::string pinned_version;  // exact version or range
    std::string reason;
    std::optional<std::chrono::system_clock::time_point> expires_at;
};

// The pins still in force at `now` (UTC instants): a pin stops applying at its expires_at.
[[nodiscard]] std::vector<Pin> FilterActivePins(const std::vector<Pin>& pins,
                                                std::chrono::system_clock::time_point now);

// A cycle among components (an edge a -> b when any release of a depends on b), as the list of
// keys with the first repeated at the end ("a", "b", "a"), or nothing. Catalogs with a cycle are
// refused at registration time, so the resolver never sees one.
[[nodiscard]] std::optional<std::vector<std::string>> FindCycle(const Catalog& catalog);

struct IndexedDependency {
    std::size_t component = 0;  // index in Index::components
    std::string range;          // as registered
    std::size_t range_set = 0;  // index in Index::range_sets: the releases the range accepts
};

// A release prepared for resolution: parsed version and dependency ranges.
struct IndexedRelease {
    semver::Version version;
    bool stable = true;
    std::vector<IndexedDependency> dependencies;
};

struct IndexedComponent {
    std::string key;
    std::vector<IndexedRelease> releases;  // newest first
};

// A catalog parsed once and shared by many resolutions (read-only, safe across threads).
// Dependencies on components missing from the catalog are kept as components without releases.
struct Index {
    std::vector<IndexedComponent> components;
    std::map<std::string, std::size_t, std::less<>> by_key;
    // The releases of the target component each distinct (component, range) accepts, computed
    // once here so that a resolution never evaluates a range.
    std::vector<VersionSet> range_sets;

    [[nodiscard]] std::optional<std::size_t> Find(std::string_view key) const;
};

// Errc::kInvalidArgument naming the component and release on a bad version or range, or a
// duplicate version.
[[nodiscard]] Expected<Index> BuildIndex(const Catalog& catalog);

}  // namespace waka::coordinator::resolver
