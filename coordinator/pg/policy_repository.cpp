#include "coordinator/pg/policy_repository.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/domain/authority.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/batch_reads.hpp"
#include "coordinator/pg/row_codec.hpp"
#include "coordinator/policy/codec.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::pg {
namespace {

const std::string kPolicyColumns =
    "id, instance_id, policy_type, enabled, description, maintenance_windows::text AS windows, "
    "approval::text AS approval, allow_security_patches, created_by, " +
    SqlMillis("created_at") + " AS created_ms, " + SqlMillis("updated_at") + " AS updated_ms, " +
    SqlMillis("superseded_at") + " AS superseded_ms";

// Stored settings were validated on the way in; a row that no longer parses (a time zone gone
// from tzdata) keeps its valid parts rather than failing every read of the instance.
policy::Policy SettingsFromRow(const pqxx::row& row) {
    policy::Policy settings;
    settings.type = policy::ParsePolicyType(row["policy_type"].as<std::string>())
                        .value_or(policy::PolicyType::kAutoUpdate);
    settings.enabled = row["enabled"].as<bool>();
    settings.allow_security_patches = row["allow_security_patches"].as<bool>();
    std::vector<policy::InvalidField> ignored;
    auto windows = policy::WindowsFromJson(boost::json::parse(row["windows"].as<std::string>()),
                                           "maintenance_windows", ignored);
    settings.windows = windows.value_or(std::vector<policy::MaintenanceWindow>{});
    auto approval = policy::ApprovalFromJson(boost::json::parse(row["approval"].as<std::string>()),
                                             "approval", ignored);
    settings.approval = approval.value_or(policy::ApprovalRule{});
    return settings;
}

domain::PolicyRecord PolicyFromRow(const pqxx::row& row) {
    domain::PolicyRecord record;
    record.id = row["id"].as<std::string>();
    record.instance_id = row["instance_id"].as<std::string>();
    record.description = row["description"].as<std::string>();
    record.settings = SettingsFromRow(row);
    record.created_by = row["created_by"].as<std::string>();
    record.created_at = FromMillis(row["created_ms"].as<long long>());
    record.updated_at = FromMillis(row["updated_ms"].as<long long>());
    if (!row["superseded_ms"].is_null()) {
        record.superseded_at = FromMillis(row["superseded_ms"].as<long long>());
    }
    return record;
}

std::optional<domain::PolicyRecord> FindPolicy(pqxx::transaction_base& tx, const std::string& id,
                                               bool lock) {
    auto rows = tx.exec_params(
        "SELECT " + kPolicyColumns + " FROM policies WHERE id = $1" + (lock ? " FOR UPDATE" : ""),
        id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return PolicyFromRow(rows[0]);
}

std::string SettingsJson(const domain::PolicyRecord& record) {
    return boost::json::serialize(
        boost::json::object{{"policy_type", std::string(policy::ToString(record.settings.type))},
                            {"enabled", record.settings.enabled},
                            {"description", record.description},
                            {"maintenance_windows", policy::WindowsToJson(record.settings.windows)},
                            {"approval", policy::ApprovalToJson(record.settings.approval)},
                            {"allow_security_patches", record.settings.allow_security_patches}});
}

Expected<void> Audit(pqxx::work& tx, const AuditKey& audit_key, const domain::Principal& by,
                     const std::string& action, const domain::PolicyRecord& record,
                     std::string details, TimePoint now) {
    domain::AuditDraft draft{.actor = by.actor,
                             .action = action,
                             .target_type = "policy",
                             .target_id = record.id,
                             .instance_id = record.instance_id,
                             .reason = "",
                             .details_json = std::move(details)};
    if (auto audit = AppendAudit(tx, audit_key, draft, now); !audit) {
        return audit.error();
    }
    return {};
}

// Serialises policy changes of one instance on its row, so two creates never both see "no
// active policy" (the partial unique index would refuse the second anyway).
bool LockLiveInstance(pqxx::work& tx, const std::string& instance_id) {
    auto rows = tx.exec_params(
        "SELECT 1 FROM instances WHERE id = $1 AND decommissioned_at IS NULL FOR UPDATE",
        instance_id);
    return !rows.empty();
}

// Asked under the lock of the row it judges, so that the policy cannot become manual_approval
// between the check and the change.
Expected<void> MayChange(const domain::Principal& by, policy::PolicyType current,
                         std::string_view verb) {
    if (auto refusal = domain::CheckPolicyChange(by, current, verb)) {
        return MakeError(Errc::kPermissionDenied, *refusal);
    }
    return {};
}

// A new policy supersedes the active one: replacing it is changing it.
Expected<void> MayReplaceActive(pqxx::work& tx, const domain::Principal& by,
                                const std::string& instance_id) {
    auto active = tx.exec_params(
        "SELECT policy_type FROM policies WHERE instance_id = $1 AND superseded_at IS NULL "
        "FOR UPDATE",
        instance_id);
    if (active.empty()) {
        return {};
    }
    return MayChange(by,
                     policy::ParsePolicyType(active[0][0].as<std::string>())
                         .value_or(policy::PolicyType::kFrozen),
                     "replace");
}

Expected<domain::PolicyRecord> InsertPolicy(pqxx::work& tx, const AuditKey& audit_key,
                                            const domain::Principal& by,
                                            domain::PolicyRecord record, TimePoint now) {
    if (!LockLiveInstance(tx, record.instance_id)) {
        return MakeError(Errc::kNotFound, "Instance not found");
    }
    if (auto allowed = MayReplaceActive(tx, by, record.instance_id); !allowed) {
        return allowed.error();
    }
    auto superseded = tx.exec_params(
        "UPDATE policies SET superseded_at = $2::timestamptz WHERE instance_id = $1 AND "
        "superseded_at IS NULL RETURNING id",
        record.instance_id, FormatRfc3339(now));
    record.id = NewId("policy");
    const auto& s = record.settings;
    tx.exec_params(
        "INSERT INTO policies (id, instance_id, policy_type, enabled, description, "
        "maintenance_windows, approval, allow_security_patches, created_by, created_at, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, "
        "$10::timestamptz, $10::timestamptz)",
        record.id, record.instance_id, std::string(policy::ToString(s.type)), s.enabled,
        record.description, boost::json::serialize(policy::WindowsToJson(s.windows)),
        boost::json::serialize(policy::ApprovalToJson(s.approval)), s.allow_security_patches,
        by.actor, FormatRfc3339(now));
    boost::json::object details = boost::json::parse(SettingsJson(record)).as_object();
    if (!superseded.empty()) {
        details["supersedes"] = superseded[0][0].as<std::string>();
    }
    if (auto audit =
            Audit(tx, audit_key, by, "policy.create", record, boost::json::serialize(details), now);
        !audit) {
        return audit.error();
    }
    auto stored = FindPolicy(tx, record.id, false);
    if (!stored) {
        return MakeError(Errc::kInternal, "policy vanished after insert");
    }
    tx.commit();
    return *stored;
}

Expected<domain::PolicyRecord> UpdatePolicy(pqxx::work& tx, const AuditKey& audit_key,
                                            const domain::Principal& by,
                                            const domain::PolicyRecord& record, TimePoint now) {
    auto existing = FindPolicy(tx, record.id, true);
    if (!existing) {
        return MakeError(Errc::kNotFound, "Policy not found");
    }
    if (existing->superseded_at) {
        return MakeError(Errc::kConflict, "Policy " + record.id +
                                              " is superseded: history is "
                                              "read-only, create a new policy instead");
    }
    if (auto allowed = MayChange(by, existing->settings.type, "change"); !allowed) {
        return allowed.error();
    }
    const auto& s = record.settings;
    tx.exec_params(
        "UPDATE policies SET policy_type = $2, enabled = $3, description = $4, "
        "maintenance_windows = $5::jsonb, approval = $6::jsonb, allow_security_patches = $7, "
        "updated_at = $8::timestamptz WHERE id = $1",
        record.id, std::string(policy::ToString(s.type)), s.enabled, record.description,
        boost::json::serialize(policy::WindowsToJson(s.windows)),
        boost::json::serialize(policy::ApprovalToJson(s.approval)), s.allow_security_patches,
        FormatRfc3339(now));
    domain::PolicyRecord audited = record;
    audited.instance_id = existing->instance_id;
    if (auto audit = Audit(tx, audit_key, by, "policy.update", audited, SettingsJson(record), now);
        !audit) {
        return audit.error();
    }
    auto stored = FindPolicy(tx, record.id, false);
    tx.commit();
    return *stored;
}

Expected<domain::PolicyRecord> SupersedePolicy(pqxx::work& tx, const AuditKey& audit_key,
                                               const domain::Principal& by, const std::string& id,
                                               TimePoint now) {
    auto existing = FindPolicy(tx, id, true);
    if (!existing) {
        return MakeError(Errc::kNotFound, "Policy not found");
    }
    if (existing->superseded_at) {
        return MakeError(Errc::kConflict, "Policy " + id + " is already superseded");
    }
    if (auto allowed = MayChange(by, existing->settings.type, "delete"); !allowed) {
        return allowed.error();
    }
    tx.exec_params("UPDATE policies SET superseded_at = $2::timestamptz WHERE id = $1", id,
                   FormatRfc3339(now));
    if (auto audit = Audit(tx, audit_key, by, "policy.delete", *existing, "{}", now); !audit) {
        return audit.error();
    }
    auto stored = FindPolicy(tx, id, false);
    tx.commit();
    return *stored;
}

}  // namespace

PgPolicyRepository::PgPolicyRepository(db::Database& database, const Clock& clock,
                                       const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<domain::PolicyRecord>> PgPolicyRepository::Create(
    const domain::Principal& by, domain::PolicyRecord record) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::PolicyRecord> {
        pqxx::work tx(c);
        try {
            return InsertPolicy(tx, audit_key_, by, record, now);
        } catch (const pqxx::unique_violation&) {
            return MakeError(Errc::kConflict, "a concurrent policy change won; retry");
        }
    });
}

boost::asio::awaitable<Expected<domain::PolicyRecord>> PgPolicyRepository::Get(std::string id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::PolicyRecord> {
        pqxx::read_transaction tx(c);
        auto found = FindPolicy(tx, id, false);
        if (!found) {
            return MakeError(Errc::kNotFound, "Policy not found");
        }
        return *found;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::PolicyRecord>>> PgPolicyRepository::List(
    std::string instance_id) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::PolicyRecord>> {
            pqxx::read_transaction tx(c);
            auto rows = tx.exec_params("SELECT " + kPolicyColumns +
                                           " FROM policies WHERE ($1 = '' OR instance_id = $1) "
                                           "ORDER BY created_at DESC, id DESC LIMIT 1000",
                                       instance_id);
            std::vector<domain::PolicyRecord> records;
            records.reserve(rows.size());
            for (const auto& row : rows) {
                records.push_back(PolicyFromRow(row));
            }
            return records;
        });
}

boost::asio::awaitable<Expected<std::optional<domain::PolicyRecord>>> PgPolicyRepository::Active(
    std::string instance_id) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::optional<domain::PolicyRecord>> {
            pqxx::read_transaction tx(c);
            auto rows = tx.exec_params("SELECT " + kPolicyColumns +
                                           " FROM policies WHERE instance_id = $1 AND "
                                           "superseded_at IS NULL",
                                       instance_id);
            if (rows.empty()) {
                return std::optional<domain::PolicyRecord>{};
            }
            return std::optional<domain::PolicyRecord>{PolicyFromRow(rows[0])};
        });
}

boost::asio::awaitable<Expected<domain::PolicyRecord>> PgPolicyRepository::Update(
    const domain::Principal& by, domain::PolicyRecord record) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::PolicyRecord> {
        pqxx::work tx(c);
        return UpdatePolicy(tx, audit_key_, by, record, now);
    });
}

boost::asio::awaitable<Expected<domain::PolicyRecord>> PgPolicyRepository::Delete(
    const domain::Principal& by, std::string id) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::PolicyRecord> {
        pqxx::work tx(c);
        return SupersedePolicy(tx, audit_key_, by, id, now);
    });
}

std::map<std::string, domain::PolicyRecord> ActivePoliciesOf(pqxx::transaction_base& tx,
                                                             const std::string& ids_json) {
    std::map<std::string, domain::PolicyRecord> policies;
    for (const auto& row :
         tx.exec_params("SELECT " + kPolicyColumns +
                            " FROM policies WHERE instance_id IN (SELECT "
                            "jsonb_array_elements_text($1::jsonb)) AND superseded_at IS NULL",
                        ids_json)) {
        auto record = PolicyFromRow(row);
        policies.emplace(record.instance_id, std::move(record));
    }
    return policies;
}

}  // namespace waka::coordinator::pg
