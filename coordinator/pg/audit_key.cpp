#include "coordinator/pg/audit_key.hpp"

#include "shared/core/crypto.hpp"

namespace waka::coordinator::pg {

Expected<AuditKey> AuditKey::FromSecret(std::string secret) {
    if (secret.size() < kMinBytes) {
        return MakeError(Errc::kInvalidArgument, "the audit key must be at least " +
                                                     std::to_string(kMinBytes) + " bytes (it has " +
                                                     std::to_string(secret.size()) +
                                                     "); make one with: openssl rand -hex 32");
    }
    AuditKey key;
    key.id_ = HmacSha256Hex(secret, "waka-audit-key-id").substr(0, 16);
    key.secret_ = std::move(secret);
    return key;
}

std::string AuditKey::Seal(std::string_view message) const {
    return HmacSha256Hex(secret_, message);
}

}  // namespace waka::coordinator::pg
