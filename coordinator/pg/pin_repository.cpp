#include "coordinator/pg/pin_repository.hpp"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/pg/audit_chain.hpp"
#include "coordinator/pg/batch_reads.hpp"
#include "coordinator/pg/row_codec.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::pg {
namespace {

const std::string kPinColumns =
    "id, instance_id, component_type, component_name, pinned_version, reason, " +
    SqlMillis("expires_at") + " AS expires_ms, created_by, " + SqlMillis("created_at") +
    " AS created_ms, " + SqlMillis("removed_at") + " AS removed_ms, removed_by, superseded_by";

domain::PinRecord PinFromRow(const pqxx::row& row) {
    domain::PinRecord pin;
    pin.id = row["id"].as<std::string>();
    pin.instance_id = row["instance_id"].as<std::string>();
    pin.component_type = row["component_type"].as<std::string>();
    pin.component_name = row["component_name"].as<std::string>();
    pin.pinned_version = row["pinned_version"].as<std::string>();
    pin.reason = row["reason"].as<std::string>();
    pin.expires_at = OptionalTime(row["expires_ms"]);
    pin.created_by = row["created_by"].as<std::string>();
    pin.created_at = FromMillis(row["created_ms"].as<long long>());
    pin.removed_at = OptionalTime(row["removed_ms"]);
    pin.removed_by = OptionalText(row["removed_by"]);
    pin.superseded_by = OptionalText(row["superseded_by"]);
    return pin;
}

std::optional<domain::PinRecord> FindPin(pqxx::transaction_base& tx, const std::string& id,
                                         bool lock) {
    auto rows = tx.exec_params(
        "SELECT " + kPinColumns + " FROM pins WHERE id = $1" + (lock ? " FOR UPDATE" : ""), id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return PinFromRow(rows[0]);
}

boost::json::object PinDetails(const domain::PinRecord& pin) {
    return {{"component_type", pin.component_type},
            {"component_name", pin.component_name},
            {"pinned_version", pin.pinned_version},
            {"reason", pin.reason},
            {"expires_at", pin.expires_at ? boost::json::value(FormatRfc3339(*pin.expires_at))
                                          : boost::json::value(nullptr)}};
}

Expected<void> Audit(pqxx::transaction_base& tx, const AuditKey& audit_key,
                     const domain::Principal& by, const std::string& action,
                     const domain::PinRecord& pin, const boost::json::object& details,
                     TimePoint now, std::string decision = "allowed", std::string reason = "") {
    domain::AuditDraft draft{.actor = by.actor,
                             .action = action,
                             .target_type = "pin",
                             .target_id = pin.id,
                             .instance_id = pin.instance_id,
                             .decision = std::move(decision),
                             .reason = std::move(reason),
                             .details_json = boost::json::serialize(details)};
    if (auto audit = AppendAudit(tx, audit_key, draft, now); !audit) {
        return audit.error();
    }
    return {};
}

// Serialises pin changes of one instance on its row, so two creates on one component never both
// see "no active pin" (the partial unique index would refuse the second anyway).
bool LockLiveInstance(pqxx::work& tx, const std::string& instance_id) {
    auto rows = tx.exec_params(
        "SELECT 1 FROM instances WHERE id = $1 AND decommissioned_at IS NULL FOR UPDATE",
        instance_id);
    return !rows.empty();
}

// Marks the active pin on the component replaced by `successor`; answers its id, if any.
std::optional<std::string> ReplaceActive(pqxx::work& tx, const domain::Principal& by,
                                         const domain::PinRecord& pin, TimePoint now) {
    auto rows = tx.exec_params(
        "SELECT id FROM pins WHERE instance_id = $1 AND component_type = $2 AND "
        "component_name = $3 AND removed_at IS NULL FOR UPDATE",
        pin.instance_id, pin.component_type, pin.component_name);
    if (rows.empty()) {
        return std::nullopt;
    }
    const auto old_id = rows[0][0].as<std::string>();
    tx.exec_params("UPDATE pins SET removed_at = $2::timestamptz, removed_by = $3 WHERE id = $1",
                   old_id, FormatRfc3339(now), by.actor);
    return old_id;
}

Expected<domain::PinRecord> InsertPin(pqxx::work& tx, const AuditKey& audit_key,
                                      const domain::Principal& by, domain::PinRecord pin,
                                      TimePoint now) {
    if (!LockLiveInstance(tx, pin.instance_id)) {
        return MakeError(Errc::kNotFound, "Instance not found");
    }
    pin.id = NewId("pin");
    const auto replaced = ReplaceActive(tx, by, pin, now);
    tx.exec_params(
        "INSERT INTO pins (id, instance_id, component_type, component_name, pinned_version, "
        "reason, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
        "NULLIF($7, '')::timestamptz, $8, $9::timestamptz)",
        pin.id, pin.instance_id, pin.component_type, pin.component_name, pin.pinned_version,
        pin.reason, pin.expires_at ? FormatRfc3339(*pin.expires_at) : std::string(), by.actor,
        FormatRfc3339(now));
    boost::json::object details = PinDetails(pin);
    if (replaced) {
        tx.exec_params("UPDATE pins SET superseded_by = $2 WHERE id = $1", *replaced, pin.id);
        details["replaces"] = *replaced;
    }
    if (auto audit = Audit(tx, audit_key, by, "pin.create", pin, details, now); !audit) {
        return audit.error();
    }
    auto stored = FindPin(tx, pin.id, false);
    if (!stored) {
        return MakeError(Errc::kInternal, "pin vanished after insert");
    }
    tx.commit();
    return *stored;
}

Expected<domain::PinRecord> RemovePin(pqxx::work& tx, const AuditKey& audit_key,
                                      const domain::Principal& by, const std::string& id,
                                      TimePoint now) {
    auto existing = FindPin(tx, id, true);
    if (!existing) {
        return MakeError(Errc::kNotFound, "Pin not found");
    }
    if (existing->removed_at) {
        return MakeError(Errc::kConflict, "Pin " + id + " was already removed at " +
                                              FormatRfc3339(*existing->removed_at));
    }
    tx.exec_params("UPDATE pins SET removed_at = $2::timestamptz, removed_by = $3 WHERE id = $1",
                   id, FormatRfc3339(now), by.actor);
    if (auto audit = Audit(tx, audit_key, by, "pin.delete", *existing, PinDetails(*existing), now);
        !audit) {
        return audit.error();
    }
    auto stored = FindPin(tx, id, false);
    tx.commit();
    return *stored;
}

}  // namespace

PgPinRepository::PgPinRepository(db::Database& database, const Clock& clock,
                                 const AuditKey& audit_key)
    : database_(database), clock_(clock), audit_key_(audit_key) {}

boost::asio::awaitable<Expected<domain::PinRecord>> PgPinRepository::Create(
    const domain::Principal& by, domain::PinRecord pin) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::PinRecord> {
        pqxx::work tx(c);
        try {
            return InsertPin(tx, audit_key_, by, pin, now);
        } catch (const pqxx::unique_violation&) {
            return MakeError(Errc::kConflict, "a concurrent pin on " + pin.Component() +
                                                  " won; read the pins and retry");
        }
    });
}

boost::asio::awaitable<Expected<domain::PinRecord>> PgPinRepository::Get(std::string id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::PinRecord> {
        pqxx::read_transaction tx(c);
        auto found = FindPin(tx, id, false);
        if (!found) {
            return MakeError(Errc::kNotFound, "Pin not found");
        }
        return *found;
    });
}

boost::asio::awaitable<Expected<std::vector<domain::PinRecord>>> PgPinRepository::List(
    std::string instance_id, bool include_removed) {
    co_return co_await database_.Run(
        [&](pqxx::connection& c) -> Expected<std::vector<domain::PinRecord>> {
            pqxx::read_transaction tx(c);
            auto rows =
                tx.exec_params("SELECT " + kPinColumns +
                                   " FROM pins WHERE instance_id = $1 AND ($2 OR removed_at "
                                   "IS NULL) ORDER BY created_at DESC, id DESC LIMIT 1000",
                               instance_id, include_removed);
            std::vector<domain::PinRecord> pins;
            pins.reserve(rows.size());
            for (const auto& row : rows) {
                pins.push_back(PinFromRow(row));
            }
            return pins;
        });
}

boost::asio::awaitable<Expected<domain::PinRecord>> PgPinRepository::Remove(
    const domain::Principal& by, std::string id) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<domain::PinRecord> {
        pqxx::work tx(c);
        return RemovePin(tx, audit_key_, by, id, now);
    });
}

boost::asio::awaitable<Expected<void>> PgPinRepository::RecordRefusal(const domain::Principal& by,
                                                                      domain::PinRecord pin,
                                                                      std::string why) {
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<void> {
        pqxx::work tx(c);
        if (auto audit =
                Audit(tx, audit_key_, by, "pin.create", pin, PinDetails(pin), now, "refused", why);
            !audit) {
            return audit.error();
        }
        tx.commit();
        return {};
    });
}

std::map<std::string, std::vector<domain::PinRecord>> ActivePinsOf(pqxx::transaction_base& tx,
                                                                   const std::string& ids_json) {
    std::map<std::string, std::vector<domain::PinRecord>> pins;
    for (const auto& row : tx.exec_params(
             "SELECT " + kPinColumns +
                 " FROM pins WHERE instance_id IN (SELECT jsonb_array_elements_text($1::jsonb)) "
                 "AND removed_at IS NULL ORDER BY instance_id, created_at DESC, id DESC",
             ids_json)) {
        auto pin = PinFromRow(row);
        pins[pin.instance_id].push_back(std::move(pin));
    }
    return pins;
}

}  // namespace waka::coordinator::pg
