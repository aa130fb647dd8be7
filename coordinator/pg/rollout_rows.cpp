#include "coordinator/pg/rollout_rows.hpp"

#include <boost/json.hpp>

#include "coordinator/domain/rollout_codec.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {

const std::string& RolloutColumns() {
    static const std::string columns =
        "r.id, r.state, r.manifest_id, r.patch_id, r.enforced, r.constraints::text AS "
        "constraints, r.selector, r.instance_ids::text AS "
        "instance_ids, "
        "r.strategy::text AS strategy, r.reason, r.current_phase, r.state_reason, r.created_by, "
        "r.created_role, " +
        SqlMillis("r.phase_started_at") + " AS phase_started_ms, " +
        SqlMillis("r.phase_finished_at") + " AS phase_finished_ms, " + SqlMillis("r.created_at") +
        " AS created_ms, " + SqlMillis("r.updated_at") + " AS updated_ms, " +
        SqlMillis("r.finished_at") + " AS finished_ms, " +
        "(SELECT count(*) FROM rollout_members c WHERE c.rollout_id = r.id) AS member_count";
    return columns;
}

ports::Rollout RolloutFromRow(const pqxx::row& row) {
    ports::Rollout r;
    r.id = row["id"].as<std::string>();
    // Only the CHECK constraint's words are stored; anything else reads as paused (nothing moves).
    r.state = domain::ParseRolloutState(row["state"].as<std::string>())
                  .value_or(domain::RolloutState::kPaused);
    r.manifest_id = OptionalText(row["manifest_id"]).value_or("");
    r.patch_id = OptionalText(row["patch_id"]);
    r.enforced = row["enforced"].as<bool>();
    if (auto constraints = OptionalText(row["constraints"])) {
        // Stored by Create from a validated target; one that no longer parses reads as none.
        if (auto target = domain::CompileTargetFromJson(*constraints)) {
            r.constraints = std::move(*target);
        }
    }
    r.selector = row["selector"].as<std::string>();
    const boost::json::value ids = boost::json::parse(row["instance_ids"].as<std::string>());
    for (const auto& id : ids.as_array()) {
        r.instance_ids.emplace_back(id.as_string());
    }
    // Stored by Create after validation; a row that no longer parses keeps the default strategy's
    // shape so that reads work (and the rollout can be aborted).
    auto strategy = domain::StrategyFromJson(row["strategy"].as<std::string>());
    r.strategy = strategy ? std::move(*strategy) : domain::DefaultStrategy();
    r.reason = row["reason"].as<std::string>();
    r.current_phase = row["current_phase"].as<std::size_t>();
    r.state_reason = row["state_reason"].as<std::string>();
    r.created_by = row["created_by"].as<std::string>();
    r.created_role =
        domain::ParseRole(row["created_role"].as<std::string>()).value_or(domain::Role::kOperator);
    r.phase_started_at = FromMillis(row["phase_started_ms"].as<long long>());
    r.phase_finished_at = OptionalTime(row["phase_finished_ms"]);
    r.created_at = FromMillis(row["created_ms"].as<long long>());
    r.updated_at = FromMillis(row["updated_ms"].as<long long>());
    r.finished_at = OptionalTime(row["finished_ms"]);
    r.member_count = row["member_count"].as<std::size_t>();
    r.phases.resize(r.strategy.phases.size());
    return r;
}

std::optional<ports::Rollout> FindRollout(pqxx::transaction_base& tx, const std::string& id,
                                          TimePoint now) {
    auto rows =
        tx.exec_params("SELECT " + RolloutColumns() + " FROM rollouts r WHERE r.id = $1", id);
    if (rows.empty()) {
        return std::nullopt;
    }
    std::vector<ports::Rollout> one{RolloutFromRow(rows[0])};
    LoadCounts(tx, one, now);
    return std::move(one.front());
}

// Rejected and expired deployments did not change their instance: skipped, not failed. A
// deployment that should be on its agent now counts as failed once the agent has not been seen
// for the strategy's unreachable_minutes.
std::string MemberStatusSql(int now_param) {
    const std::string now = "$" + std::to_string(now_param) + "::timestamptz";
    return "CASE WHEN m.state = 'skipped' THEN 'skipped' "
           "WHEN m.state = 'cancelled' THEN 'cancelled' "
           "WHEN d.id IS NULL THEN 'pending' "
           "WHEN d.status = 'deployed' THEN 'succeeded' "
           "WHEN d.status IN ('failed', 'rolled_back') THEN 'failed' "
           "WHEN d.status IN ('rejected', 'expired') THEN 'skipped' "
           "WHEN d.status = 'cancelled' THEN 'cancelled' "
           "WHEN d.status IN ('scheduled', 'awaiting_approval') THEN 'waiting' "
           "WHEN i.connection_state <> 'connected' AND COALESCE(i.last_seen_at, d.created_at) < " +
           now +
           " - (r.strategy->>'unreachable_minutes')::int * interval '1 minute' THEN 'failed' "
           "ELSE 'running' END";
}

void LoadCounts(pqxx::transaction_base& tx, std::vector<ports::Rollout>& rollouts, TimePoint now) {
    if (rollouts.empty()) {
        return;
    }
    std::vector<std::string> ids;
    for (const auto& rollout : rollouts) {
        ids.push_back(rollout.id);
    }
    auto rows = tx.exec_params(
        "SELECT m.rollout_id, m.phase, " + MemberStatusSql(2) +
            " AS status, count(*) AS n FROM rollout_members m "
            "JOIN rollouts r ON r.id = m.rollout_id JOIN instances i ON i.id = m.instance_id "
            "LEFT JOIN deployments d ON d.id = m.deployment_id "
            "WHERE m.rollout_id IN (SELECT jsonb_array_elements_text($1::jsonb)) "
            "GROUP BY 1, 2, 3",
        JsonTextArray(ids), FormatRfc3339(now));
    for (const auto& row : rows) {
        const auto id = row["rollout_id"].as<std::string>();
        const auto phase = row["phase"].as<std::size_t>();
        auto status = domain::ParseMemberStatus(row["status"].as<std::string>());
        for (auto& rollout : rollouts) {
            if (rollout.id == id && phase < rollout.phases.size() && status) {
                rollout.phases[phase].Add(*status, row["n"].as<std::size_t>());
            }
        }
    }
}

Expected<void> RecordRolloutChange(pqxx::transaction_base& tx, const AuditKey& key,
                                   const std::string& by, const std::string& id,
                                   const std::string& verb, const ports::Rollout& after,
                                   const std::string& message, const std::string& details_json,
                                   TimePoint now) {
    tx.exec_params(
        "INSERT INTO rollout_events (rollout_id, at, state, phase, message) "
        "VALUES ($1, $2::timestamptz, $3, $4, $5)",
        id, FormatRfc3339(now), std::string(domain::ToString(after.state)),
        static_cast<long long>(after.current_phase), message);
    domain::AuditDraft draft{by, "rollout." + verb, "rollout", id,
                             "", "recorded",        message,   details_json};
    if (auto entry = AppendAudit(tx, key, draft, now); !entry) {
        return entry.error();
    }
    return {};
}

std::string JsonTextArray(const std::vector<std::string>& values) {
    boost::json::array array;
    for (const auto& value : values) {
        array.emplace_back(value);
    }
    return boost::json::serialize(array);
}

}  // namespace waka::coordinator::pg
