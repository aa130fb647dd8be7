#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

// API tokens. Only the SHA-256 hex of a secret is stored; a secret made by Create() is answered
// once and never again. Mutations append their audit entry in the same transaction.
// Authorization (admin only) is the caller's job: `by` is recorded as the actor.
namespace waka::coordinator::ports {

struct CreatedToken {
    domain::ApiToken token;
    std::string secret;  // "waka_" + 64 hex digits; show it once, never log it
};

struct RotatedToken {
    domain::ApiToken token;
    std::string secret;  // the new one; show it once, never log it
    // Until when the secret rotated away still authenticates; nullopt: it stopped at once.
    std::optional<TimePoint> previous_valid_until;
};

class TokenRepository {
public:
    virtual ~TokenRepository() = default;

    // Operator-supplied bootstrap secrets shorter than this are refused.
    static constexpr std::size_t kMinBootstrapSecretSize = 16;

    // Operator-supplied bootstrap secrets shorter than this are refused.
    // Both must outlive the store.
    // Start-up: makes sure a token `name` created by "system" authenticates with `secret` and has
    // `role`. Idempotent. A different secret (the operator rotated it) replaces the stored hash and
    // lifts a revocation; a revoked token whose secret did not change stays revoked. Audits
    // "token.bootstrap" only when something changed. kInvalidArgument for a bad name, a short
    // secret; kConflict if another token already has this secret.
    [[nodiscard]] virtual boost::asio::awaitable<Expected<domain::ApiToken>> EnsureBootstrapToken(
        std::string name, std::string secret, domain::Role role) = 0;
    // A new token with a fresh random secret. name: 1-128 of [A-Za-z0-9._-] (kInvalidArgument).
    // `expires_at`: when the token stops authenticating (nullopt: never).
    [[nodiscard]] virtual boost::asio::awaitable<Expected<CreatedToken>> Create(
        const domain::Principal& by, std::string name, domain::Role role,
        std::optional<TimePoint> expires_at) = 0;
    [[nodiscard]] boost::asio::awaitable<Expected<CreatedToken>> Create(const domain::Principal& by,
                                                                        std::string name,
                                                                        domain::Role role) {
        return Create(by, std::move(name), role, std::nullopt);
    }
    // The principal for a presented secret ("token:<name>"), or nullopt when it is unknown,
    // revoked or expired. kDatabase only when the lookup itself failed.
    [[nodiscard]] virtual boost::asio::awaitable<Expected<std::optional<domain::Principal>>>
    Authenticate(std::string secret) = 0;
    // Gives token `id` a new random secret; its id, name, role and creator stay, and its expiry
    // too unless `expires_at` replaces it. With `overlap` zero the old secret stops at once, else
    // it authenticates until now + overlap (never past the token's expiry or revocation); a secret
    // rotated away before, still in its overlap, stops at once. Audits "token.rotate" (never a
    // secret). kNotFound for an unknown id; kConflict for a revoked token, for the bootstrap token
    // (rotated through auth.bootstrap_token, else the next start would undo it) and for an expired
    // one without a new `expires_at`. The caller checks that `expires_at` lies ahead.
    [[nodiscard]] virtual boost::asio::awaitable<Expected<RotatedToken>> Rotate(
        const domain::Principal& by, std::string id, std::optional<TimePoint> expires_at,
        std::chrono::seconds overlap) = 0;
    // Every token, revoked ones included, oldest first. Never any secret or hash.
    [[nodiscard]] virtual boost::asio::awaitable<Expected<std::vector<domain::ApiToken>>>
    List() = 0;
    // Revokes a token (idempotent: revoking a revoked token answers it unchanged, unaudited).
    // kNotFound for an unknown id.
    [[nodiscard]] virtual boost::asio::awaitable<Expected<domain::ApiToken>> Revoke(
        const domain::Principal& by, std::string id) = 0;
};

}  // namespace waka::coordinator::ports
