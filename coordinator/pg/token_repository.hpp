#pragma once

#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/token_repository.hpp"
#include "shared/core/clock.hpp"

namespace waka::coordinator::db {
class Database;
}

namespace waka::coordinator::pg {

// Every method is one transaction on the database pool (safe from any executor; resumes on the
// caller's); the contracts are those of the port.
class PgTokenRepository final : public ports::TokenRepository {
public:
    PgTokenRepository(db::Database& database, const Clock& clock, const AuditKey& audit_key);

    [[nodiscard]] boost::asio::awaitable<Expected<domain::ApiToken>> EnsureBootstrapToken(
        std::string name, std::string secret, domain::Role role) override;
    using ports::TokenRepository::Create;
    [[nodiscard]] boost::asio::awaitable<Expected<ports::CreatedToken>> Create(
        const domain::Principal& by, std::string name, domain::Role role,
        std::optional<TimePoint> expires_at) override;
    [[nodiscard]] boost::asio::awaitable<Expected<std::optional<domain::Principal>>> Authenticate(
        std::string secret) override;
    [[nodiscard]] boost::asio::awaitable<Expected<ports::RotatedToken>> Rotate(
        const domain::Principal& by, std::string id, std::optional<TimePoint> expires_at,
        std::chrono::seconds overlap) override;
    [[nodiscard]] boost::asio::awaitable<Expected<std::vector<domain::ApiToken>>> List() override;
    [[nodiscard]] boost::asio::awaitable<Expected<domain::ApiToken>> Revoke(
        const domain::Principal& by, std::string id) override;

private:
    db::Database& database_;
    const Clock& clock_;
    const AuditKey& audit_key_;  // seals the entries appended (ADR 0028)
};

}  // namespace waka::coordinator::pg
