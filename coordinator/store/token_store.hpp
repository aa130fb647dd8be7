#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}  // namespace waka::coordinator::db

// API tokens (table api_tokens). Only the SHA-256 hex of a secret is stored; a secret made by
// Create() is answered once and never again. Every method is one transaction on the DB pool (safe
// from any executor; resumes on the caller's); mutations append their audit entry in the same
// transaction. Authorization (admin only) is the caller's job: `by` is recorded as the actor.
namespace waka::coordinator::store {

struct CreatedToken {
    ApiToken token;
    std::string secret;  // "waka_" + 64 hex digits; show it once, never log it
};

class TokenStore {
public:
    // Operator-supplied bootstrap secrets shorter than this are refused.
    static constexpr std::size_t kMinBootstrapSecretSize = 16;

    // Both must outlive the store.
    TokenStore(db::Database& database, const Clock& clock);

    // Start-up: makes sure a token `name` created by "system" authenticates with `secret` and has
    // `role`. Idempotent. A different secret (the operator rotated it) replaces the stored hash and
    // lifts a revocation; a revoked token whose secret did not change stays revoked. Audits
    // "token.bootstrap" only when something changed. kInvalidArgument for a bad name, a short
    // secret; kConflict if another token already has this secret.
    [[nodiscard]] boost::asio::awaitable<Expected<ApiToken>> EnsureBootstrapToken(
        std::string name, std::string secret, Role role);

    // A new token with a fresh random secret. name: 1-128 of [A-Za-z0-9._-] (kInvalidArgument).
    [[nodiscard]] boost::asio::awaitable<Expected<CreatedToken>> Create(const Principal& by,
                                                                        std::string name,
                                                                        Role role);

    // The principal for a presented secret ("token:<name>"), or nullopt when it is unknown or
    // revoked. kDatabase only when the lookup itself failed.
    [[nodiscard]] boost::asio::awaitable<Expected<std::optional<Principal>>> Authenticate(
        std::string secret);

    // Every token, revoked ones included, oldest first. Never any secret or hash.
    [[nodiscard]] boost::asio::awaitable<Expected<std::vector<ApiToken>>> List();

    // Revokes a token (idempotent: revoking a revoked token answers it unchanged, unaudited).
    // kNotFound for an unknown id.
    [[nodiscard]] boost::asio::awaitable<Expected<ApiToken>> Revoke(const Principal& by,
                                                                    std::string id);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
