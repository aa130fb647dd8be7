#pragma once

#include <string>
#include <string_view>

#include "shared/core/error.hpp"

// What release statements and floor statements share (ADR 0020, ADR 0022): the shapes of their
// fields and the one-line file `{"format", "signature", "statement"}` they travel in.
namespace waka::release {

// A statement with its signature, as the publisher hands it over.
struct SignedStatement {
    std::string statement;  // canonical JSON
    std::string signature;  // raw Ed25519 signature, 64 bytes
};

inline constexpr std::size_t kMaxSignedFileBytes = 4096;

// "YYYY-MM-DDTHH:MM:SSZ".
[[nodiscard]] bool IsUtcSecond(std::string_view text);
// "ed25519:" and 16 lower-case hex digits (PublicKey::Id()).
[[nodiscard]] bool IsKeyId(std::string_view text);

// {"format":`format`,"signature":"<base64>","statement":"<canonical JSON>"} and a newline.
[[nodiscard]] std::string EncodeSignedEnvelope(const SignedStatement& signed_statement,
                                               std::string_view format);
// The file of `format`; refusals are kInvalidArgument starting with `what` (e.g. "release
// statement: signature file is not a JSON object").
[[nodiscard]] Expected<SignedStatement> DecodeSignedEnvelope(std::string_view text,
                                                             std::string_view format,
                                                             std::string_view what);

}  // namespace waka::release
