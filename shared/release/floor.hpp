#pragma once

#include <string>
#include <string_view>

#include "shared/core/error.hpp"
#include "shared/release/envelope.hpp"
#include "shared/release/signing_key.hpp"

// The signed anti-rollback floor (ADR 0022): the publisher's word that no version of a component
// below `min_version` may be installed again, e.g. once a critical fix has shipped. Signed with
// the release key under its own domain prefix, so that a floor can never pass for a release
// statement or the reverse.
namespace waka::release {

struct FloorStatement {
    std::string component_type;  // platform | suite | capability
    std::string component_name;
    std::string min_version;  // strict SemVer; versions below it (by precedence) are refused
    std::string reason;       // for operators and the audit trail, 1..512 bytes
    std::string signed_at;    // UTC, "YYYY-MM-DDTHH:MM:SSZ"
    std::string key_id;
    bool operator==(const FloorStatement&) const = default;

    // "<type>:<name>", the component key floors are kept by.
    [[nodiscard]] std::string Component() const { return component_type + ":" + component_name; }
};

// Keys in byte order, no white space: one text per floor.
[[nodiscard]] std::string CanonicalFloorJson(const FloorStatement& floor);
// Refuses anything that is not exactly a canonical floor (see ParseReleaseStatement), and a
// min_version that is not strict SemVer.
[[nodiscard]] Expected<FloorStatement> ParseFloorStatement(std::string_view canonical_json);
// "waka-release-floor/1\n" and the canonical text.
[[nodiscard]] std::string FloorSigningMessage(std::string_view canonical_json);
[[nodiscard]] Expected<SignedStatement> SignFloor(const PrivateKey& key, FloorStatement floor);

// The file written by `wakactl release floor` and sent to PUT /api/v1/floors.
inline constexpr std::string_view kFloorFileFormat = "waka-release-floor/1";
[[nodiscard]] std::string EncodeFloorFile(const SignedStatement& signed_floor);
[[nodiscard]] Expected<SignedStatement> DecodeFloorFile(std::string_view text);

// True when `version` (strict SemVer) lies below the floor's min_version; false for a version
// that does not parse (the caller refuses those on its own terms).
[[nodiscard]] bool IsBelowFloor(std::string_view version, const FloorStatement& floor);
// True when `candidate` raises `current` (a higher min_version); a floor is never lowered.
[[nodiscard]] bool RaisesFloor(const FloorStatement& candidate, const FloorStatement& current);

}  // namespace waka::release
