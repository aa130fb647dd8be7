// Creation and reads of rollouts; the steps of a scheduler pass are in rollout_steps.cpp.
#include "coordinator/pg/rollout_repository.hpp"

#include <boost/json.hpp>

#include "coordinator/db/database.hpp"
#include "coordinator/domain/rollout_codec.hpp"
#include "coordinator/pg/rollout_rows.hpp"
#include "coordinator/pg/row_codec.hpp"
#include "coordinator/pg/selector_sql.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::pg {
namespace {

struct Selected {
    std::string instance_id;
    std::optional<std::string> current_manifest_id;
};

// The explicit instances must all exist and be live: naming one that is not is a mistake to
// report, while a selector simply does not match decommissioned instances.
Expected<void> CheckExplicit(pqxx::work& tx, const std::vector<std::string>& ids) {
    if (ids.empty()) {
        return {};
    }
    auto rows = tx.exec_params(
        "SELECT x.id, i.id IS NOT NULL AS found, i.decommissioned_at IS NOT NULL AS gone "
        "FROM jsonb_array_elements_text($1::jsonb) AS x(id) LEFT JOIN instances i ON i.id = x.id",
        JsonTextArray(ids));
    for (const auto& row : rows) {
        const auto id = row["id"].as<std::string>();
        if (!row["found"].as<bool>()) {
            return MakeError(Errc::kNotFound, "Instance " + id + " not found");
        }
        if (row["gone"].as<bool>()) {
            return MakeError(Errc::kInvalidArgument,
                             "instance_ids: instance " + id + " is decommissioned");
        }
    }
    return {};
}

// Live instances matching the selector, plus the explicit ones. The explicit ones start first, in
// the order given (an operator's chosen canaries); the rest follow in an order mixed by the
// rollout id: stable for one rollout, different between rollouts.
std::vector<Selected> SelectMembers(pqxx::work& tx, const ports::NewRollout& rollout) {
    const bool use_selector = rollout.selector.has_value();
    const bool restricted = rollout.within.has_value();
    auto rows = tx.exec_params(
        "SELECT i.id, i.current_manifest_id FROM instances i "
        "LEFT JOIN jsonb_array_elements_text($3::jsonb) WITH ORDINALITY AS x(id, n) "
        "ON x.id = i.id WHERE i.decommissioned_at IS NULL AND (($2 AND " +
            SelectorCondition("i", 1) +
            ") OR x.id IS NOT NULL) AND (NOT $5 OR i.id IN (SELECT "
            "jsonb_array_elements_text($6::jsonb))) ORDER BY x.n NULLS LAST, md5($4 || i.id), "
            "i.id",
        use_selector ? SelectorParam(*rollout.selector) : std::string("[]"), use_selector,
        JsonTextArray(rollout.instance_ids), rollout.id, restricted,
        JsonTextArray(rollout.within.value_or(std::vector<std::string>{})));
    std::vector<Selected> selected;
    selected.reserve(rows.size());
    for (const auto& row : rows) {
        selected.push_back({row[0].as<std::string>(), OptionalText(row[1])});
    }
    return selected;
}

Expected<void> CheckManifest(pqxx::work& tx, const std::string& manifest_id,
                             const std::vector<Selected>& members) {
    auto rows = tx.exec_params("SELECT instance_id FROM manifests WHERE id = $1", manifest_id);
    if (rows.empty()) {
        return MakeError(Errc::kNotFound, "Manifest " + manifest_id + " not found");
    }
    const auto scope = OptionalText(rows[0][0]);
    for (const auto& member : members) {
        if (scope && *scope != member.instance_id) {
            return MakeError(Errc::kInvalidArgument, "manifest_id: manifest " + manifest_id +
                                                         " belongs to instance " + *scope +
                                                         ", not to " + member.instance_id);
        }
    }
    return {};
}

// A patch rollout names a stored patch with no other rollout under way.
Expected<void> CheckPatch(pqxx::work& tx, const std::string& patch_id) {
    if (tx.exec_params("SELECT 1 FROM security_patches WHERE id = $1", patch_id).empty()) {
        return MakeError(Errc::kNotFound, "Patch " + patch_id + " not found");
    }
    auto rows = tx.exec_params(
        "SELECT id, state FROM rollouts WHERE patch_id = $1 AND state IN ('running', 'paused', "
        "'reverting') LIMIT 1",
        patch_id);
    if (!rows.empty()) {
        return MakeError(Errc::kConflict, "patch " + patch_id + " is already being rolled out by " +
                                              rows[0][0].as<std::string>() + " (" +
                                              rows[0][1].as<std::string>() + ")");
    }
    return {};
}

Expected<void> CheckNotInAnother(pqxx::work& tx, const std::vector<Selected>& members) {
    std::vector<std::string> ids;
    for (const auto& member : members) {
        ids.push_back(member.instance_id);
    }
    auto rows = tx.exec_params(
        "SELECT instance_id, rollout_id FROM rollout_members WHERE active "
        "AND instance_id IN (SELECT jsonb_array_elements_text($1::jsonb)) "
        "ORDER BY instance_id LIMIT 1",
        JsonTextArray(ids));
    if (!rows.empty()) {
        return MakeError(Errc::kConflict, "instance " + rows[0][0].as<std::string>() +
                                              " is in active rollout " +
                                              rows[0][1].as<std::string>());
    }
    return {};
}

void InsertMembers(pqxx::work& tx, const ports::NewRollout& rollout,
                   const std::vector<Selected>& members) {
    const auto sizes = domain::PhaseSizes(rollout.strategy, members.size());
    boost::json::array rows;
    std::size_t phase = 0;
    std::size_t left_in_phase = sizes.empty() ? 0 : sizes[0];
    for (const auto& member : members) {
        while (left_in_phase == 0 && phase + 1 < sizes.size()) {
            left_in_phase = sizes[++phase];
        }
        --left_in_phase;
        boost::json::object row{{"i", member.instance_id}, {"p", phase}};
        row["a"] = !rollout.patch_id;  // a patch rollout does not claim (ADR 0038)
        if (member.current_manifest_id) {
            row["m"] = *member.current_manifest_id;
        }
        rows.push_back(std::move(row));
    }
    // One statement for every member, however many.
    tx.exec_params(
        "INSERT INTO rollout_members (rollout_id, instance_id, phase, position, "
        "previous_manifest_id, active) SELECT $1, x->>'i', (x->>'p')::int, n::int, x->>'m', "
        "(x->>'a')::boolean "
        "FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(x, n)",
        rollout.id, boost::json::serialize(rows));
}

void LoadDetail(pqxx::transaction_base& tx, ports::Rollout& rollout, std::size_t member_limit,
                TimePoint now) {
    for (const auto& row : tx.exec_params(
             "SELECT " + SqlMillis("at") +
                 " AS at_ms, state, phase, message FROM rollout_events WHERE rollout_id = $1 "
                 "ORDER BY id",
             rollout.id)) {
        rollout.events.push_back({FromMillis(row["at_ms"].as<long long>()),
                                  domain::ParseRolloutState(row["state"].as<std::string>())
                                      .value_or(domain::RolloutState::kPaused),
                                  row["phase"].as<std::size_t>(),
                                  row["message"].as<std::string>()});
    }
    for (const auto& row : tx.exec_params(
             "SELECT m.instance_id, m.phase, m.position, " + MemberStatusSql(2) +
                 " AS status, COALESCE(m.skip_reason, m.revert_error, '') AS reason, "
                 "m.previous_manifest_id, m.deployment_id, d.status AS deployment_status, "
                 "m.revert_deployment_id FROM rollout_members m "
                 "JOIN rollouts r ON r.id = m.rollout_id JOIN instances i ON i.id = m.instance_id "
                 "LEFT JOIN deployments d ON d.id = m.deployment_id WHERE m.rollout_id = $1 "
                 "ORDER BY m.position LIMIT $3",
             rollout.id, FormatRfc3339(now), static_cast<long long>(member_limit))) {
        ports::RolloutMember member;
        member.instance_id = row["instance_id"].as<std::string>();
        member.phase = row["phase"].as<std::size_t>();
        member.position = row["position"].as<std::size_t>();
        member.status = domain::ParseMemberStatus(row["status"].as<std::string>())
                            .value_or(domain::MemberStatus::kPending);
        member.reason = row["reason"].as<std::string>();
        member.previous_manifest_id = OptionalText(row["previous_manifest_id"]);
        member.deployment_id = OptionalText(row["deployment_id"]);
        if (auto status = OptionalText(row["deployment_status"])) {
            member.deployment_status = StatusFromText(*status);
        }
        member.revert_deployment_id = OptionalText(row["revert_deployment_id"]);
        rollout.members.push_back(std::move(member));
    }
}

std::string CreationDetails(const ports::NewRollout& rollout, const std::string& selector,
                            std::size_t members) {
    boost::json::object details{
        {"manifest_id", rollout.manifest_id},
        {"patch_id",
         rollout.patch_id ? boost::json::value(*rollout.patch_id) : boost::json::value(nullptr)},
        {"constraints", rollout.constraints
                            ? boost::json::parse(domain::CompileTargetToJson(*rollout.constraints))
                            : boost::json::value(nullptr)},
        {"selector", selector},
        {"instance_ids", boost::json::parse(JsonTextArray(rollout.instance_ids))},
        {"members", members},
        {"strategy", boost::json::parse(domain::StrategyToJson(rollout.strategy))}};
    return boost::json::serialize(details);
}

}  // namespace

PgRolloutRepository::PgRolloutRepository(db::Database& database, const Clock& clock,
                                         const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<ports::Rollout>> PgRolloutRepository::Create(
    const domain::Principal& by, const ports::NewRollout& rollout) {
    const auto now = clock_.Now();
    const std::string selector = rollout.selector ? domain::ToString(*rollout.selector) : "";
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::Rollout> {
        try {
            pqxx::work tx(c);
            if (auto named = CheckExplicit(tx, rollout.instance_ids); !named) {
                return named.error();
            }
            if (rollout.patch_id) {
                if (auto patch = CheckPatch(tx, *rollout.patch_id); !patch) {
                    return patch.error();
                }
            }
            const auto members = SelectMembers(tx, rollout);
            if (members.empty()) {
                return MakeError(
                    Errc::kInvalidArgument,
                    "selector: matches no live instance" +
                        std::string(rollout.patch_id ? " the patch affects" : "") + " (" +
                        (selector.empty() ? std::string("no selector") : selector) + ")");
            }
            if (!rollout.manifest_id.empty()) {
                if (auto scoped = CheckManifest(tx, rollout.manifest_id, members); !scoped) {
                    return scoped.error();
                }
            }
            // Patch rollouts claim nothing: no check against other rollouts.
            if (!rollout.patch_id) {
                if (auto free = CheckNotInAnother(tx, members); !free) {
                    return free.error();
                }
            }
            tx.exec_params(
                "INSERT INTO rollouts (id, state, manifest_id, selector, instance_ids, strategy, "
                "reason, phase_started_at, created_by, created_role, created_at, updated_at, "
                "patch_id, enforced, constraints) VALUES ($1, 'running', NULLIF($2, ''), $3, "
                "$4::jsonb, $5::jsonb, $6, $7::timestamptz, $8, $9, $7::timestamptz, "
                "$7::timestamptz, "
                "$10, $11, $12::jsonb)",
                rollout.id, rollout.manifest_id, selector, JsonTextArray(rollout.instance_ids),
                domain::StrategyToJson(rollout.strategy), rollout.reason, FormatRfc3339(now),
                by.actor, std::string(domain::RoleName(by.role)), rollout.patch_id,
                rollout.enforced,
                rollout.constraints
                    ? std::optional<std::string>(domain::CompileTargetToJson(*rollout.constraints))
                    : std::nullopt);
            InsertMembers(tx, rollout, members);
            auto stored = FindRollout(tx, rollout.id, now);
            const std::string message =
                "created by " + by.actor + " for " + std::to_string(members.size()) + " instances";
            if (auto recorded = RecordRolloutChange(
                    tx, audit_key_, by.actor, rollout.id, "create", *stored, message,
                    CreationDetails(rollout, selector, members.size()), now);
                !recorded) {
                return recorded.error();
            }
            tx.commit();
            return std::move(*stored);
        } catch (const pqxx::unique_violation&) {
            // The one-unfinished-rollout-per-patch index, met in a race the checks above lost.
            return MakeError(Errc::kConflict,
                             "patch " + rollout.patch_id.value_or("") +
                                 " is already being rolled out by another rollout");
        }
    });
}

boost::asio::awaitable<Expected<ports::Rollout>> PgRolloutRepository::Get(
    const std::string& id, std::size_t member_limit) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<ports::Rollout> {
        pqxx::read_transaction tx(c);
        auto rollout = FindRollout(tx, id, now);
        if (!rollout) {
            return MakeError(Errc::kNotFound, "Rollout not found");
        }
        if (member_limit > 0) {
            LoadDetail(tx, *rollout, member_limit, now);
        }
        return std::move(*rollout);
    });
}

boost::asio::awaitable<Expected<std::vector<ports::Rollout>>> PgRolloutRepository::List(
    const ports::RolloutListFilter& filter) {
    const auto now = clock_.Now();
    std::optional<std::string> state;
    if (filter.state) {
        state = std::string(domain::ToString(*filter.state));
    }
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<ports::Rollout>> {
            pqxx::read_transaction tx(c);
            auto rows = tx.exec_params(
                "SELECT " + RolloutColumns() +
                    " FROM rollouts r WHERE ($1::text IS NULL OR r.state = $1) AND "
                    "($2::text IS NULL OR (r.created_at, r.id) < (SELECT created_at, id FROM "
                    "rollouts WHERE id = $2)) ORDER BY r.created_at DESC, r.id DESC LIMIT $3",
                state, filter.cursor, static_cast<long long>(filter.limit));
            std::vector<ports::Rollout> rollouts;
            for (const auto& row : rows) {
                rollouts.push_back(RolloutFromRow(row));
            }
            LoadCounts(tx, rollouts, now);
            return rollouts;
        });
}

boost::asio::awaitable<Expected<std::vector<std::string>>> PgRolloutRepository::Active() {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<std::string>> {
            pqxx::read_transaction tx(c);
            std::vector<std::string> ids;
            for (const auto& row :
                 tx.exec("SELECT id FROM rollouts WHERE state IN ('running', 'reverting') "
                         "ORDER BY created_at, id")) {
                ids.push_back(row[0].as<std::string>());
            }
            return ids;
        });
}

boost::asio::awaitable<Expected<std::set<std::string>>> PgRolloutRepository::PatchesRollingOut() {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::set<std::string>> {
        pqxx::read_transaction tx(c);
        std::set<std::string> patches;
        for (const auto& row :
             tx.exec("SELECT DISTINCT patch_id FROM rollouts WHERE patch_id IS NOT NULL AND state "
                     "IN ('running', 'paused', 'reverting')")) {
            patches.insert(row[0].as<std::string>());
        }
        return patches;
    });
}

boost::asio::awaitable<Expected<ports::RolloutRepository::Counts>> PgRolloutRepository::Count() {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Counts> {
        pqxx::read_transaction tx(c);
        Counts counts;
        for (const auto& row :
             tx.exec("SELECT state, count(*) FROM rollouts GROUP BY 1 ORDER BY 1")) {
            if (auto state = domain::ParseRolloutState(row[0].as<std::string>())) {
                counts.rollouts.emplace_back(*state, row[1].as<std::uint64_t>());
            }
        }
        for (const auto& row :
             tx.exec_params("SELECT " + MemberStatusSql(1) +
                                " AS status, count(*) FROM rollout_members m "
                                "JOIN rollouts r ON r.id = m.rollout_id JOIN instances i ON i.id = "
                                "m.instance_id LEFT JOIN deployments d ON d.id = m.deployment_id "
                                "GROUP BY 1 ORDER BY 1",
                            FormatRfc3339(now))) {
            if (auto status = domain::ParseMemberStatus(row[0].as<std::string>())) {
                counts.members.emplace_back(*status, row[1].as<std::uint64_t>());
            }
        }
        return counts;
    });
}

}  // namespace waka::coordinator::pg
