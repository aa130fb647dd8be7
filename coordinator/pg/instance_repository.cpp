#include "coordinator/pg/instance_repository.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/agent_login.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/deployment_rows.hpp"
#include "coordinator/pg/rollout_rows.hpp"
#include "coordinator/pg/row_codec.hpp"
#include "coordinator/pg/selector_sql.hpp"
#include "shared/core/crypto.hpp"

namespace waka::coordinator::pg {
namespace {

std::optional<domain::Instance> FindInstance(pqxx::transaction_base& tx, const std::string& id,
                                             bool lock) {
    auto rows = tx.exec_params("SELECT " + InstanceColumns() + " FROM instances WHERE id = $1" +
                                   (lock ? " FOR UPDATE" : ""),
                               id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return InstanceFromRow(rows[0]);
}

// The instance, locked until the transaction ends; kNotFound, or kConflict "Instance
// <id><conflict>" when it is decommissioned.
Expected<domain::Instance> LockActiveInstance(pqxx::work& tx, const std::string& id,
                                              std::string_view conflict) {
    auto instance = FindInstance(tx, id, true);
    if (!instance) {
        return MakeError(Errc::kNotFound, "Instance not found");
    }
    if (instance->decommissioned_at) {
        return MakeError(Errc::kConflict, "Instance " + id + std::string(conflict));
    }
    return *instance;
}

Expected<domain::Instance> InsertInstance(pqxx::work& tx, const AuditKey& audit_key,
                                          const domain::Principal& by,
                                          const ports::NewInstance& input, TimePoint now) {
    std::string labels = StringMapToJson(input.labels);
    tx.exec_params(
        "INSERT INTO instances (id, labels, enrollment_token_hash, enrollment_expires_at, "
        "created_at) VALUES ($1, $2::jsonb, $3, $4::timestamptz, $5::timestamptz)",
        input.id, labels, input.enrollment_token_hash, FormatRfc3339(input.enrollment_expires_at),
        FormatRfc3339(now));
    domain::AuditDraft draft{.actor = by.actor,
                             .action = "instance.create",
                             .target_type = "instance",
                             .target_id = input.id,
                             .instance_id = input.id,
                             .reason = "",
                             .details_json = "{\"labels\":" + labels + "}"};
    if (auto audit = AppendAudit(tx, audit_key, draft, now); !audit) {
        return audit.error();
    }
    auto stored = FindInstance(tx, input.id, false);
    if (!stored) {
        return MakeError(Errc::kInternal, "instance vanished after insert");
    }
    tx.commit();
    return *stored;
}

}  // namespace

PgInstanceRepository::PgInstanceRepository(db::Database& database, const Clock& clock,
                                           const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<domain::Instance>> PgInstanceRepository::Create(
    const domain::Principal& by, ports::NewInstance input) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Instance> {
        pqxx::work tx(c);
        try {
            return InsertInstance(tx, audit_key_, by, input, now);
        } catch (const pqxx::unique_violation&) {
            return MakeError(Errc::kConflict, "Instance " + input.id + " already exists");
        }
    });
}

boost::asio::awaitable<Expected<domain::Instance>> PgInstanceRepository::Get(std::string id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Instance> {
        pqxx::read_transaction tx(c);
        auto instance = FindInstance(tx, id, false);
        if (!instance) {
            return MakeError(Errc::kNotFound, "Instance not found");
        }
        return *instance;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::Instance>>> PgInstanceRepository::List(
    ports::InstanceFilter filter) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::Instance>> {
            pqxx::read_transaction tx(c);
            // JSONB containment: every requested label pair is present on the instance; the
            // selector is one more parameter (no selector: "[]", which every row matches).
            static const std::string kList =
                "SELECT " + InstanceColumns() +
                " FROM instances i WHERE i.labels @> $1::jsonb AND " + SelectorCondition("i", 5) +
                " AND ($2 OR decommissioned_at IS NULL) AND ($3::text IS NULL OR id > $3) ORDER "
                "BY id LIMIT $4";
            auto rows =
                tx.exec_params(kList, StringMapToJson(filter.labels), filter.include_decommissioned,
                               filter.after_id, static_cast<long long>(filter.limit),
                               SelectorParam(filter.selector.value_or(domain::Selector{})));
            std::vector<domain::Instance> instances;
            instances.reserve(rows.size());
            for (const auto& row : rows) {
                instances.push_back(InstanceFromRow(row));
            }
            return instances;
        });
}

boost::asio::awaitable<Expected<domain::Instance>> PgInstanceRepository::Decommission(
    const domain::Principal& by, std::string id) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Instance> {
        pqxx::work tx(c);
        auto instance = LockActiveInstance(tx, id, " is already decommissioned");
        if (!instance) {
            return instance.error();
        }
        tx.exec_params(
            "UPDATE instances SET decommissioned_at = $2::timestamptz, enrollment_token_hash = "
            "NULL, "
            "credential_hash = NULL WHERE id = $1",
            id, FormatRfc3339(now));
        RevokeCertificates(tx, id, now, "decommissioned");
        domain::AuditDraft draft{.actor = by.actor,
                                 .action = "instance.decommission",
                                 .target_type = "instance",
                                 .target_id = id,
                                 .instance_id = id};
        if (auto audit = AppendAudit(tx, audit_key_, draft, now); !audit) {
            return audit.error();
        }
        auto updated = FindInstance(tx, id, false);
        if (!updated) {
            return MakeError(Errc::kInternal, "instance vanished during decommission");
        }
        tx.commit();
        return *updated;
    });
}

boost::asio::awaitable<Expected<domain::Instance>> PgInstanceRepository::ReplaceLabels(
    const domain::Principal& by, std::string id, std::map<std::string, std::string> labels) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::Instance> {
        pqxx::work tx(c);
        auto instance = LockActiveInstance(tx, id, " is decommissioned");
        if (!instance) {
            return instance.error();
        }
        const std::string after = StringMapToJson(labels);
        tx.exec_params("UPDATE instances SET labels = $2::jsonb WHERE id = $1", id, after);
        domain::AuditDraft draft{
            .actor = by.actor,
            .action = "instance.labels.update",
            .target_type = "instance",
            .target_id = id,
            .instance_id = id,
            .reason = "",
            .details_json =
                "{\"before\":" + StringMapToJson(instance->labels) + ",\"after\":" + after + "}"};
        if (auto audit = AppendAudit(tx, audit_key_, draft, now); !audit) {
            return audit.error();
        }
        instance->labels = std::move(labels);
        tx.commit();
        return *instance;
    });
}

boost::asio::awaitable<Expected<bool>> PgInstanceRepository::CheckCredential(
    const std::string& instance_id, const std::string& credential_hash) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<bool> {
        pqxx::read_transaction tx(c);
        auto rows = tx.exec_params(
            "SELECT credential_hash FROM instances WHERE id = $1 AND decommissioned_at IS NULL",
            instance_id);
        if (rows.empty()) {
            return false;
        }
        const auto stored = OptionalText(rows[0][0]);
        return stored.has_value() && ConstantTimeEquals(*stored, credential_hash);
    });
}

boost::asio::awaitable<Expected<void>> PgInstanceRepository::RecordConnected(
    const std::string& instance_id, const std::string& session_id, const std::string& agent_version,
    const std::vector<domain::InstalledComponent>& inventory) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params(
            "UPDATE instances SET connection_state = 'connected', connected_session = $2, "
            "agent_version = $3, inventory = $4::jsonb, last_seen_at = $5::timestamptz WHERE id = "
            "$1",
            instance_id, session_id, agent_version, InventoryToJson(inventory), FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<void>> PgInstanceRepository::RecordDisconnected(
    const std::string& instance_id, const std::string& session_id) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        // Only the session that is registered: a replaced session's late close changes nothing.
        tx.exec_params(
            "UPDATE instances SET connection_state = 'disconnected', connected_session = NULL, "
            "last_seen_at = $3::timestamptz WHERE id = $1 AND connected_session = $2",
            instance_id, session_id, FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<void>> PgInstanceRepository::RecordSeen(
    const std::vector<std::string>& instance_ids) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params(
            "UPDATE instances SET last_seen_at = $2::timestamptz "
            "WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))",
            JsonTextArray(instance_ids), FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

boost::asio::awaitable<Expected<void>> PgInstanceRepository::RecordInventory(
    const std::string& instance_id, const std::vector<domain::InstalledComponent>& inventory) {
    const auto now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        tx.exec_params(
            "UPDATE instances SET inventory = $2::jsonb, last_seen_at = $3::timestamptz WHERE id = "
            "$1",
            instance_id, InventoryToJson(inventory), FormatRfc3339(now));
        tx.commit();
        return {};
    });
}

}  // namespace waka::coordinator::pg
