#pragma once

#include <string>
#include <string_view>

#include "shared/core/error.hpp"

namespace waka::coordinator::pg {

// The secret that seals audit entries (HMAC-SHA256, ADR 0028), kept outside the database (the
// audit.key_file setting), or none: then new entries carry the unkeyed SHA-256 of ADR 0028's v1
// scheme, which anyone who can write to the database can recompute. Immutable once made, so it
// may be read from any thread. The secret is never logged or answered; Id() names it instead.
class AuditKey {
public:
    // The shortest secret accepted: 32 bytes (e.g. `openssl rand -hex 32` gives 64).
    static constexpr std::size_t kMinBytes = 32;

    AuditKey() = default;  // no key
    // kInvalidArgument when the secret is shorter than kMinBytes (the message never holds it).
    [[nodiscard]] static Expected<AuditKey> FromSecret(std::string secret);

    [[nodiscard]] bool HasKey() const { return !secret_.empty(); }
    // 16 hex digits derived from the secret by HMAC (not the secret, nor its plain hash); "" when
    // no key. Stored with every entry it seals, so that a verifier can tell which key it needs.
    [[nodiscard]] const std::string& Id() const { return id_; }
    // HMAC-SHA256 of `message` under the secret, lower-case hex. Only when HasKey().
    [[nodiscard]] std::string Seal(std::string_view message) const;

private:
    std::string secret_;
    std::string id_;
};

}  // namespace waka::coordinator::pg
