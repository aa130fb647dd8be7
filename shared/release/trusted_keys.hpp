#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/error.hpp"
#include "shared/release/floor.hpp"
#include "shared/release/signing_key.hpp"
#include "shared/release/statement.hpp"

// The public keys a verifier trusts, and those it has revoked (docs/security.md "Key rotation").
// Several keys may be trusted at once, so that a new key can be rolled out before the old one is
// revoked; a revoked key's statements are refused even when its public key is still installed.
namespace waka::release {

// Where a verifier's keys come from: every "*.pub" file of a directory the operator fills (the
// agent's /etc/waka/release-keys, the coordinator's release_keys_dir), minus revoked key ids.
inline constexpr std::string_view kDefaultKeysDir = "/etc/waka/release-keys";

struct TrustSettings {
    std::filesystem::path keys_dir{kDefaultKeysDir};
    std::set<std::string> revoked_key_ids;  // refused even while their .pub file is installed
    // false only for development: unsigned releases are then accepted, signed ones still checked.
    bool require_signed = true;
};

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
    // The same for a floor statement (its own domain prefix, ADR 0022).
    [[nodiscard]] Expected<FloorStatement> VerifyFloor(const SignedStatement& signed_floor) const;

private:
    [[nodiscard]] Expected<void> CheckSignature(std::string_view what, const std::string& key_id,
                                                const std::string& message,
                                                const std::string& signature) const;

    std::map<std::string, PublicKey> keys_;
    std::set<std::string> revoked_;
};

// The keys of `settings`, read afresh (so that a key installed for a rotation takes effect without
// a restart), with the revoked ones marked. An unreadable key file is an error naming it: a
// verifier never runs with fewer keys than the operator installed without saying so.
[[nodiscard]] Expected<TrustedKeys> LoadTrustedKeys(const TrustSettings& settings);

// Logs, once at start-up, what a verifier will trust: a warning when signatures are not required
// or no key is installed (then every signed release is refused), an error for an unreadable key.
// The keys are read again for each check; this only says early what those checks will find.
void LogTrustAtStartUp(const TrustSettings& settings);

// Comma-separated key ids (a setting's text) as a set; kInvalidArgument naming an item that is
// not a key id ("ed25519:" and 16 hex digits).
[[nodiscard]] Expected<std::set<std::string>> ParseKeyIdList(std::string_view text);

}  // namespace waka::release
