#include "coordinator/pg/catalog_repository.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/row_codec.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::pg {
namespace {

const std::string kReleaseBaseColumns =
    "r.id, r.component_type, r.component_name, r.version, " + SqlMillis("r.release_date") +
    " AS release_ms, r.is_stable, r.is_security_patch, r.changelog, r.dependencies::text AS deps, "
    "r.metadata::text AS meta, r.artifact_sha256, COALESCE(a.size, 0) AS artifact_size, " +
    SqlMillis("r.created_at") + " AS created_ms, r.release_key_id";
// One release, as planning needs it: with the signed statement the agent is handed.
const std::string kReleaseColumns =
    kReleaseBaseColumns + ", r.release_statement, r.release_signature";
// The whole catalog (the resolver's index, GET /versions): the statements stay in the database,
// a few hundred bytes per release that nothing listing them reads.
const std::string kListColumns =
    kReleaseBaseColumns + ", NULL::text AS release_statement, NULL::text AS release_signature";
const std::string kReleaseFrom =
    " FROM releases r LEFT JOIN artifacts a ON a.sha256 = r.artifact_sha256 ";

domain::Release ReleaseFromRow(const pqxx::row& row) {
    domain::Release r;
    r.id = row["id"].as<std::string>();
    r.component_type = row["component_type"].as<std::string>();
    r.component_name = row["component_name"].as<std::string>();
    r.version = row["version"].as<std::string>();
    r.release_date = FromMillis(row["release_ms"].as<long long>());
    r.is_stable = row["is_stable"].as<bool>();
    r.is_security_patch = row["is_security_patch"].as<bool>();
    r.changelog = row["changelog"].as<std::string>();
    r.dependencies = StringMapFromJson(row["deps"].as<std::string>());
    r.metadata_json = row["meta"].as<std::string>();
    if (!row["artifact_sha256"].is_null()) {
        r.artifact_sha256 = row["artifact_sha256"].as<std::string>();
    }
    r.artifact_size = row["artifact_size"].as<std::uint64_t>();
    r.created_at = FromMillis(row["created_ms"].as<long long>());
    r.release_key_id = OptionalText(row["release_key_id"]).value_or("");
    r.release_statement = OptionalText(row["release_statement"]).value_or("");
    r.release_signature = SignatureFromText(OptionalText(row["release_signature"]));
    return r;
}

// "artifact.upload" (with the signing key, if any), or "release.sign" for a statement stored on
// a release whose artifact was already there.
domain::AuditDraft AttachAudit(const domain::Principal& by, const ports::ReleaseKey& key,
                               const domain::Release& release, const std::string& sha256,
                               std::uint64_t size, bool attached, const std::string& key_id) {
    boost::json::object details{{"component_type", key.component_type},
                                {"component_name", key.component_name},
                                {"version", key.version},
                                {"sha256", sha256},
                                {"size", size}};
    if (!key_id.empty()) {
        details["release_key_id"] = key_id;
    }
    return {.actor = by.actor,
            .action = attached ? "artifact.upload" : "release.sign",
            .target_type = "release",
            .target_id = release.id,
            .reason = "",
            .details_json = boost::json::serialize(details)};
}

std::string KeyText(const ports::ReleaseKey& key) {
    return key.component_type + ":" + key.component_name + " " + key.version;
}

std::optional<domain::Release> FindRelease(pqxx::transaction_base& tx, const ports::ReleaseKey& key,
                                           bool lock) {
    auto rows = tx.exec_params("SELECT " + kReleaseColumns + kReleaseFrom +
                                   "WHERE r.component_type = $1 AND r.component_name = $2 AND "
                                   "r.version = $3" +
                                   (lock ? " FOR UPDATE OF r" : ""),
                               key.component_type, key.component_name, key.version);
    if (rows.empty()) {
        return std::nullopt;
    }
    return ReleaseFromRow(rows[0]);
}

std::string KeyDetails(const ports::ReleaseKey& key) {
    return boost::json::serialize(boost::json::object{{"component_type", key.component_type},
                                                      {"component_name", key.component_name},
                                                      {"version", key.version}});
}

Expected<domain::Release> InsertRelease(pqxx::work& tx, const AuditKey& audit_key,
                                        const domain::Principal& by, const domain::Release& r,
                                        TimePoint now) {
    tx.exec_params(
        "INSERT INTO releases (id, component_type, component_name, version, release_date, "
        "is_stable, is_security_patch, changelog, dependencies, metadata, created_at) VALUES "
        "($1, $2, $3, $4, $5::timestamptz, $6, $7, $8, $9::jsonb, $10::jsonb, $11::timestamptz)",
        r.id, r.component_type, r.component_name, r.version, FormatRfc3339(r.release_date),
        r.is_stable, r.is_security_patch, r.changelog, StringMapToJson(r.dependencies),
        r.metadata_json, FormatRfc3339(now));
    ports::ReleaseKey key{r.component_type, r.component_name, r.version};
    domain::AuditDraft draft{.actor = by.actor,
                             .action = "release.create",
                             .target_type = "release",
                             .target_id = r.id,
                             .reason = "",
                             .details_json = KeyDetails(key)};
    if (auto audit = AppendAudit(tx, audit_key, draft, now); !audit) {
        return audit.error();
    }
    auto stored = FindRelease(tx, key, false);
    if (!stored) {
        return MakeError(Errc::kInternal, "release vanished after insert");
    }
    tx.commit();
    return *stored;
}

domain::Artifact ArtifactFromRow(const pqxx::row& row) {
    return domain::Artifact{row["sha256"].as<std::string>(), row["size"].as<std::uint64_t>(),
                            FromMillis(row["created_ms"].as<long long>())};
}

std::optional<domain::Artifact> FindArtifact(pqxx::transaction_base& tx,
                                             const std::string& sha256) {
    auto rows = tx.exec_params("SELECT sha256, size, " + SqlMillis("created_at") +
                                   " AS created_ms FROM artifacts WHERE sha256 = $1",
                               sha256);
    if (rows.empty()) {
        return std::nullopt;
    }
    return ArtifactFromRow(rows[0]);
}

}  // namespace

PgCatalogRepository::PgCatalogRepository(db::Database& database, const Clock& clock,
                                         const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<domain::Release>> PgCatalogRepository::Create(
    const domain::Principal& by, ports::NewRelease input) {
    TimePoint now = clock_.Now();
    domain::Release r;
    r.id = NewId("release");
    r.component_type = std::move(input.component_type);
    r.component_name = std::move(input.component_name);
    r.version = std::move(input.version);
    r.release_date = input.release_date.value_or(now);
    r.is_stable = input.is_stable;
    r.is_security_patch = input.is_security_patch;
    r.changelog = std::move(input.changelog);
    r.dependencies = std::move(input.dependencies);
    r.metadata_json = std::move(input.metadata_json);
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Release> {
        pqxx::work tx(c);
        try {
            return InsertRelease(tx, audit_key_, by, r, now);
        } catch (const pqxx::unique_violation&) {
            return MakeError(Errc::kConflict, "Version " + r.component_type + ":" +
                                                  r.component_name + " " + r.version +
                                                  " is already registered");
        }
    });
}

boost::asio::awaitable<Expected<domain::Release>> PgCatalogRepository::Get(ports::ReleaseKey key) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Release> {
        pqxx::read_transaction tx(c);
        auto release = FindRelease(tx, key, false);
        if (!release) {
            return MakeError(Errc::kNotFound, "Version not found");
        }
        return *release;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::Release>>> PgCatalogRepository::List(
    ports::ReleaseFilter filter) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::Release>> {
            pqxx::read_transaction tx(c);
            auto rows = tx.exec_params("SELECT " + kListColumns + kReleaseFrom +
                                           "WHERE ($1::text IS NULL OR r.component_type = $1) AND "
                                           "($2::text IS NULL OR r.component_name = $2) "
                                           "ORDER BY r.created_at DESC, r.id",
                                       filter.component_type, filter.component_name);
            std::vector<domain::Release> releases;
            releases.reserve(rows.size());
            for (const auto& row : rows) {
                releases.push_back(ReleaseFromRow(row));
            }
            return releases;
        });
}

boost::asio::awaitable<Expected<std::vector<domain::Release>>> PgCatalogRepository::Find(
    std::vector<ports::ReleaseKey> keys) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::Release>> {
            pqxx::read_transaction tx(c);
            std::vector<domain::Release> found;
            for (const ports::ReleaseKey& key : keys) {
                if (auto release = FindRelease(tx, key, false)) {
                    found.push_back(std::move(*release));
                }
            }
            return found;
        });
}

boost::asio::awaitable<Expected<std::string>> PgCatalogRepository::CatalogGeneration() {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::string> {
        pqxx::read_transaction tx(c);
        auto row = tx.exec1("SELECT count(*)::text || ':' || coalesce(" +
                            SqlMillis("max(created_at)") + "::text, '') FROM releases");
        return row[0].as<std::string>();
    });
}

boost::asio::awaitable<Expected<ports::AttachedArtifact>> PgCatalogRepository::AttachArtifact(
    const domain::Principal& by, ports::ReleaseKey key, std::string sha256, std::uint64_t size,
    std::optional<ports::VerifiedStatement> statement, std::function<Expected<void>()> place_file) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::AttachedArtifact> {
        pqxx::work tx(c);
        auto release = FindRelease(tx, key, true);
        if (!release) {
            return MakeError(Errc::kNotFound, "Version not found");
        }
        if (release->artifact_sha256 && release->artifact_sha256 != sha256) {
            return MakeError(Errc::kConflict, "Version " + KeyText(key) + " already has artifact " +
                                                  *release->artifact_sha256 +
                                                  "; a release's artifact never changes");
        }
        const bool attach = !release->artifact_sha256;
        const bool sign = statement && statement->statement != release->release_statement;
        if (attach) {
            if (auto placed = place_file(); !placed) {
                return placed.error();
            }
            tx.exec_params(
                "INSERT INTO artifacts (sha256, size, created_at) VALUES ($1, $2, "
                "$3::timestamptz) ON CONFLICT (sha256) DO NOTHING",
                sha256, static_cast<long long>(size), FormatRfc3339(now));
            tx.exec_params("UPDATE releases SET artifact_sha256 = $1 WHERE id = $2", sha256,
                           release->id);
        }
        if (sign) {
            tx.exec_params(
                "UPDATE releases SET release_statement = $1, release_signature = $2, "
                "release_key_id = $3 WHERE id = $4",
                statement->statement, SignatureToText(statement->signature), statement->key_id,
                release->id);
        }
        if (attach || sign) {
            auto audit = AppendAudit(
                tx, audit_key_,
                AttachAudit(by, key, *release, sha256, size, attach, sign ? statement->key_id : ""),
                now);
            if (!audit) {
                return audit.error();
            }
        }
        auto artifact = FindArtifact(tx, sha256);
        auto updated = FindRelease(tx, key, false);
        if (!artifact || !updated) {
            return MakeError(Errc::kInternal, "artifact attach did not read back");
        }
        tx.commit();
        return ports::AttachedArtifact{std::move(*updated), std::move(*artifact), attach, sign};
    });
}

boost::asio::awaitable<Expected<domain::Artifact>> PgCatalogRepository::GetArtifact(
    std::string sha256) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Artifact> {
        pqxx::read_transaction tx(c);
        auto artifact = FindArtifact(tx, sha256);
        if (!artifact) {
            return MakeError(Errc::kNotFound, "Artifact not found");
        }
        return *artifact;
    });
}

boost::asio::awaitable<Expected<bool>> PgCatalogRepository::ArtifactExists(
    const std::string& sha256) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<bool> {
        pqxx::read_transaction tx(c);
        return !tx.exec_params("SELECT 1 FROM artifacts WHERE sha256 = $1", sha256).empty();
    });
}

}  // namespace waka::coordinator::pg
