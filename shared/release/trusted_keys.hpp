#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "shared/core/error.hpp"
#include "shared/release/signing_key.hpp"
#include "shared/release/statement.hpp"

// The public keys a verifier trusts, and those it has revoked (docs/security.md "Key rotation").
// Several keys may be trusted at once, so that a new key can be rolled out before the old one is
// revoked; a revoked key's statements are refused even when its public key is still installed.
namespace waka::release {

class TrustedKeys {
public:
    void Add(PublicKey key);
    void Revoke(std::string key_id);

    // Every "*.pub" file of `directory` (the agent's /etc/waka/release-keys); a missing directory
    // is an empty set, an unreadable or malformed key file an error naming it.
    [[nodiscard]] static Expected<TrustedKeys> FromDirectory(
        const std::filesystem::path& directory);
    [[nodiscard]] static Expected<TrustedKeys> FromFiles(
        const std::vector<std::filesystem::path>& files);

    [[nodiscard]] bool Empty() const { return keys_.empty(); }
    [[nodiscard]] std::vector<std::string> KeyIds() const;

    // Checks, in this order, that the statement is canonical, names a key that is not revoked and
    // is trusted, and that the signature verifies; returns the statement. Every refusal is
    // kInvalidArgument with a message that names the check that failed.
    [[nodiscard]] Expected<ReleaseStatement> Verify(const SignedStatement& signed_statement) const;

private:
    std::map<std::string, PublicKey> keys_;
    std::set<std::string> revoked_;
};

}  // namespace waka::release
