#include "coordinator/pg/floor_repository.hpp"

#include <boost/json.hpp>

#include "coordinator/db/database.hpp"
#include "coordinator/domain/floors.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {
namespace {

const std::string kFloorColumns =
    "component_type, component_name, min_version, reason, key_id, statement, signature, "
    "created_by, " +
    SqlMillis("created_at") + " AS created_ms";

domain::Floor FloorFromRow(const pqxx::row& row) {
    domain::Floor f;
    f.component_type = row["component_type"].as<std::string>();
    f.component_name = row["component_name"].as<std::string>();
    f.min_version = row["min_version"].as<std::string>();
    f.reason = row["reason"].as<std::string>();
    f.key_id = row["key_id"].as<std::string>();
    f.statement = row["statement"].as<std::string>();
    f.signature = SignatureFromText(row["signature"].as<std::string>());
    f.created_by = row["created_by"].as<std::string>();
    f.created_at = FromMillis(row["created_ms"].as<long long>());
    return f;
}

domain::AuditDraft RaiseAudit(const domain::Principal& by, const domain::Floor& floor,
                              const std::string& previous) {
    boost::json::object details{
        {"component_type", floor.component_type},
        {"component_name", floor.component_name},
        {"min_version", floor.min_version},
        {"previous_min_version",
         previous.empty() ? boost::json::value(nullptr) : boost::json::value(previous)},
        {"release_key_id", floor.key_id}};
    return {.actor = by.actor,
            .action = "floor.raise",
            .target_type = "floor",
            .target_id = floor.Key(),
            .reason = floor.reason,
            .details_json = boost::json::serialize(details)};
}

}  // namespace

std::vector<domain::Floor> SelectFloors(pqxx::transaction_base& tx) {
    std::vector<domain::Floor> floors;
    for (const auto& row :
         tx.exec("SELECT " + kFloorColumns +
                 " FROM release_floors ORDER BY component_type, component_name")) {
        floors.push_back(FloorFromRow(row));
    }
    return floors;
}

PgFloorRepository::PgFloorRepository(db::Database& database, const Clock& clock,
                                     const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<domain::Floor>> PgFloorRepository::Raise(
    const domain::Principal& by, domain::Floor floor) {
    const TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Floor> {
        pqxx::work tx(c);
        // One writer per component at a time, also when it has no floor yet (no row to lock).
        tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('floor:' || $1))", floor.Key());
        auto rows = tx.exec_params(
            "SELECT min_version FROM release_floors WHERE component_type = $1 AND "
            "component_name = $2",
            floor.component_type, floor.component_name);
        const std::string previous = rows.empty() ? "" : rows[0][0].as<std::string>();
        if (!previous.empty() && !domain::RaisesFloor(floor.min_version, previous)) {
            return MakeError(Errc::kConflict, "the floor of " + floor.Key() + " is " + previous +
                                                  " already; a floor is only ever raised, not to " +
                                                  floor.min_version);
        }
        floor.created_by = by.actor;
        floor.created_at = now;
        tx.exec_params(
            "INSERT INTO release_floors (component_type, component_name, min_version, reason, "
            "key_id, statement, signature, created_by, created_at) VALUES ($1, $2, $3, $4, $5, "
            "$6, $7, $8, $9::timestamptz) ON CONFLICT (component_type, component_name) DO UPDATE "
            "SET min_version = EXCLUDED.min_version, reason = EXCLUDED.reason, key_id = "
            "EXCLUDED.key_id, statement = EXCLUDED.statement, signature = EXCLUDED.signature, "
            "created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at",
            floor.component_type, floor.component_name, floor.min_version, floor.reason,
            floor.key_id, floor.statement, SignatureToText(floor.signature), floor.created_by,
            FormatRfc3339(now));
        if (auto audit = AppendAudit(tx, audit_key_, RaiseAudit(by, floor, previous), now);
            !audit) {
            return audit.error();
        }
        tx.commit();
        return floor;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::Floor>>> PgFloorRepository::List() {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::Floor>> {
            pqxx::read_transaction tx(c);
            return SelectFloors(tx);
        });
}

}  // namespace waka::coordinator::pg
