#include "coordinator/pg/quarantine_repository.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/batch_reads.hpp"
#include "coordinator/pg/row_codec.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::pg {
namespace {

const std::string kColumns =
    "id, instance_id, component_type, component_name, version, deployment_id, reason, " +
    SqlMillis("created_at") + " AS created_ms, " + SqlMillis("cleared_at") +
    " AS cleared_ms, cleared_by, clear_reason";

domain::Quarantine FromRow(const pqxx::row& row) {
    domain::Quarantine q;
    q.id = row["id"].as<std::string>();
    q.instance_id = row["instance_id"].as<std::string>();
    q.component_type = row["component_type"].as<std::string>();
    q.component_name = row["component_name"].as<std::string>();
    q.version = row["version"].as<std::string>();
    q.deployment_id = OptionalText(row["deployment_id"]);
    q.reason = row["reason"].as<std::string>();
    q.created_at = FromMillis(row["created_ms"].as<long long>());
    if (!row["cleared_ms"].is_null()) {
        q.cleared_at = FromMillis(row["cleared_ms"].as<long long>());
    }
    q.cleared_by = OptionalText(row["cleared_by"]);
    q.clear_reason = OptionalText(row["clear_reason"]);
    return q;
}

std::string VersionsJson(const std::vector<domain::InstalledComponent>& versions) {
    boost::json::array array;
    for (const auto& v : versions) {
        array.emplace_back(v.type + ":" + v.name + " " + v.version);
    }
    return boost::json::serialize(boost::json::object{{"versions", std::move(array)}});
}

}  // namespace

Expected<void> InsertQuarantines(pqxx::transaction_base& tx, const AuditKey& audit_key,
                                 const std::string& instance_id,
                                 const std::vector<domain::InstalledComponent>& versions,
                                 const std::string& deployment_id, const std::string& reason,
                                 TimePoint now) {
    for (const auto& v : versions) {
        tx.exec_params(
            "INSERT INTO quarantines (id, instance_id, component_type, component_name, version, "
            "deployment_id, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
            "$8::timestamptz) ON CONFLICT (instance_id, component_type, component_name, "
            "version) WHERE cleared_at IS NULL DO NOTHING",
            NewId("quarantine"), instance_id, v.type, v.name, v.version, deployment_id, reason,
            FormatRfc3339(now));
    }
    domain::AuditDraft audit{"system",    "quarantine.add", "deployment", deployment_id,
                             instance_id, "recorded",       reason,       VersionsJson(versions)};
    if (auto entry = AppendAudit(tx, audit_key, audit, now); !entry) {
        return entry.error();
    }
    return {};
}

PgQuarantineRepository::PgQuarantineRepository(db::Database& database, const Clock& clock,
                                               const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<void>> PgQuarantineRepository::Add(
    std::string instance_id, std::vector<domain::InstalledComponent> versions,
    std::string deployment_id, std::string reason) {
    if (versions.empty()) {
        co_return Expected<void>{};
    }
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        auto inserted =
            InsertQuarantines(tx, audit_key_, instance_id, versions, deployment_id, reason, now);
        if (!inserted) {
            return inserted.error();
        }
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<std::vector<domain::Quarantine>>> PgQuarantineRepository::List(
    std::string instance_id, bool include_cleared) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::Quarantine>> {
            pqxx::read_transaction tx(c);
            auto rows = tx.exec_params("SELECT " + kColumns +
                                           " FROM quarantines WHERE instance_id = $1 AND ($2 OR "
                                           "cleared_at IS NULL) ORDER BY created_at DESC, id DESC",
                                       instance_id, include_cleared);
            std::vector<domain::Quarantine> out;
            out.reserve(rows.size());
            for (const auto& row : rows) {
                out.push_back(FromRow(row));
            }
            return out;
        });
}

boost::asio::awaitable<Expected<std::map<std::string, std::vector<std::string>>>>
PgQuarantineRepository::Active(std::string instance_id) {
    using Map = std::map<std::string, std::vector<std::string>>;
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Map> {
        pqxx::read_transaction tx(c);
        auto rows = tx.exec_params(
            "SELECT component_type || ':' || component_name, version FROM quarantines WHERE "
            "instance_id = $1 AND cleared_at IS NULL",
            instance_id);
        Map out;
        for (const auto& row : rows) {
            out[row[0].as<std::string>()].push_back(row[1].as<std::string>());
        }
        return out;
    });
}

boost::asio::awaitable<Expected<domain::Quarantine>> PgQuarantineRepository::Clear(
    const domain::Principal& by, std::string instance_id, std::string id, std::string reason) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Quarantine> {
        pqxx::work tx(c);
        auto rows = tx.exec_params(
            "SELECT cleared_at IS NOT NULL FROM quarantines WHERE id = $1 AND instance_id = $2 FOR "
            "UPDATE",
            id, instance_id);
        if (rows.empty()) {
            return MakeError(Errc::kNotFound, "Quarantine not found");
        }
        if (rows[0][0].as<bool>()) {
            return MakeError(Errc::kConflict, "Quarantine " + id + " is already cleared");
        }
        tx.exec_params(
            "UPDATE quarantines SET cleared_at = $2::timestamptz, cleared_by = $3, clear_reason = "
            "$4 WHERE id = $1",
            id, FormatRfc3339(now), by.actor, reason);
        domain::AuditDraft audit{by.actor,    "quarantine.clear", "quarantine", id,
                                 instance_id, "allowed",          reason,       "{}"};
        if (auto entry = AppendAudit(tx, audit_key_, audit, now); !entry) {
            return entry.error();
        }
        auto cleared = tx.exec_params("SELECT " + kColumns + " FROM quarantines WHERE id = $1", id);
        tx.commit();
        return FromRow(cleared[0]);
    });
}

std::map<std::string, std::map<std::string, std::vector<std::string>>> QuarantinedOf(
    pqxx::transaction_base& tx, const std::string& ids_json) {
    std::map<std::string, std::map<std::string, std::vector<std::string>>> out;
    for (const auto& row : tx.exec_params(
             "SELECT instance_id, component_type || ':' || component_name, version FROM "
             "quarantines WHERE instance_id IN (SELECT jsonb_array_elements_text($1::jsonb)) "
             "AND cleared_at IS NULL",
             ids_json)) {
        out[row[0].as<std::string>()][row[1].as<std::string>()].push_back(row[2].as<std::string>());
    }
    return out;
}

}  // namespace waka::coordinator::pg
