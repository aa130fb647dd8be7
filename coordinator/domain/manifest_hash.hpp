#pragma once

#include <string>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::domain {

// SHA-256 hex of the canonical JSON of platform_name, platform_version, suites, capabilities and
// configuration (object keys sorted at every depth, no spaces): ids and dates do not count.
// kInvalidArgument when configuration_json is not a JSON object.
[[nodiscard]] Expected<std::string> ManifestContentHash(const Manifest& manifest);

}  // namespace waka::coordinator::domain
