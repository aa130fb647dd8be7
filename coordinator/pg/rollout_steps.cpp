// The steps of a scheduler pass and of the operators' controls on a rollout: state changes, phase
// moves and the set-based work on members (PgRolloutRepository's other half).
#include <boost/json.hpp>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/rollout_repository.hpp"
#include "coordinator/pg/rollout_rows.hpp"
#include "coordinator/pg/row_codec.hpp"

namespace waka::coordinator::pg {
namespace {

using domain::RolloutEvent;
using domain::RolloutState;

std::string StatesText(const std::vector<RolloutState>& states) {
    std::string text = "{";
    for (const auto state : states) {
        text += (text.size() > 1 ? "," : "") + std::string(domain::ToString(state));
    }
    return text + "}";
}

std::string AuditVerb(RolloutEvent event) {
    switch (event) {
        case RolloutEvent::kThresholdPaused:
        case RolloutEvent::kThresholdRevert:
            return "threshold";
        case RolloutEvent::kCompleted:
        case RolloutEvent::kRevertCompleted:
            return "complete";
        default:
            return std::string(domain::ToString(event));
    }
}

// Members not started yet will not be, and their deployments that have not reached an agent are
// withdrawn: two statements for the whole rollout. Answers how many deployments were cancelled.
std::size_t CancelUnstarted(pqxx::work& tx, const std::string& id, const std::string& why,
                            TimePoint now) {
    tx.exec_params(
        "UPDATE rollout_members SET state = 'cancelled' WHERE rollout_id = $1 AND state = "
        "'pending'",
        id);
    auto cancelled = tx.exec_params(
        "WITH c AS (UPDATE deployments SET status = 'cancelled', updated_at = $2::timestamptz, "
        "completed_at = $2::timestamptz WHERE rollout_id = $1 AND kind <> 'rollback' "
        "AND status IN ('pending', 'awaiting_approval', 'scheduled', 'queued') RETURNING id) "
        "INSERT INTO deployment_events (deployment_id, at, status, step, message) "
        "SELECT id, $2::timestamptz, 'cancelled', '', $3 FROM c RETURNING deployment_id",
        id, FormatRfc3339(now), why);
    return cancelled.size();
}

Error Refusal(pqxx::work& tx, const std::string& id, RolloutEvent event) {
    auto rows = tx.exec_params("SELECT state FROM rollouts WHERE id = $1", id);
    if (rows.empty()) {
        return MakeError(Errc::kNotFound, "Rollout not found");
    }
    std::string accepted;
    for (auto state : domain::RolloutStatesAccepting(event)) {
        accepted += (accepted.empty() ? "" : " or ") + std::string(domain::ToString(state));
    }
    return MakeError(Errc::kConflict, "Rollout " + id + " is " + rows[0][0].as<std::string>() +
                                          ": " + std::string(domain::ToString(event)) +
                                          " applies to a rollout that is " + accepted);
}

}  // namespace

boost::asio::awaitable<Expected<ports::Rollout>> PgRolloutRepository::Apply(
    const domain::Principal& by, const std::string& id, RolloutEvent event,
    const std::string& reason) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::Rollout> {
        try {
            pqxx::work tx(c);
            auto moved = tx.exec_params(
                "UPDATE rollouts r SET state = CASE r.state " +
                    [&] {
                        std::string cases;
                        for (const auto& row : domain::RolloutTransitions()) {
                            if (row.event == event) {
                                cases += "WHEN '" + std::string(domain::ToString(row.from)) +
                                         "' THEN '" + std::string(domain::ToString(row.to)) + "' ";
                            }
                        }
                        return cases;
                    }() +
                    "END, state_reason = $3, updated_at = $4::timestamptz WHERE r.id = $1 "
                    "AND r.state = ANY($2::text[]) RETURNING r.state",
                id, StatesText(domain::RolloutStatesAccepting(event)), reason, FormatRfc3339(now));
            if (moved.empty()) {
                return Refusal(tx, id, event);
            }
            const auto to = *domain::ParseRolloutState(moved[0][0].as<std::string>());
            std::size_t cancelled = 0;
            if (to == RolloutState::kAborted || to == RolloutState::kReverting) {
                cancelled = CancelUnstarted(
                    tx, id,
                    "rollout " + id + " " + std::string(domain::ToString(to)) + ": " + reason, now);
            }
            if (domain::IsFinished(to)) {
                tx.exec_params("UPDATE rollouts SET finished_at = $2::timestamptz WHERE id = $1",
                               id, FormatRfc3339(now));
                tx.exec_params("UPDATE rollout_members SET active = FALSE WHERE rollout_id = $1",
                               id);
            } else if (to == RolloutState::kReverting) {
                // A finished rollout taken back holds its instances again while it reverts, except
                // those another active rollout has taken since (their revert still goes out).
                tx.exec_params(
                    "UPDATE rollouts SET finished_at = NULL WHERE id = $1 AND finished_at IS NOT "
                    "NULL",
                    id);
                tx.exec_params(
                    "UPDATE rollout_members m SET active = TRUE WHERE m.rollout_id = $1 AND NOT "
                    "m.active AND NOT EXISTS (SELECT 1 FROM rollout_members o WHERE o.instance_id "
                    "= "
                    "m.instance_id AND o.active) AND EXISTS (SELECT 1 FROM rollouts r WHERE r.id = "
                    "$1 AND r.patch_id IS NULL)",
                    id);
            }
            auto after = FindRollout(tx, id, now);
            boost::json::object details{{"event", domain::ToString(event)},
                                        {"state", domain::ToString(to)},
                                        {"phase", after->current_phase},
                                        {"deployments_cancelled", cancelled}};
            const std::string message = std::string(domain::ToString(event)) + " by " + by.actor +
                                        (reason.empty() ? std::string() : ": " + reason);
            if (auto recorded =
                    RecordRolloutChange(tx, audit_key_, by.actor, id, AuditVerb(event), *after,
                                        message, boost::json::serialize(details), now);
                !recorded) {
                return recorded.error();
            }
            tx.commit();
            return std::move(*after);
        } catch (const pqxx::unique_violation&) {
            // The one-unfinished-rollout-per-patch index, met in a race the checks above lost.
            return MakeError(
                Errc::kConflict,
                "Rollout " + id + ": " + std::string(domain::ToString(event)) +
                    " refused while another rollout of its patch is under way (finish or abort "
                    "it first)");
        }
    });
}

boost::asio::awaitable<Expected<bool>> PgRolloutRepository::FinishPhase(const std::string& id,
                                                                        std::size_t phase) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<bool> {
        pqxx::work tx(c);
        auto moved = tx.exec_params(
            "UPDATE rollouts SET phase_finished_at = $3::timestamptz, updated_at = "
            "$3::timestamptz WHERE id = $1 AND current_phase = $2 AND state = 'running' "
            "AND phase_finished_at IS NULL RETURNING id",
            id, static_cast<long long>(phase), FormatRfc3339(now));
        if (moved.empty()) {
            return false;
        }
        auto after = FindRollout(tx, id, now);
        const auto& counts = after->phases.at(phase);
        const std::string message = "phase " + after->strategy.phases.at(phase).name +
                                    " finished: " + std::to_string(counts.succeeded) +
                                    " succeeded, " + std::to_string(counts.failed) + " failed, " +
                                    std::to_string(counts.skipped) + " skipped";
        tx.exec_params(
            "INSERT INTO rollout_events (rollout_id, at, state, phase, message) "
            "VALUES ($1, $2::timestamptz, 'running', $3, $4)",
            id, FormatRfc3339(now), static_cast<long long>(phase), message);
        tx.commit();
        return true;
    });
}

boost::asio::awaitable<Expected<bool>> PgRolloutRepository::NextPhase(const std::string& id,
                                                                      std::size_t phase) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<bool> {
        pqxx::work tx(c);
        auto moved = tx.exec_params(
            "UPDATE rollouts SET current_phase = $2 + 1, phase_started_at = $3::timestamptz, "
            "phase_finished_at = NULL, updated_at = $3::timestamptz WHERE id = $1 AND "
            "current_phase = $2 AND state = 'running' AND phase_finished_at IS NOT NULL "
            "RETURNING id",
            id, static_cast<long long>(phase), FormatRfc3339(now));
        if (moved.empty()) {
            return false;
        }
        auto after = FindRollout(tx, id, now);
        const auto& name = after->strategy.phases.at(after->current_phase).name;
        boost::json::object details{{"phase", after->current_phase}, {"name", name}};
        if (auto recorded = RecordRolloutChange(tx, audit_key_, "system", id, "phase", *after,
                                                "phase " + name + " started",
                                                boost::json::serialize(details), now);
            !recorded) {
            return recorded.error();
        }
        tx.commit();
        return true;
    });
}

boost::asio::awaitable<Expected<std::vector<std::string>>> PgRolloutRepository::PendingMembers(
    const std::string& id, std::size_t phase, std::size_t limit) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<std::string>> {
            pqxx::read_transaction tx(c);
            std::vector<std::string> ids;
            for (const auto& row :
                 tx.exec_params("SELECT instance_id FROM rollout_members WHERE rollout_id = $1 AND "
                                "phase = $2 AND state = 'pending' ORDER BY position LIMIT $3",
                                id, static_cast<long long>(phase), static_cast<long long>(limit))) {
                ids.push_back(row[0].as<std::string>());
            }
            return ids;
        });
}

boost::asio::awaitable<Expected<void>> PgRolloutRepository::Skip(
    const std::string& id, const std::vector<std::pair<std::string, std::string>>& skipped) {
    if (skipped.empty()) {
        co_return Expected<void>{};
    }
    boost::json::array rows;
    for (const auto& [instance_id, reason] : skipped) {
        rows.push_back({{"i", instance_id}, {"r", reason}});
    }
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params(
            "UPDATE rollout_members m SET state = 'skipped', skip_reason = x.r FROM "
            "jsonb_to_recordset($2::jsonb) AS x(i text, r text) WHERE m.rollout_id = $1 AND "
            "m.instance_id = x.i AND m.state = 'pending'",
            id, boost::json::serialize(rows));
        tx.commit();
        return {};
    });
}

// Changed members are those whose deployment ended deployed: their current manifest is the
// rollout's. Rolled-back ones restored themselves; failed ones (the agent could not restore) kept
// their current manifest and are left to an operator with what their agent reported. The revert
// goes to the manifest the member's own deployment replaced.
boost::asio::awaitable<Expected<ports::RevertWork>> PgRolloutRepository::Revert(
    const std::string& id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::RevertWork> {
        pqxx::read_transaction tx(c);
        ports::RevertWork work;
        for (const auto& row :
             tx.exec_params("SELECT m.instance_id, d.previous_manifest_id FROM rollout_members m "
                            "JOIN deployments d ON d.id = m.deployment_id WHERE m.rollout_id = $1 "
                            "AND d.status = 'deployed' AND m.revert_deployment_id IS NULL "
                            "AND m.revert_error IS NULL ORDER BY m.position",
                            id)) {
            work.to_revert.push_back({row[0].as<std::string>(), OptionalText(row[1])});
        }
        work.unfinished = tx.exec_params1(
                                "SELECT count(*) FROM rollout_members m "
                                "LEFT JOIN deployments d ON d.id = m.deployment_id "
                                "LEFT JOIN deployments v ON v.id = m.revert_deployment_id "
                                "WHERE m.rollout_id = $1 AND (d.status = 'deploying' OR "
                                "v.status NOT IN ('deployed', 'failed', 'rolled_back', "
                                "'rejected', 'expired', 'cancelled'))",
                                id)[0]
                              .as<std::size_t>();
        return work;
    });
}

boost::asio::awaitable<Expected<void>> PgRolloutRepository::RevertFailed(
    const std::string& id, const std::string& instance_id, const std::string& error) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params(
            "UPDATE rollout_members SET revert_error = $3 WHERE rollout_id = $1 AND "
            "instance_id = $2 AND revert_deployment_id IS NULL",
            id, instance_id, error);
        tx.commit();
        return {};
    });
}

}  // namespace waka::coordinator::pg
