#pragma once

#include <optional>
#include <string>

#include "coordinator/api/json_input.hpp"
#include "coordinator/domain/compile_target.hpp"
#include "coordinator/resolver/resolver.hpp"

// Internal to waka_coord_api: the constraint fields of a compile body, read alike by
// POST /manifests/compile and by a rollout whose target is constraints (its "constraints" object).
namespace waka::coordinator::api {

// platform_name, platform_version ("latest" when absent), suites and capabilities ({name: range
// or "latest"}), configuration; every problem is a field error of `reader`.
void ReadCompileTarget(ObjectReader& reader, domain::CompileTarget& target);

// The field that asked for `key`, for 422 answers; `prefix` names the enclosing object
// ("constraints"), empty for none.
[[nodiscard]] std::string ConstraintField(const std::string& prefix,
                                          const domain::CompileTarget& target,
                                          const std::string& key);

// A 422 naming the first constraint whose component the catalog does not hold.
[[nodiscard]] std::optional<ApiError> CheckKnownComponents(const std::string& prefix,
                                                           const resolver::Index& index,
                                                           const domain::CompileTarget& target);

}  // namespace waka::coordinator::api
