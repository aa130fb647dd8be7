#include "coordinator/pg/patch_repository.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {
namespace {

const std::string kPatchColumns =
    "id, cve_ids::text AS cve_ids, component_type, component_name, affected_versions, "
    "patched_version, severity, description, " +
    SqlMillis("release_date") + " AS release_ms, metadata::text AS metadata, created_by, " +
    SqlMillis("created_at") + " AS created_ms";

std::string StringsToJson(const std::vector<std::string>& items) {
    boost::json::array array;
    for (const auto& item : items) {
        array.emplace_back(item);
    }
    return boost::json::serialize(array);
}

std::vector<std::string> StringsFromJson(const std::string& text) {
    std::vector<std::string> items;
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec || !value.is_array()) {
        return items;
    }
    for (const auto& item : value.as_array()) {
        if (item.is_string()) {
            items.emplace_back(item.as_string());
        }
    }
    return items;
}

domain::SecurityPatch PatchFromRow(const pqxx::row& row) {
    domain::SecurityPatch p;
    p.id = row["id"].as<std::string>();
    p.cve_ids = StringsFromJson(row["cve_ids"].as<std::string>());
    p.component_type = row["component_type"].as<std::string>();
    p.component_name = row["component_name"].as<std::string>();
    p.affected_versions = row["affected_versions"].as<std::string>();
    p.patched_version = row["patched_version"].as<std::string>();
    p.severity = row["severity"].as<std::string>();
    p.description = row["description"].as<std::string>();
    p.release_date = FromMillis(row["release_ms"].as<long long>());
    p.metadata_json = row["metadata"].as<std::string>();
    p.created_by = row["created_by"].as<std::string>();
    p.created_at = FromMillis(row["created_ms"].as<long long>());
    return p;
}

std::optional<domain::SecurityPatch> FindPatch(pqxx::transaction_base& tx, const std::string& id) {
    auto rows =
        tx.exec_params("SELECT " + kPatchColumns + " FROM security_patches WHERE id = $1", id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return PatchFromRow(rows[0]);
}

std::string AuditDetails(const domain::SecurityPatch& p) {
    return boost::json::serialize(
        boost::json::object{{"component", p.component_type + ":" + p.component_name},
                            {"affected_versions", p.affected_versions},
                            {"patched_version", p.patched_version},
                            {"severity", p.severity}});
}

}  // namespace

PgPatchRepository::PgPatchRepository(db::Database& database, const Clock& clock,
                                     const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<domain::SecurityPatch>> PgPatchRepository::Create(
    const domain::Principal& by, domain::SecurityPatch patch) {
    const auto now = clock_.Now();
    patch.created_by = by.actor;
    patch.created_at = now;
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::SecurityPatch> {
        pqxx::work tx(c);
        auto release = tx.exec_params(
            "SELECT 1 FROM releases WHERE component_type = $1 AND component_name = $2 AND "
            "version = $3",
            patch.component_type, patch.component_name, patch.patched_version);
        if (release.empty()) {
            return MakeError(Errc::kInvalidArgument,
                             "patched_version " + patch.patched_version + " of " +
                                 patch.component_type + ":" + patch.component_name +
                                 " is not a registered release; register it with POST "
                                 "/api/v1/versions first");
        }
        if (FindPatch(tx, patch.id)) {
            return MakeError(Errc::kConflict, "Patch " + patch.id + " already exists");
        }
        tx.exec_params(
            "INSERT INTO security_patches (id, cve_ids, component_type, component_name, "
            "affected_versions, patched_version, severity, description, release_date, metadata, "
            "created_by, created_at) VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, "
            "$9::timestamptz, $10::jsonb, $11, $12::timestamptz)",
            patch.id, StringsToJson(patch.cve_ids), patch.component_type, patch.component_name,
            patch.affected_versions, patch.patched_version, patch.severity, patch.description,
            FormatRfc3339(patch.release_date), patch.metadata_json, patch.created_by,
            FormatRfc3339(now));
        domain::AuditDraft audit{by.actor,
                                 "patch.register",
                                 "security_patch",
                                 patch.id,
                                 "",
                                 "allowed",
                                 patch.description.substr(0, 200),
                                 AuditDetails(patch)};
        if (auto entry = AppendAudit(tx, audit_key_, audit, now); !entry) {
            return entry.error();
        }
        auto stored = FindPatch(tx, patch.id);
        tx.commit();
        return *stored;
    });
}

boost::asio::awaitable<Expected<domain::SecurityPatch>> PgPatchRepository::Get(std::string id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::SecurityPatch> {
        pqxx::read_transaction tx(c);
        auto patch = FindPatch(tx, id);
        if (!patch) {
            return MakeError(Errc::kNotFound, "Patch not found");
        }
        return *patch;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::SecurityPatch>>> PgPatchRepository::List(
    ports::PatchFilter filter) {
    co_return co_await database_.Run([&](pqxx::connection& c)
                                         -> Expected<std::vector<domain::SecurityPatch>> {
        pqxx::read_transaction tx(c);
        if (filter.cursor && !FindPatch(tx, *filter.cursor)) {
            return MakeError(Errc::kInvalidArgument,
                             "cursor " + *filter.cursor + " is not a patch id");
        }
        auto rows = tx.exec_params(
            "SELECT " + kPatchColumns +
                " FROM security_patches WHERE ($1::text IS NULL OR component_type = $1) AND "
                "($2::text IS NULL OR component_name = $2) AND ($3::text IS NULL OR severity = $3) "
                "AND ($4::text IS NULL OR (release_date, id) < (SELECT release_date, id FROM "
                "security_patches WHERE id = $4)) ORDER BY release_date DESC, id DESC LIMIT $5",
            filter.component_type, filter.component_name, filter.severity, filter.cursor,
            static_cast<long long>(filter.limit));
        std::vector<domain::SecurityPatch> patches;
        patches.reserve(rows.size());
        for (const auto& row : rows) {
            patches.push_back(PatchFromRow(row));
        }
        return patches;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::PatchDeployment>>>
PgPatchRepository::Deployments(std::string patch_id, std::string instance_id) {
    co_return co_await database_.Run([&](pqxx::connection& c)
                                         -> Expected<std::vector<domain::PatchDeployment>> {
        pqxx::read_transaction tx(c);
        auto rows = tx.exec_params(
            "SELECT p.patch_id, p.deployment_id, p.instance_id, d.status, p.enforced, " +
                SqlMillis("d.created_at") + " AS created_ms, " + SqlMillis("d.completed_at") +
                " AS completed_ms, d.error_message FROM patch_deployments p JOIN deployments d ON "
                "d.id = p.deployment_id WHERE ($1 = '' OR p.patch_id = $1) AND ($2 = '' OR "
                "p.instance_id = $2) ORDER BY d.created_at DESC, d.id DESC",
            patch_id, instance_id);
        std::vector<domain::PatchDeployment> links;
        links.reserve(rows.size());
        for (const auto& row : rows) {
            domain::PatchDeployment link;
            link.patch_id = row["patch_id"].as<std::string>();
            link.deployment_id = row["deployment_id"].as<std::string>();
            link.instance_id = row["instance_id"].as<std::string>();
            link.status = StatusFromText(row["status"].as<std::string>());
            link.enforced = row["enforced"].as<bool>();
            link.created_at = FromMillis(row["created_ms"].as<long long>());
            link.completed_at = OptionalTime(row["completed_ms"]);
            if (!row["error_message"].is_null()) {
                link.error_message = row["error_message"].as<std::string>();
            }
            links.push_back(std::move(link));
        }
        return links;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::InstanceManifest>>>
PgPatchRepository::CurrentManifests(std::string instance_id) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::InstanceManifest>> {
            pqxx::read_transaction tx(c);
            auto rows = tx.exec_params(
                "SELECT i.id AS instance_id, m.id, m.platform_name, m.platform_version, "
                "m.suites::text AS suites, m.capabilities::text AS capabilities FROM instances i "
                "JOIN manifests m ON m.id = i.current_manifest_id WHERE i.decommissioned_at IS "
                "NULL AND ($1 = '' OR i.id = $1) ORDER BY i.id",
                instance_id);
            std::vector<domain::InstanceManifest> out;
            out.reserve(rows.size());
            for (const auto& row : rows) {
                domain::InstanceManifest item;
                item.instance_id = row["instance_id"].as<std::string>();
                item.manifest.id = row["id"].as<std::string>();
                item.manifest.platform_name = row["platform_name"].as<std::string>();
                item.manifest.platform_version = row["platform_version"].as<std::string>();
                item.manifest.suites = StringMapFromJson(row["suites"].as<std::string>());
                item.manifest.capabilities =
                    StringMapFromJson(row["capabilities"].as<std::string>());
                out.push_back(std::move(item));
            }
            return out;
        });
}

boost::asio::awaitable<Expected<std::map<std::pair<std::string, std::string>, std::string>>>
PgPatchRepository::Refusals(std::string instance_id) {
    using Map = std::map<std::pair<std::string, std::string>, std::string>;
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Map> {
        pqxx::read_transaction tx(c);
        auto rows = tx.exec_params(
            "SELECT DISTINCT ON (details->>'patch_id', instance_id) details->>'patch_id', "
            "instance_id, reason FROM audit_log WHERE action = 'patch.create' AND decision = "
            "'refused' AND details ? 'patch_id' AND instance_id IS NOT NULL AND ($1 = '' OR "
            "instance_id = $1) ORDER BY details->>'patch_id', instance_id, seq DESC",
            instance_id);
        Map out;
        for (const auto& row : rows) {
            out[{row[0].as<std::string>(), row[1].as<std::string>()}] = row[2].as<std::string>();
        }
        return out;
    });
}

boost::asio::awaitable<Expected<void>> PgPatchRepository::Link(std::string deployment_id,
                                                               std::string patch_id,
                                                               std::string instance_id,
                                                               bool enforced) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params(
            "INSERT INTO patch_deployments (deployment_id, patch_id, instance_id, enforced) VALUES "
            "($1, $2, $3, $4) ON CONFLICT (deployment_id) DO NOTHING",
            deployment_id, patch_id, instance_id, enforced);
        tx.commit();
        return {};
    });
}

}  // namespace waka::coordinator::pg
