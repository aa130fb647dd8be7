#pragma once

#include <filesystem>
#include <string>

namespace waka::coordinator::domain {

// Where an artifact's bytes live under the artifact directory: "<dir>/<sha[0:2]>/<sha>.tar.gz".
// Content-addressed: the same bundle uploaded twice is stored once.
inline std::filesystem::path ArtifactFilePath(const std::filesystem::path& artifact_dir,
                                              const std::string& sha256) {
    return artifact_dir / sha256.substr(0, 2) / (sha256 + ".tar.gz");
}

}  // namespace waka::coordinator::domain
