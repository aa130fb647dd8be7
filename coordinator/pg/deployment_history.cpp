// The reads of PgDeploymentRepository behind rollbacks and reports: what an instance ran before,
// rollbacks listed, deployments counted by status.
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/deployment_repository.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {
namespace {

domain::ManifestRun RunFromRow(const pqxx::row& row) {
    return {row["id"].as<std::string>(), row["kind"].as<std::string>(),
            row["manifest_id"].as<std::string>(), OptionalText(row["previous_manifest_id"]),
            FromMillis(row["completed_ms"].as<long long>())};
}

const std::string kRunColumns = "id, kind, manifest_id, previous_manifest_id, " +
                                SqlMillis("completed_at") + " AS completed_ms";

std::vector<domain::ManifestRun> Runs(const pqxx::result& rows) {
    std::vector<domain::ManifestRun> runs;
    runs.reserve(rows.size());
    for (const auto& row : rows) {
        runs.push_back(RunFromRow(row));
    }
    return runs;
}

void LoadRuns(pqxx::transaction_base& tx, const std::string& instance_id,
              domain::InstanceHistory& history) {
    const auto limit = static_cast<long long>(domain::kHistoryLimit);
    history.runs =
        Runs(tx.exec_params("SELECT " + kRunColumns +
                                " FROM deployments WHERE instance_id = $1 AND status = 'deployed' "
                                "ORDER BY completed_at DESC, id DESC LIMIT $2",
                            instance_id, limit));
    // DISTINCT ON keeps each manifest's latest run; the outer query orders them by that run.
    history.available = Runs(tx.exec_params(
        "SELECT * FROM (SELECT DISTINCT ON (manifest_id) " + kRunColumns +
            ", completed_at, id AS run_id FROM deployments WHERE instance_id = $1 AND "
            "status = 'deployed' AND manifest_id IS DISTINCT FROM $2 "
            "ORDER BY manifest_id, completed_at DESC, id DESC) latest "
            "ORDER BY completed_at DESC, run_id DESC LIMIT $3",
        instance_id, history.current_manifest_id, limit));
}

void LoadTarget(pqxx::transaction_base& tx, const std::string& instance_id,
                const std::string& target, domain::InstanceHistory& history) {
    if (target.empty()) {
        return;
    }
    auto rows = tx.exec_params(
        "SELECT EXISTS (SELECT 1 FROM manifests WHERE id = $2), EXISTS (SELECT 1 FROM deployments "
        "WHERE instance_id = $1 AND manifest_id = $2 AND status = 'deployed')",
        instance_id, target);
    history.target_exists = rows[0][0].as<bool>();
    history.target_ran = rows[0][1].as<bool>();
}

void LoadRollbackCounts(pqxx::transaction_base& tx, const std::string& instance_id,
                        domain::InstanceHistory& history) {
    auto rows = tx.exec_params(
        "SELECT count(*), count(*) FILTER (WHERE status = 'deployed'), count(*) FILTER (WHERE "
        "status IN ('failed', 'rolled_back')) FROM deployments WHERE instance_id = $1 AND "
        "kind = 'rollback'",
        instance_id);
    history.total_rollbacks = rows[0][0].as<std::int64_t>();
    history.successful_rollbacks = rows[0][1].as<std::int64_t>();
    history.failed_rollbacks = rows[0][2].as<std::int64_t>();
}

}  // namespace

boost::asio::awaitable<Expected<domain::InstanceHistory>> PgDeploymentRepository::History(
    std::string instance_id, std::string target) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::InstanceHistory> {
        pqxx::read_transaction tx(c);
        domain::InstanceHistory history;
        auto instance = tx.exec_params(
            "SELECT current_manifest_id, decommissioned_at IS NOT NULL FROM instances WHERE id = "
            "$1",
            instance_id);
        if (instance.empty()) {
            return history;
        }
        history.found = true;
        history.current_manifest_id = OptionalText(instance[0][0]);
        history.decommissioned = instance[0][1].as<bool>();
        LoadRuns(tx, instance_id, history);
        LoadTarget(tx, instance_id, target, history);
        LoadRollbackCounts(tx, instance_id, history);
        return history;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::Deployment>>>
PgDeploymentRepository::ListRollbacks(ports::RollbackListFilter filter) {
    co_return co_await database_.Run([&](pqxx::connection& c)
                                         -> Expected<std::vector<domain::Deployment>> {
        pqxx::read_transaction tx(c);
        auto rows = tx.exec_params(
            "SELECT " + DeploymentColumns() +
                " FROM deployments WHERE kind = 'rollback' AND ($1::text IS NULL OR instance_id = "
                "$1) AND ($2::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM "
                "deployments WHERE id = $2)) ORDER BY created_at DESC, id DESC LIMIT $3",
            filter.instance_id, filter.cursor, static_cast<long long>(filter.limit));
        std::vector<domain::Deployment> rollbacks;
        rollbacks.reserve(rows.size());
        for (const auto& row : rows) {
            rollbacks.push_back(DeploymentFromRow(row));
        }
        return rollbacks;
    });
}

boost::asio::awaitable<Expected<ports::StatusCounts>> PgDeploymentRepository::CountByStatus() {
    co_return co_await database_.Run([](pqxx::connection& c) -> Expected<ports::StatusCounts> {
        pqxx::read_transaction tx(c);
        ports::StatusCounts counts;
        for (const auto& row : tx.exec("SELECT kind = 'rollback', status, count(*) FROM "
                                       "deployments GROUP BY 1, 2")) {
            const auto status = StatusFromText(row[1].as<std::string>());
            const auto count = row[2].as<std::uint64_t>();
            counts.all[status] += count;
            if (row[0].as<bool>()) {
                counts.rollbacks[status] += count;
            }
        }
        return counts;
    });
}

}  // namespace waka::coordinator::pg
