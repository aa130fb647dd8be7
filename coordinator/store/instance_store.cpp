#include "coordinator/store/instance_store.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/store/audit_store.hpp"
#include "coordinator/store/row_codec.hpp"

namespace waka::coordinator::store {
namespace {

const std::string kInstanceColumns =
    "id, labels::text AS labels, connection_state, " + SqlMillis("last_seen_at") +
    " AS seen_ms, agent_version, inventory::text AS inventory, current_manifest_id, "
    "credential_hash IS NOT NULL AS enrolled, " +
    SqlMillis("created_at") + " AS created_ms, " + SqlMillis("decommissioned_at") +
    " AS decommissioned_ms";

Instance InstanceFromRow(const pqxx::row& row) {
    Instance instance;
    instance.id = row["id"].as<std::string>();
    instance.labels = StringMapFromJson(row["labels"].as<std::string>());
    instance.connection_state = row["connection_state"].as<std::string>();
    instance.last_seen_at = OptionalTime(row["seen_ms"]);
    instance.agent_version = row["agent_version"].as<std::string>();
    instance.inventory = InventoryFromJson(row["inventory"].as<std::string>());
    if (!row["current_manifest_id"].is_null()) {
        instance.current_manifest_id = row["current_manifest_id"].as<std::string>();
    }
    instance.enrolled = row["enrolled"].as<bool>();
    instance.created_at = FromMillis(row["created_ms"].as<long long>());
    instance.decommissioned_at = OptionalTime(row["decommissioned_ms"]);
    return instance;
}

std::optional<Instance> FindInstance(pqxx::transaction_base& tx, const std::string& id, bool lock) {
    auto rows = tx.exec_params("SELECT " + kInstanceColumns + " FROM instances WHERE id = $1" +
                                   (lock ? " FOR UPDATE" : ""),
                               id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return InstanceFromRow(rows[0]);
}

Expected<Instance> InsertInstance(pqxx::work& tx, const Principal& by, const NewInstance& input,
                                  TimePoint now) {
    std::string labels = StringMapToJson(input.labels);
    tx.exec_params(
        "INSERT INTO instances (id, labels, enrollment_token_hash, enrollment_expires_at, "
        "created_at) VALUES ($1, $2::jsonb, $3, $4::timestamptz, $5::timestamptz)",
        input.id, labels, input.enrollment_token_hash, FormatRfc3339(input.enrollment_expires_at),
        FormatRfc3339(now));
    AuditDraft draft{.actor = by.actor,
                     .action = "instance.create",
                     .target_type = "instance",
                     .target_id = input.id,
                     .instance_id = input.id,
                     .reason = "",
                     .details_json = "{\"labels\":" + labels + "}"};
    if (auto audit = AppendAudit(tx, draft, now); !audit) {
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

InstanceStore::InstanceStore(db::Database& database, const Clock& clock)
    : database_(database), clock_(clock) {}

boost::asio::awaitable<Expected<Instance>> InstanceStore::Create(const Principal& by,
                                                                 NewInstance input) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Instance> {
        pqxx::work tx(c);
        try {
            return InsertInstance(tx, by, input, now);
        } catch (const pqxx::unique_violation&) {
            return MakeError(Errc::kConflict, "Instance " + input.id + " already exists");
        }
    });
}

boost::asio::awaitable<Expected<Instance>> InstanceStore::Get(std::string id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Instance> {
        pqxx::read_transaction tx(c);
        auto instance = FindInstance(tx, id, false);
        if (!instance) {
            return MakeError(Errc::kNotFound, "Instance not found");
        }
        return *instance;
    });
}

boost::asio::awaitable<Expected<std::vector<Instance>>> InstanceStore::List(InstanceFilter filter) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::vector<Instance>> {
        pqxx::read_transaction tx(c);
        // JSONB containment: every requested label pair is present on the instance.
        auto rows = tx.exec_params("SELECT " + kInstanceColumns +
                                       " FROM instances WHERE labels @> $1::jsonb "
                                       "AND ($2 OR decommissioned_at IS NULL) "
                                       "AND ($3::text IS NULL OR id > $3) ORDER BY id LIMIT $4",
                                   StringMapToJson(filter.labels), filter.include_decommissioned,
                                   filter.after_id, static_cast<long long>(filter.limit));
        std::vector<Instance> instances;
        instances.reserve(rows.size());
        for (const auto& row : rows) {
            instances.push_back(InstanceFromRow(row));
        }
        return instances;
    });
}

boost::asio::awaitable<Expected<Instance>> InstanceStore::Decommission(const Principal& by,
                                                                       std::string id) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Instance> {
        pqxx::work tx(c);
        auto instance = FindInstance(tx, id, true);
        if (!instance) {
            return MakeError(Errc::kNotFound, "Instance not found");
        }
        if (instance->decommissioned_at) {
            return MakeError(Errc::kConflict, "Instance " + id + " is already decommissioned");
        }
        tx.exec_params(
            "UPDATE instances SET decommissioned_at = $2::timestamptz, enrollment_token_hash = "
            "NULL, "
            "credential_hash = NULL WHERE id = $1",
            id, FormatRfc3339(now));
        AuditDraft draft{.actor = by.actor,
                         .action = "instance.decommission",
                         .target_type = "instance",
                         .target_id = id,
                         .instance_id = id};
        if (auto audit = AppendAudit(tx, draft, now); !audit) {
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

}  // namespace waka::coordinator::store
