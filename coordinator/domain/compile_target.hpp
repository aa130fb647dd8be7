#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "coordinator/domain/model.hpp"
#include "coordinator/resolver/resolver.hpp"
#include "shared/core/error.hpp"

// What a manifest compilation asks for (docs/resolution.md "Compile"): a range or "latest" per
// component, resolved per instance against its own pins and quarantine into a manifest. Used by
// POST /manifests/compile and by rollouts whose target is constraints (ADR 0038). Pure.
namespace waka::coordinator::domain {

struct CompileTarget {
    std::string platform_name = "webwaka-platform";
    std::map<std::string, std::string> constraints;  // "<type>:<name>" -> range or "latest"
    std::string configuration_json = "{}";

    bool operator==(const CompileTarget&) const = default;
};

// The manifest holding every resolved component, with `id` and `instance_id`; kConflict when
// the dependencies reach a second platform component (a manifest holds one).
[[nodiscard]] Expected<Manifest> CompiledManifest(const CompileTarget& target,
                                                  const resolver::Resolution& resolution,
                                                  std::string id,
                                                  std::optional<std::string> instance_id);

// The stored form (the rollouts.constraints column):
// {"platform_name": "...", "constraints": {"suite:commerce": "^1.5"}, "configuration": {...}}.
[[nodiscard]] std::string CompileTargetToJson(const CompileTarget& target);
// Errors: kInvalidArgument naming what does not parse.
[[nodiscard]] Expected<CompileTarget> CompileTargetFromJson(std::string_view json);

}  // namespace waka::coordinator::domain
