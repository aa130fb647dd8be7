#include "coordinator/store/release_store.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/store/audit_store.hpp"
#include "coordinator/store/row_codec.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::store {
namespace {

const std::string kReleaseColumns =
    "r.id, r.component_type, r.component_name, r.version, " + SqlMillis("r.release_date") +
    " AS release_ms, r.is_stable, r.is_security_patch, r.changelog, r.dependencies::text AS deps, "
    "r.metadata::text AS meta, r.artifact_sha256, COALESCE(a.size, 0) AS artifact_size, " +
    SqlMillis("r.created_at") + " AS created_ms";
const std::string kReleaseFrom =
    " FROM releases r LEFT JOIN artifacts a ON a.sha256 = r.artifact_sha256 ";

Release ReleaseFromRow(const pqxx::row& row) {
    Release r;
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
    return r;
}

std::string KeyText(const ReleaseKey& key) {
    return key.component_type + ":" + key.component_name + " " + key.version;
}

std::optional<Release> FindRelease(pqxx::transaction_base& tx, const ReleaseKey& key, bool lock) {
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

std::string KeyDetails(const ReleaseKey& key) {
    return boost::json::serialize(boost::json::object{{"component_type", key.component_type},
                                                      {"component_name", key.component_name},
                                                      {"version", key.version}});
}

Expected<Release> InsertRelease(pqxx::work& tx, const Principal& by, const Release& r,
                                TimePoint now) {
    tx.exec_params(
        "INSERT INTO releases (id, component_type, component_name, version, release_date, "
        "is_stable, is_security_patch, changelog, dependencies, metadata, created_at) VALUES "
        "($1, $2, $3, $4, $5::timestamptz, $6, $7, $8, $9::jsonb, $10::jsonb, $11::timestamptz)",
        r.id, r.component_type, r.component_name, r.version, FormatRfc3339(r.release_date),
        r.is_stable, r.is_security_patch, r.changelog, StringMapToJson(r.dependencies),
        r.metadata_json, FormatRfc3339(now));
    ReleaseKey key{r.component_type, r.component_name, r.version};
    AuditDraft draft{.actor = by.actor,
                     .action = "release.create",
                     .target_type = "release",
                     .target_id = r.id,
                     .reason = "",
                     .details_json = KeyDetails(key)};
    if (auto audit = AppendAudit(tx, draft, now); !audit) {
        return audit.error();
    }
    auto stored = FindRelease(tx, key, false);
    if (!stored) {
        return MakeError(Errc::kInternal, "release vanished after insert");
    }
    tx.commit();
    return *stored;
}

Artifact ArtifactFromRow(const pqxx::row& row) {
    return Artifact{row["sha256"].as<std::string>(), row["size"].as<std::uint64_t>(),
                    FromMillis(row["created_ms"].as<long long>())};
}

std::optional<Artifact> FindArtifact(pqxx::transaction_base& tx, const std::string& sha256) {
    auto rows = tx.exec_params("SELECT sha256, size, " + SqlMillis("created_at") +
                                   " AS created_ms FROM artifacts WHERE sha256 = $1",
                               sha256);
    if (rows.empty()) {
        return std::nullopt;
    }
    return ArtifactFromRow(rows[0]);
}

}  // namespace

ReleaseStore::ReleaseStore(db::Database& database, const Clock& clock)
    : database_(database), clock_(clock) {}

boost::asio::awaitable<Expected<Release>> ReleaseStore::Create(const Principal& by,
                                                               NewRelease input) {
    TimePoint now = clock_.Now();
    Release r;
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
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Release> {
        pqxx::work tx(c);
        try {
            return InsertRelease(tx, by, r, now);
        } catch (const pqxx::unique_violation&) {
            return MakeError(Errc::kConflict, "Version " + r.component_type + ":" +
                                                  r.component_name + " " + r.version +
                                                  " is already registered");
        }
    });
}

boost::asio::awaitable<Expected<Release>> ReleaseStore::Get(ReleaseKey key) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Release> {
        pqxx::read_transaction tx(c);
        auto release = FindRelease(tx, key, false);
        if (!release) {
            return MakeError(Errc::kNotFound, "Version not found");
        }
        return *release;
    });
}

boost::asio::awaitable<Expected<std::vector<Release>>> ReleaseStore::List(ReleaseFilter filter) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::vector<Release>> {
        pqxx::read_transaction tx(c);
        auto rows = tx.exec_params("SELECT " + kReleaseColumns + kReleaseFrom +
                                       "WHERE ($1::text IS NULL OR r.component_type = $1) AND "
                                       "($2::text IS NULL OR r.component_name = $2) "
                                       "ORDER BY r.created_at DESC, r.id",
                                   filter.component_type, filter.component_name);
        std::vector<Release> releases;
        releases.reserve(rows.size());
        for (const auto& row : rows) {
            releases.push_back(ReleaseFromRow(row));
        }
        return releases;
    });
}

boost::asio::awaitable<Expected<std::vector<Release>>> ReleaseStore::Find(
    std::vector<ReleaseKey> keys) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::vector<Release>> {
        pqxx::read_transaction tx(c);
        std::vector<Release> found;
        for (const ReleaseKey& key : keys) {
            if (auto release = FindRelease(tx, key, false)) {
                found.push_back(std::move(*release));
            }
        }
        return found;
    });
}

boost::asio::awaitable<Expected<std::string>> ReleaseStore::CatalogGeneration() {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::string> {
        pqxx::read_transaction tx(c);
        auto row = tx.exec1("SELECT count(*)::text || ':' || coalesce(" +
                            SqlMillis("max(created_at)") + "::text, '') FROM releases");
        return row[0].as<std::string>();
    });
}

boost::asio::awaitable<Expected<AttachedArtifact>> ReleaseStore::AttachArtifact(
    const Principal& by, ReleaseKey key, std::string sha256, std::uint64_t size,
    std::function<Expected<void>()> place_file) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<AttachedArtifact> {
        pqxx::work tx(c);
        auto release = FindRelease(tx, key, true);
        if (!release) {
            return MakeError(Errc::kNotFound, "Version not found");
        }
        if (release->artifact_sha256 == sha256) {
            auto artifact = FindArtifact(tx, sha256);
            if (!artifact) {
                return MakeError(Errc::kInternal, "artifact row missing for " + sha256);
            }
            return AttachedArtifact{std::move(*release), std::move(*artifact), false};
        }
        if (release->artifact_sha256) {
            return MakeError(Errc::kConflict, "Version " + KeyText(key) + " already has artifact " +
                                                  *release->artifact_sha256 +
                                                  "; a release's artifact never changes");
        }
        if (auto placed = place_file(); !placed) {
            return placed.error();
        }
        tx.exec_params(
            "INSERT INTO artifacts (sha256, size, created_at) VALUES ($1, $2, $3::timestamptz) "
            "ON CONFLICT (sha256) DO NOTHING",
            sha256, static_cast<long long>(size), FormatRfc3339(now));
        tx.exec_params("UPDATE releases SET artifact_sha256 = $1 WHERE id = $2", sha256,
                       release->id);
        AuditDraft draft{.actor = by.actor,
                         .action = "artifact.upload",
                         .target_type = "release",
                         .target_id = release->id,
                         .reason = "",
                         .details_json = boost::json::serialize(
                             boost::json::object{{"component_type", key.component_type},
                                                 {"component_name", key.component_name},
                                                 {"version", key.version},
                                                 {"sha256", sha256},
                                                 {"size", size}})};
        if (auto audit = AppendAudit(tx, draft, now); !audit) {
            return audit.error();
        }
        auto artifact = FindArtifact(tx, sha256);
        auto updated = FindRelease(tx, key, false);
        if (!artifact || !updated) {
            return MakeError(Errc::kInternal, "artifact attach did not read back");
        }
        tx.commit();
        return AttachedArtifact{std::move(*updated), std::move(*artifact), true};
    });
}

boost::asio::awaitable<Expected<Artifact>> ReleaseStore::GetArtifact(std::string sha256) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Artifact> {
        pqxx::read_transaction tx(c);
        auto artifact = FindArtifact(tx, sha256);
        if (!artifact) {
            return MakeError(Errc::kNotFound, "Artifact not found");
        }
        return *artifact;
    });
}

}  // namespace waka::coordinator::store
