#include "coordinator/pg/token_repository.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/db/sql_time.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "shared/core/crypto.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::pg {
namespace {

// Serialises concurrent start-ups of several coordinators bootstrapping the same token
// ("wakatokb").
constexpr long long kBootstrapLockKey = 0x77616b61746f6b62LL;
constexpr const char* kBootstrapCreator = "system";
constexpr const char* kColumns =
    "id, name, role, created_by, created_at, revoked_at, expires_at, rotated_at";

Expected<domain::ApiToken> TokenFromRow(const pqxx::row& row) {
    domain::ApiToken token;
    token.id = row[0].as<std::string>();
    token.name = row[1].as<std::string>();
    const auto role = domain::ParseRole(row[2].as<std::string>());
    const auto created_at = db::ParseSqlTimestamp(row[4].as<std::string>());
    if (!role || !created_at) {
        return MakeError(Errc::kDatabase, "api token " + token.id + " has an unreadable row");
    }
    token.role = *role;
    token.created_by = row[3].as<std::string>();
    token.created_at = *created_at;
    if (!row[5].is_null()) {
        token.revoked_at = db::ParseSqlTimestamp(row[5].as<std::string>());
    }
    if (!row[6].is_null()) {
        token.expires_at = db::ParseSqlTimestamp(row[6].as<std::string>());
    }
    if (!row[7].is_null()) {
        token.rotated_at = db::ParseSqlTimestamp(row[7].as<std::string>());
    }
    return token;
}

std::string DetailsJson(const domain::ApiToken& token) {
    boost::json::object details{{"name", token.name}, {"role", domain::RoleName(token.role)}};
    if (token.expires_at) {
        details["expires_at"] = FormatRfc3339(*token.expires_at);
    }
    return boost::json::serialize(details);
}

domain::AuditDraft TokenAudit(std::string actor, std::string action,
                              const domain::ApiToken& token) {
    domain::AuditDraft draft;
    draft.actor = std::move(actor);
    draft.action = std::move(action);
    draft.target_type = "token";
    draft.target_id = token.id;
    draft.details_json = DetailsJson(token);
    return draft;
}

Expected<domain::ApiToken> InsertToken(pqxx::work& tx, const domain::ApiToken& token,
                                       const std::string& hash) {
    const auto row = tx.exec_params1(
        std::string("INSERT INTO api_tokens (id, name, role, token_hash, created_by, created_at, "
                    "expires_at) VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz) "
                    "RETURNING ") +
            kColumns,
        token.id, token.name, std::string(domain::RoleName(token.role)), hash, token.created_by,
        db::ToSqlTimestamp(token.created_at),
        token.expires_at ? std::optional<std::string>(db::ToSqlTimestamp(*token.expires_at))
                         : std::optional<std::string>());
    return TokenFromRow(row);
}

// The token's name is its holder's identity (the audit actor, the one approver it counts as), so
// no two active tokens share one (ADR 0023; the partial unique index of migration 010).
Error NameTaken(const std::string& name) {
    return MakeError(Errc::kConflict, "an active API token is already named " + name +
                                          ": a name is one identity (one approver); revoke that "
                                          "token first or choose another name");
}

Expected<domain::ApiToken> InsertAndAudit(pqxx::work& tx, const AuditKey& audit_key,
                                          const domain::Principal& by,
                                          const domain::ApiToken& created,
                                          const std::string& hash) {
    auto token = InsertToken(tx, created, hash);
    if (!token) {
        return token;
    }
    auto audited =
        AppendAudit(tx, audit_key, TokenAudit(by.actor, "token.create", *token), token->created_at);
    if (!audited) {
        return audited.error();
    }
    tx.commit();
    return token;
}

// The bootstrap decision, apart from I/O: what to write for the token found (if any).
enum class BootstrapAction { kNone, kInsert, kUpdate };

BootstrapAction DecideBootstrap(const pqxx::result& found, const std::string& hash,
                                domain::Role role) {
    if (found.empty()) {
        return BootstrapAction::kInsert;
    }
    const auto& row = found[0];
    const bool same_hash = row["token_hash"].as<std::string>() == hash;
    const bool same_role = row[2].as<std::string>() == domain::RoleName(role);
    return same_hash && same_role ? BootstrapAction::kNone : BootstrapAction::kUpdate;
}

Expected<domain::ApiToken> Bootstrap(pqxx::work& tx, const AuditKey& audit_key,
                                     const std::string& name, const std::string& hash,
                                     domain::Role role, TimePoint now) {
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kBootstrapLockKey);
    const auto found = tx.exec_params(std::string("SELECT ") + kColumns +
                                          ", token_hash FROM api_tokens WHERE name = $1 AND"
                                          " created_by = $2 ORDER BY created_at, id LIMIT 1",
                                      name, std::string(kBootstrapCreator));
    const auto action = DecideBootstrap(found, hash, role);
    if (action == BootstrapAction::kNone) {
        auto token = TokenFromRow(found[0]);
        if (token && token->revoked_at) {
            log::Warn(
                "bootstrap token is revoked and its secret unchanged: it stays revoked name={}",
                name);
        }
        return token;
    }
    const std::string own_id = found.empty() ? "" : found[0][0].as<std::string>();
    const auto holder = tx.exec_params(
        "SELECT created_by FROM api_tokens WHERE name = $1 AND revoked_at IS NULL AND id <> $2",
        name, own_id);
    if (!holder.empty()) {
        return MakeError(Errc::kConflict,
                         "bootstrap token " + name + ": an active API token created by " +
                             holder[0][0].as<std::string>() +
                             " already has this name; revoke it or choose another bootstrap name");
    }
    Expected<domain::ApiToken> token = MakeError(Errc::kInternal, "bootstrap token not written");
    if (action == BootstrapAction::kInsert) {
        token = InsertToken(tx,
                            domain::ApiToken{.id = NewId("token"),
                                             .name = name,
                                             .role = role,
                                             .created_by = kBootstrapCreator,
                                             .created_at = now},
                            hash);
    } else {
        token = TokenFromRow(tx.exec_params1(
            std::string("UPDATE api_tokens SET token_hash = $2, role = $3,"
                        " revoked_at = CASE WHEN token_hash = $2 THEN revoked_at END"
                        " WHERE id = $1 RETURNING ") +
                kColumns,
            found[0][0].as<std::string>(), hash, std::string(domain::RoleName(role))));
    }
    if (!token) {
        return token;
    }
    auto audited =
        AppendAudit(tx, audit_key, TokenAudit(kBootstrapCreator, "token.bootstrap", *token), now);
    if (!audited) {
        return audited.error();
    }
    tx.commit();
    log::Info("bootstrap token {} name={} role={}",
              action == BootstrapAction::kInsert ? "created" : "updated", name,
              domain::RoleName(role));
    return token;
}

std::optional<std::string> SqlTime(const std::optional<TimePoint>& at) {
    return at ? std::optional<std::string>(db::ToSqlTimestamp(*at)) : std::nullopt;
}

// Why `token` may not be rotated now, if it may not.
std::optional<Error> RotationRefused(const domain::ApiToken& token, bool new_expiry,
                                     TimePoint now) {
    const std::string named = "API token " + token.id + " (" + token.name + ")";
    if (token.revoked_at) {
        return MakeError(Errc::kConflict, named + " was revoked at " +
                                              FormatRfc3339(*token.revoked_at) +
                                              ": a revoked token cannot be rotated; create a new "
                                              "one");
    }
    if (token.created_by == kBootstrapCreator) {
        return MakeError(Errc::kConflict,
                         named +
                             " is the bootstrap token: rotate it by changing "
                             "auth.bootstrap_token (or its file) and restarting, else the "
                             "next start would set the old secret again");
    }
    if (!new_expiry && token.expires_at && *token.expires_at <= now) {
        return MakeError(Errc::kConflict, named + " expired at " +
                                              FormatRfc3339(*token.expires_at) +
                                              ": give a new expires_at to rotate it");
    }
    return std::nullopt;
}

struct Rotation {
    std::string hash;                     // of the new secret
    std::optional<TimePoint> expires_at;  // the new expiry, if one replaces the old
    std::chrono::seconds overlap{0};
    TimePoint now;
};

Expected<ports::RotatedToken> RotateRow(pqxx::work& tx, const AuditKey& audit_key,
                                        const domain::Principal& by, const std::string& id,
                                        const Rotation& r) {
    const auto found = tx.exec_params(
        std::string("SELECT ") + kColumns + " FROM api_tokens WHERE id = $1 FOR UPDATE", id);
    if (found.empty()) {
        return MakeError(Errc::kNotFound, "no API token with id " + id);
    }
    auto current = TokenFromRow(found[0]);
    if (!current) {
        return current.error();
    }
    if (auto refused = RotationRefused(*current, r.expires_at.has_value(), r.now)) {
        return *refused;
    }
    const auto expires_at = r.expires_at ? r.expires_at : current->expires_at;
    std::optional<TimePoint> previous_until;
    if (r.overlap.count() > 0) {
        previous_until = r.now + r.overlap;
        if (expires_at && *expires_at < *previous_until) {
            previous_until = expires_at;
        }
    }
    // In SET, token_hash on the right is the value before this UPDATE: the secret rotated away.
    auto token = TokenFromRow(tx.exec_params1(
        std::string("UPDATE api_tokens SET token_hash = $2, previous_token_hash = CASE WHEN "
                    "$3::timestamptz IS NULL THEN NULL ELSE token_hash END, "
                    "previous_valid_until = $3::timestamptz, rotated_at = $4::timestamptz, "
                    "expires_at = $5::timestamptz WHERE id = $1 RETURNING ") +
            kColumns,
        id, r.hash, SqlTime(previous_until), db::ToSqlTimestamp(r.now), SqlTime(expires_at)));
    if (!token) {
        return token.error();
    }
    auto draft = TokenAudit(by.actor, "token.rotate", *token);
    boost::json::object details = boost::json::parse(draft.details_json).as_object();
    details["overlap_seconds"] = r.overlap.count();
    details["previous_valid_until"] =
        previous_until ? boost::json::value(FormatRfc3339(*previous_until)) : nullptr;
    draft.details_json = boost::json::serialize(details);
    if (auto audited = AppendAudit(tx, audit_key, draft, r.now); !audited) {
        return audited.error();
    }
    tx.commit();
    return ports::RotatedToken{
        .token = std::move(*token), .secret = {}, .previous_valid_until = previous_until};
}

}  // namespace

PgTokenRepository::PgTokenRepository(db::Database& database, const Clock& clock,
                                     const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<domain::ApiToken>> PgTokenRepository::EnsureBootstrapToken(
    std::string name, std::string secret, domain::Role role) {
    if (!IsValidId(name)) {
        co_return MakeError(Errc::kInvalidArgument,
                            "bootstrap token name must be 1-128 of [A-Za-z0-9._-]");
    }
    if (secret.size() < kMinBootstrapSecretSize) {
        co_return MakeError(Errc::kInvalidArgument, "bootstrap token secret must have at least " +
                                                        std::to_string(kMinBootstrapSecretSize) +
                                                        " characters");
    }
    const std::string hash = Sha256Hex(secret);
    const TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::ApiToken> {
        pqxx::work tx(c);
        try {
            return Bootstrap(tx, audit_key_, name, hash, role, now);
        } catch (const pqxx::unique_violation&) {
            return MakeError(Errc::kConflict, "bootstrap token " + name +
                                                  ": another active token has this name or "
                                                  "this secret");
        }
    });
}

boost::asio::awaitable<Expected<ports::CreatedToken>> PgTokenRepository::Create(
    const domain::Principal& by, std::string name, domain::Role role,
    std::optional<TimePoint> expires_at) {
    if (!IsValidId(name)) {
        co_return MakeError(Errc::kInvalidArgument, "token name must be 1-128 of [A-Za-z0-9._-]");
    }
    ports::CreatedToken created;
    created.secret = "waka_" + RandomHex(32);
    created.token = domain::ApiToken{.id = NewId("token"),
                                     .name = std::move(name),
                                     .role = role,
                                     .created_by = by.actor,
                                     .created_at = clock_.Now(),
                                     .revoked_at = std::nullopt,
                                     .expires_at = expires_at};
    const std::string hash = Sha256Hex(created.secret);
    auto stored = co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::ApiToken> {
        pqxx::work tx(c);
        try {
            return InsertAndAudit(tx, audit_key_, by, created.token, hash);
        } catch (const pqxx::unique_violation&) {
            return NameTaken(created.token.name);
        }
    });
    if (!stored) {
        co_return stored.error().WithContext("create token");
    }
    created.token = std::move(*stored);
    co_return created;
}

boost::asio::awaitable<Expected<std::optional<domain::Principal>>> PgTokenRepository::Authenticate(
    std::string secret) {
    // Looked up by hash: the secret itself never reaches the database or a log line.
    const std::string hash = Sha256Hex(secret);
    const std::string now = db::ToSqlTimestamp(clock_.Now());
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::optional<domain::Principal>> {
            pqxx::read_transaction tx(c);
            // A secret rotated away counts until the end of its overlap (ADR 0029).
            const auto rows = tx.exec_params(
                "SELECT id, name, role FROM api_tokens WHERE (token_hash = $1 OR "
                "(previous_token_hash = $1 AND previous_valid_until > $2::timestamptz)) AND "
                "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2::timestamptz)",
                hash, now);
            if (rows.empty()) {
                return std::optional<domain::Principal>();
            }
            const auto role = domain::ParseRole(rows[0][2].as<std::string>());
            if (!role) {
                return MakeError(Errc::kDatabase, "api token has an unknown role");
            }
            return std::optional(domain::Principal{.actor = "token:" + rows[0][1].as<std::string>(),
                                                   .role = *role,
                                                   .token_id = rows[0][0].as<std::string>()});
        });
}

boost::asio::awaitable<Expected<ports::RotatedToken>> PgTokenRepository::Rotate(
    const domain::Principal& by, std::string id, std::optional<TimePoint> expires_at,
    std::chrono::seconds overlap) {
    const std::string secret = "waka_" + RandomHex(32);
    const Rotation rotation{.hash = Sha256Hex(secret),
                            .expires_at = expires_at,
                            .overlap = overlap,
                            .now = clock_.Now()};
    auto rotated =
        co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::RotatedToken> {
            pqxx::work tx(c);
            return RotateRow(tx, audit_key_, by, id, rotation);
        });
    if (!rotated) {
        co_return rotated.error().WithContext("rotate token");
    }
    rotated->secret = secret;
    log::Info("api token rotated token_id={} name={} overlap_seconds={}", rotated->token.id,
              rotated->token.name, overlap.count());
    co_return rotated;
}

boost::asio::awaitable<Expected<std::vector<domain::ApiToken>>> PgTokenRepository::List() {
    co_return co_await database_.Run(
        [](pqxx::connection& c) -> Expected<std::vector<domain::ApiToken>> {
            pqxx::read_transaction tx(c);
            std::vector<domain::ApiToken> tokens;
            for (const auto& row : tx.exec(std::string("SELECT ") + kColumns +
                                           " FROM api_tokens ORDER BY created_at, id")) {
                auto token = TokenFromRow(row);
                if (!token) {
                    return token.error();
                }
                tokens.push_back(std::move(*token));
            }
            return tokens;
        });
}

boost::asio::awaitable<Expected<domain::ApiToken>> PgTokenRepository::Revoke(
    const domain::Principal& by, std::string id) {
    const TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::ApiToken> {
        pqxx::work tx(c);
        const auto revoked =
            tx.exec_params(std::string("UPDATE api_tokens SET revoked_at = $2::timestamptz"
                                       " WHERE id = $1 AND revoked_at IS NULL RETURNING ") +
                               kColumns,
                           id, db::ToSqlTimestamp(now));
        if (revoked.empty()) {
            const auto existing = tx.exec_params(
                std::string("SELECT ") + kColumns + " FROM api_tokens WHERE id = $1", id);
            if (existing.empty()) {
                return MakeError(Errc::kNotFound, "no API token with id " + id);
            }
            return TokenFromRow(existing[0]);
        }
        auto token = TokenFromRow(revoked[0]);
        if (!token) {
            return token;
        }
        auto audited =
            AppendAudit(tx, audit_key_, TokenAudit(by.actor, "token.revoke", *token), now);
        if (!audited) {
            return audited.error();
        }
        tx.commit();
        return token;
    });
}

}  // namespace waka::coordinator::pg
