#pragma once

#include <filesystem>
#include <string>

#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"
#include "shared/release/trusted_keys.hpp"

// The agent's end of the trust chain (ADR 0020, docs/security.md "Release signing"): a version is
// installed only when a publisher key that this host trusts signed a statement describing exactly
// that component, version, SHA-256 and size. The keys are local files the operator installs; the
// coordinator never sends one, so a compromised coordinator cannot vouch for its own bundle.
namespace waka::agent::install {

// Checks the statement carried by `change` (which installs change.to_version): signed by a
// trusted, unrevoked key, canonical, and describing this component, version, SHA-256 and size.
// The downloaded file is then held to that SHA-256 and size. kInvalidArgument naming the check.
[[nodiscard]] Expected<void> VerifyReleaseOf(const model::ComponentChange& change,
                                             const release::TrustedKeys& keys, bool require_signed);

// A version directory that already exists is reused only when the artifact it was unpacked from
// (its note, written when it was placed) is the one the verified statement names.
[[nodiscard]] Expected<void> CheckReusedVersion(const std::filesystem::path& artifact_note,
                                                const model::ComponentChange& change);

}  // namespace waka::agent::install
