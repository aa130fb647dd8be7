#pragma once

#include <filesystem>

#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"

namespace waka::agent::install {

// Checks that `<version_dir>/bundle.json` exists and names exactly the component and version the
// instruction asked for (component_type, component_name, version). kUnsafe otherwise: a bundle
// that claims to be something else is never activated.
[[nodiscard]] Expected<void> CheckBundle(const std::filesystem::path& version_dir,
                                         const model::ComponentChange& change);

}  // namespace waka::agent::install
