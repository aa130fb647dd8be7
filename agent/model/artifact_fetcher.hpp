#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"

namespace waka::agent::model {

// Supplies bundle bytes to the installer. The link implements it over HTTPS (Range requests to the
// gateway listener); tests implement it with local files. Declared here, between the two, so that
// neither the installer nor the link includes the other.
class ArtifactFetcher {
public:
    virtual ~ArtifactFetcher() = default;

    // Appends the rest of the artifact of `change` to `partial_file`, resuming after the bytes it
    // already holds. Blocking; called on the agent's worker thread. Reports progress as bytes so
    // far of `change.size`. The installer verifies size and SHA-256 afterwards, not the fetcher.
    virtual Expected<void> Fetch(const ComponentChange& change,
                                 const std::filesystem::path& partial_file,
                                 const std::function<void(std::uint64_t done)>& progress) = 0;
};

}  // namespace waka::agent::model
