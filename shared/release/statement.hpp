#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"
#include "shared/release/envelope.hpp"
#include "shared/release/signing_key.hpp"

// The signed release statement (ADR 0018): what the publisher's offline key vouches for. Its
// canonical JSON is the exact byte string that is signed, stored by the coordinator, carried in
// the agent's instruction and checked by the agent against the file it downloaded.
namespace waka::release {

struct ReleaseStatement {
    std::string component_type;  // platform | suite | capability
    std::string component_name;
    std::string version;
    std::string sha256;  // of the bundle, lower-case hex
    std::uint64_t size = 0;
    std::string signed_at;  // UTC, "YYYY-MM-DDTHH:MM:SSZ"
    std::string key_id;     // PublicKey::Id() of the signing key
    bool operator==(const ReleaseStatement&) const = default;
};

// Keys in byte order, no white space, integers as digits: one text per statement.
[[nodiscard]] std::string CanonicalJson(const ReleaseStatement& statement);
// Parses a statement and refuses anything that is not exactly its canonical form (other keys,
// missing keys, wrong types, white space, another key order, a bad field value): a signature is
// only ever checked over bytes that have one meaning.
[[nodiscard]] Expected<ReleaseStatement> ParseReleaseStatement(std::string_view canonical_json);
// What the key signs: a domain prefix, so that no other signed text can pass for a statement.
[[nodiscard]] std::string SigningMessage(std::string_view canonical_json);

// Signs `statement` with `key` (its key_id is set from the key).
[[nodiscard]] Expected<SignedStatement> SignRelease(const PrivateKey& key,
                                                    ReleaseStatement statement);

// The detached signature file written by `wakactl release sign` and uploaded with the bundle:
// {"format":"waka-release-statement/1","signature":"<base64>","statement":"<canonical JSON>"}.
inline constexpr std::string_view kSignedFileFormat = "waka-release-statement/1";
[[nodiscard]] std::string EncodeSignedFile(const SignedStatement& signed_statement);
[[nodiscard]] Expected<SignedStatement> DecodeSignedFile(std::string_view text);

// The release a statement must describe, as the verifier knows it from elsewhere.
struct ReleaseIdentity {
    std::string component_type;
    std::string component_name;
    std::string version;
    std::string sha256;
    std::uint64_t size = 0;
};

// Refuses a statement that describes another release; the message names the field that differs.
[[nodiscard]] Expected<void> CheckDescribes(const ReleaseStatement& statement,
                                            const ReleaseIdentity& release);

}  // namespace waka::release
