#include "coordinator/pg/manifest_repository.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/domain/manifest_hash.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/batch_reads.hpp"
#include "coordinator/pg/row_codec.hpp"
#include "shared/core/crypto.hpp"

namespace waka::coordinator::pg {
namespace {

const std::string kManifestColumns =
    "id, instance_id, platform_name, platform_version, suites::text AS suites, "
    "capabilities::text AS capabilities, configuration::text AS configuration, content_hash, "
    "created_by, " +
    SqlMillis("created_at") + " AS created_ms";

domain::Manifest ManifestFromRow(const pqxx::row& row) {
    domain::Manifest m;
    m.id = row["id"].as<std::string>();
    if (!row["instance_id"].is_null()) {
        m.instance_id = row["instance_id"].as<std::string>();
    }
    m.platform_name = row["platform_name"].as<std::string>();
    m.platform_version = row["platform_version"].as<std::string>();
    m.suites = StringMapFromJson(row["suites"].as<std::string>());
    m.capabilities = StringMapFromJson(row["capabilities"].as<std::string>());
    m.configuration_json = row["configuration"].as<std::string>();
    m.content_hash = row["content_hash"].as<std::string>();
    m.created_by = row["created_by"].as<std::string>();
    m.created_at = FromMillis(row["created_ms"].as<long long>());
    return m;
}

std::optional<domain::Manifest> FindManifest(pqxx::transaction_base& tx, const std::string& id) {
    auto rows = tx.exec_params("SELECT " + kManifestColumns + " FROM manifests WHERE id = $1", id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return ManifestFromRow(rows[0]);
}

std::optional<std::string> FindDuplicate(pqxx::transaction_base& tx, const domain::Manifest& m) {
    auto rows = tx.exec_params(
        "SELECT id FROM manifests WHERE content_hash = $1 AND instance_id IS NOT DISTINCT FROM $2 "
        "ORDER BY created_at, id LIMIT 1",
        m.content_hash, m.instance_id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return rows[0][0].as<std::string>();
}

Expected<ports::CreatedManifest> InsertManifest(pqxx::work& tx, const AuditKey& audit_key,
                                                const domain::Principal& by,
                                                const domain::Manifest& m, TimePoint now) {
    if (m.instance_id) {
        auto rows = tx.exec_params("SELECT 1 FROM instances WHERE id = $1", *m.instance_id);
        if (rows.empty()) {
            return MakeError(Errc::kNotFound, "Instance not found");
        }
    }
    ports::CreatedManifest created;
    created.duplicate_of = FindDuplicate(tx, m);
    tx.exec_params(
        "INSERT INTO manifests (id, instance_id, platform_name, platform_version, suites, "
        "capabilities, configuration, content_hash, created_by, created_at) VALUES ($1, $2, $3, "
        "$4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10::timestamptz)",
        m.id, m.instance_id, m.platform_name, m.platform_version, StringMapToJson(m.suites),
        StringMapToJson(m.capabilities), m.configuration_json, m.content_hash, by.actor,
        FormatRfc3339(now));
    boost::json::object details{{"content_hash", m.content_hash},
                                {"platform_version", m.platform_version}};
    if (created.duplicate_of) {
        details["duplicate_of"] = *created.duplicate_of;
    }
    domain::AuditDraft draft{.actor = by.actor,
                             .action = "manifest.create",
                             .target_type = "manifest",
                             .target_id = m.id,
                             .instance_id = m.instance_id.value_or(""),
                             .reason = "",
                             .details_json = boost::json::serialize(details)};
    if (auto audit = AppendAudit(tx, audit_key, draft, now); !audit) {
        return audit.error();
    }
    auto stored = FindManifest(tx, m.id);
    if (!stored) {
        return MakeError(Errc::kInternal, "manifest vanished after insert");
    }
    tx.commit();
    created.manifest = std::move(*stored);
    return created;
}

}  // namespace

PgManifestRepository::PgManifestRepository(db::Database& database, const Clock& clock,
                                           const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<ports::CreatedManifest>> PgManifestRepository::Create(
    const domain::Principal& by, domain::Manifest manifest) {
    auto hash = domain::ManifestContentHash(manifest);
    if (!hash) {
        co_return hash.error();
    }
    manifest.content_hash = *hash;
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::CreatedManifest> {
        pqxx::work tx(c);
        try {
            return InsertManifest(tx, audit_key_, by, manifest, now);
        } catch (const pqxx::unique_violation&) {
            return MakeError(Errc::kConflict, "Manifest " + manifest.id + " already exists");
        }
    });
}

boost::asio::awaitable<Expected<domain::Manifest>> PgManifestRepository::Get(std::string id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Manifest> {
        pqxx::read_transaction tx(c);
        auto manifest = FindManifest(tx, id);
        if (!manifest) {
            return MakeError(Errc::kNotFound, "Manifest not found");
        }
        return *manifest;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::Manifest>>> PgManifestRepository::List(
    ports::ManifestFilter filter) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::Manifest>> {
            pqxx::read_transaction tx(c);
            if (filter.cursor && FindManifest(tx, *filter.cursor) == std::nullopt) {
                return MakeError(Errc::kInvalidArgument, "cursor names no manifest");
            }
            // Newest first; the cursor row's (created_at, id) is where the previous page ended.
            auto rows = tx.exec_params(
                "SELECT " + kManifestColumns +
                    " FROM manifests WHERE ($1::text IS NULL OR instance_id = $1) AND ($2::text IS "
                    "NULL "
                    "OR (created_at, id) < (SELECT created_at, id FROM manifests WHERE id = $2)) "
                    "ORDER BY created_at DESC, id DESC LIMIT $3",
                filter.instance_id, filter.cursor, static_cast<long long>(filter.limit));
            std::vector<domain::Manifest> manifests;
            manifests.reserve(rows.size());
            for (const auto& row : rows) {
                manifests.push_back(ManifestFromRow(row));
            }
            return manifests;
        });
}

std::map<std::string, domain::Manifest> ManifestsOf(pqxx::transaction_base& tx,
                                                    const std::string& ids_json) {
    std::map<std::string, domain::Manifest> manifests;
    for (const auto& row : tx.exec_params(
             "SELECT " + kManifestColumns +
                 " FROM manifests WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))",
             ids_json)) {
        auto manifest = ManifestFromRow(row);
        manifests.emplace(manifest.id, std::move(manifest));
    }
    return manifests;
}

boost::asio::awaitable<Expected<std::map<std::string, std::string>>>
PgManifestRepository::FindSameContent(const std::vector<domain::Manifest>& candidates) {
    boost::json::array rows;
    for (const auto& m : candidates) {
        boost::json::object row{{"id", m.id}, {"h", m.content_hash}};
        if (m.instance_id) {
            row["i"] = *m.instance_id;
        }
        rows.push_back(std::move(row));
    }
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::map<std::string, std::string>> {
            pqxx::read_transaction tx(c);
            std::map<std::string, std::string> same;
            for (const auto& row : tx.exec_params(
                     "SELECT DISTINCT ON (x.id) x.id, m.id FROM jsonb_to_recordset($1::jsonb) AS "
                     "x(id text, h text, i text) JOIN manifests m ON m.content_hash = x.h AND "
                     "m.instance_id IS NOT DISTINCT FROM x.i ORDER BY x.id, m.created_at, m.id",
                     boost::json::serialize(rows))) {
                same.emplace(row[0].as<std::string>(), row[1].as<std::string>());
            }
            return same;
        });
}

std::vector<domain::AuditDraft> InsertManifests(pqxx::transaction_base& tx,
                                                const std::vector<domain::Manifest>& manifests,
                                                const std::string& actor, TimePoint now) {
    boost::json::array rows;
    std::vector<domain::AuditDraft> audits;
    for (const auto& m : manifests) {
        boost::json::object row{{"id", m.id},
                                {"pn", m.platform_name},
                                {"pv", m.platform_version},
                                {"s", boost::json::parse(StringMapToJson(m.suites))},
                                {"c", boost::json::parse(StringMapToJson(m.capabilities))},
                                {"cf", boost::json::parse(m.configuration_json)},
                                {"h", m.content_hash}};
        if (m.instance_id) {
            row["i"] = *m.instance_id;
        }
        rows.push_back(std::move(row));
        boost::json::object details{{"content_hash", m.content_hash},
                                    {"platform_version", m.platform_version}};
        audits.push_back({.actor = actor,
                          .action = "manifest.create",
                          .target_type = "manifest",
                          .target_id = m.id,
                          .instance_id = m.instance_id.value_or(""),
                          .reason = "",
                          .details_json = boost::json::serialize(details)});
    }
    if (!rows.empty()) {
        tx.exec_params(
            "INSERT INTO manifests (id, instance_id, platform_name, platform_version, suites, "
            "capabilities, configuration, content_hash, created_by, created_at) SELECT x.id, "
            "x.i, x.pn, x.pv, x.s, x.c, x.cf, x.h, $2, $3::timestamptz FROM "
            "jsonb_to_recordset($1::jsonb) AS x(id text, i text, pn text, pv text, s jsonb, "
            "c jsonb, cf jsonb, h text)",
            boost::json::serialize(rows), actor, FormatRfc3339(now));
    }
    return audits;
}

}  // namespace waka::coordinator::pg
