#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "coordinator/pg/audit_key.hpp"
#include "coordinator/ports/rollout_repository.hpp"
#include "shared/core/error.hpp"

// Internal to the rollout repository (rollout_repository.cpp, rollout_steps.cpp): the columns, the
// SQL that derives a member's status, and the event and audit writes every change shares.
namespace waka::coordinator::pg {

// The rollouts columns RolloutFromRow reads, for SELECT lists (table alias r).
[[nodiscard]] const std::string& RolloutColumns();
// Without counts, events or members.
[[nodiscard]] ports::Rollout RolloutFromRow(const pqxx::row& row);

// The rollout with its counts (without events or members); nullopt when there is none.
[[nodiscard]] std::optional<ports::Rollout> FindRollout(pqxx::transaction_base& tx,
                                                        const std::string& id, TimePoint now);

// A SQL expression with the words of domain::MemberStatus for the member row m, its deployment d
// (LEFT JOIN, may be NULL), its instance i and its rollout r; $<now_param> is the clock's now.
[[nodiscard]] std::string MemberStatusSql(int now_param);

// Fills each rollout's phases with its members' counts, one query for all of them.
void LoadCounts(pqxx::transaction_base& tx, std::vector<ports::Rollout>& rollouts, TimePoint now);

// The rollout's event, and its audit entry (actor `by`, action "rollout.<verb>") in the same
// transaction.
[[nodiscard]] Expected<void> RecordRolloutChange(pqxx::transaction_base& tx, const AuditKey& key,
                                                 const std::string& by, const std::string& id,
                                                 const std::string& verb,
                                                 const ports::Rollout& after,
                                                 const std::string& message,
                                                 const std::string& details_json, TimePoint now);

// A JSON array of strings, for "IN (SELECT jsonb_array_elements_text($n::jsonb))".
[[nodiscard]] std::string JsonTextArray(const std::vector<std::string>& values);

}  // namespace waka::coordinator::pg
