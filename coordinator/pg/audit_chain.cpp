#include "coordinator/pg/audit_chain.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/sql_time.hpp"
#include "shared/core/crypto.hpp"

namespace waka::coordinator::pg {
namespace {

// Transaction-level advisory lock key serialising audit appenders ("wakaaudt").
constexpr long long kAuditLockKey = 0x77616b6161756474LL;
constexpr std::size_t kMaxAuditPage = 1000;
constexpr std::size_t kMaxExportPage = 10000;
// VerifyAudit reads the chain in pages so that a long log does not sit in memory at once.
constexpr std::size_t kVerifyBatch = 1000;

constexpr std::array<std::string_view, 4> kDecisions{"allowed", "refused", "deferred", "recorded"};

// Every read of audit_log selects exactly these columns, in this order (see EntryFromRow).
constexpr const char* kColumns =
    "seq, at, actor, action, target_type, target_id, COALESCE(instance_id, ''), decision, reason,"
    " details::text, prev_hash, hash, key_id";

void AppendField(std::string& out, std::string_view field) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
}

// The framed fields both schemes cover, after their version tag.
std::string ChainMessage(std::string_view tag, const std::string& prev_hash,
                         const domain::AuditEntry& entry) {
    std::string out;
    AppendField(out, tag);
    AppendField(out, FormatRfc3339(entry.at));
    AppendField(out, entry.draft.actor);
    AppendField(out, entry.draft.action);
    AppendField(out, entry.draft.target_type);
    AppendField(out, entry.draft.target_id);
    AppendField(out, entry.draft.instance_id);
    AppendField(out, entry.draft.decision);
    AppendField(out, entry.draft.reason);
    AppendField(out, entry.draft.details_json);
    AppendField(out, prev_hash);
    return out;
}

Expected<domain::AuditEntry> EntryFromRow(const pqxx::row& row) {
    domain::AuditEntry entry;
    entry.seq = row[0].as<std::int64_t>();
    const auto at = db::ParseSqlTimestamp(row[1].as<std::string>());
    if (!at) {
        return MakeError(Errc::kDatabase, "audit entry " + std::to_string(entry.seq) +
                                              " has an unreadable time: " + row[1].c_str());
    }
    entry.at = *at;
    entry.draft.actor = row[2].as<std::string>();
    entry.draft.action = row[3].as<std::string>();
    entry.draft.target_type = row[4].as<std::string>();
    entry.draft.target_id = row[5].as<std::string>();
    entry.draft.instance_id = row[6].as<std::string>();
    entry.draft.decision = row[7].as<std::string>();
    entry.draft.reason = row[8].as<std::string>();
    entry.draft.details_json = row[9].as<std::string>();
    entry.prev_hash = row[10].as<std::string>();
    entry.hash = row[11].as<std::string>();
    entry.key_id = row[12].as<std::string>();
    return entry;
}

Expected<void> CheckDraft(const domain::AuditDraft& draft) {
    if (draft.actor.empty() || draft.action.empty() || draft.target_type.empty()) {
        return MakeError(Errc::kInvalidArgument,
                         "audit entry needs an actor, action and target type");
    }
    if (std::find(kDecisions.begin(), kDecisions.end(), draft.decision) == kDecisions.end()) {
        return MakeError(Errc::kInvalidArgument,
                         "audit decision must be allowed, refused, deferred"
                         " or recorded, not '" +
                             draft.decision + "'");
    }
    // Checked here so that bad details are refused without aborting the caller's transaction.
    boost::system::error_code json_error;
    boost::json::parse(draft.details_json, json_error);
    if (json_error) {
        return MakeError(Errc::kInvalidArgument,
                         "audit details are not valid JSON: " + json_error.message());
    }
    return {};
}

Error FromException(const std::exception& e, std::string_view context) {
    const bool sql = dynamic_cast<const pqxx::failure*>(&e) != nullptr;
    return MakeError(sql ? Errc::kDatabase : Errc::kInternal,
                     std::string(context) + ": " + e.what());
}

// Why `entry` breaks the chain verified so far, or "" when it extends it.
std::string EntryProblem(const AuditKey& key, const ports::AuditVerification& so_far,
                         const domain::AuditEntry& entry) {
    const std::string seq = std::to_string(entry.seq);
    if (entry.prev_hash != so_far.head_hash) {
        return "entry " + seq +
               " does not link to the entry before it (removed or reordered entries)";
    }
    if (entry.key_id.empty()) {
        if (so_far.keyed_from_seq) {
            return "entry " + seq + " is not sealed with the audit key although entry " +
                   std::to_string(*so_far.keyed_from_seq) + " before it is (downgraded)";
        }
        return AuditHash(entry.prev_hash, entry) == entry.hash
                   ? ""
                   : "entry " + seq + " does not match its hash (altered)";
    }
    if (!key.HasKey()) {
        return "entry " + seq + " is sealed with audit key " + entry.key_id +
               " but no audit key is configured (audit.key_file)";
    }
    if (entry.key_id != key.Id()) {
        return "entry " + seq + " is sealed with audit key " + entry.key_id +
               ", not the configured key " + key.Id();
    }
    return ConstantTimeEquals(AuditSeal(key, entry.prev_hash, entry), entry.hash)
               ? ""
               : "entry " + seq + " does not match its seal (altered)";
}

void Accept(ports::AuditVerification& verification, const domain::AuditEntry& entry) {
    ++verification.entries;
    if (!entry.key_id.empty()) {
        if (!verification.keyed_from_seq) {
            verification.keyed_from_seq = entry.seq;
        }
        verification.last_keyed_seq = entry.seq;
    }
    verification.head_seq = entry.seq;
    verification.head_hash = entry.hash;
}

}  // namespace

std::string AuditHash(const std::string& prev_hash, const domain::AuditEntry& entry) {
    return Sha256Hex(ChainMessage("waka-audit-v1", prev_hash, entry));
}

std::string AuditSeal(const AuditKey& key, const std::string& prev_hash,
                      const domain::AuditEntry& entry) {
    std::string message = ChainMessage("waka-audit-v2", prev_hash, entry);
    AppendField(message, key.Id());
    return key.Seal(message);
}

Expected<domain::AuditEntry> AppendAudit(pqxx::transaction_base& tx, const AuditKey& key,
                                         const domain::AuditDraft& draft, TimePoint at) {
    if (auto valid = CheckDraft(draft); !valid) {
        return valid.error();
    }
    try {
        // Held until the caller commits: the next appender must see this entry as the last one.
        tx.exec_params("SELECT pg_advisory_xact_lock($1)", kAuditLockKey);
        // The hash covers the details as jsonb prints them, which is what VerifyAudit reads back.
        const auto head = tx.exec_params1(
            "SELECT COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), ''),"
            " $1::jsonb::text",
            draft.details_json);
        domain::AuditEntry entry;
        entry.at = std::chrono::floor<std::chrono::milliseconds>(at);
        entry.draft = draft;
        entry.draft.details_json = head[1].as<std::string>();
        entry.prev_hash = head[0].as<std::string>();
        entry.key_id = key.Id();
        entry.hash = key.HasKey() ? AuditSeal(key, entry.prev_hash, entry)
                                  : AuditHash(entry.prev_hash, entry);
        const std::optional<std::string> instance_id =
            draft.instance_id.empty() ? std::nullopt : std::optional(draft.instance_id);
        entry.seq =
            tx.exec_params1(
                  "INSERT INTO audit_log (at, actor, action, target_type, target_id,"
                  " instance_id, decision, reason, details, prev_hash, hash, key_id)"
                  " VALUES ($1::timestamptz, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10,"
                  " $11, $12) RETURNING seq",
                  db::ToSqlTimestamp(entry.at), draft.actor, draft.action, draft.target_type,
                  draft.target_id, instance_id, draft.decision, draft.reason,
                  entry.draft.details_json, entry.prev_hash, entry.hash, entry.key_id)[0]
                .as<std::int64_t>();
        return entry;
    } catch (const std::exception& e) {
        return FromException(e, "append audit entry");
    }
}

Expected<void> AppendAudits(pqxx::transaction_base& tx, const AuditKey& key,
                            const std::vector<domain::AuditDraft>& drafts, TimePoint at) {
    if (drafts.empty()) {
        return {};
    }
    std::string details = "[";
    for (const auto& draft : drafts) {
        if (auto valid = CheckDraft(draft); !valid) {
            return valid.error();
        }
        details += (details.size() > 1 ? "," : "") + draft.details_json;
    }
    details += "]";
    try {
        tx.exec_params("SELECT pg_advisory_xact_lock($1)", kAuditLockKey);
        std::string prev_hash = tx.exec1(
                                      "SELECT COALESCE((SELECT hash FROM audit_log ORDER BY "
                                      "seq DESC LIMIT 1), '')")[0]
                                    .as<std::string>();
        // Each entry's details as jsonb prints them (what VerifyAudit reads back), in order.
        auto printed = tx.exec_params(
            "SELECT x::text FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(x, n) "
            "ORDER BY n",
            details);
        boost::json::array rows;
        for (std::size_t i = 0; i < drafts.size(); ++i) {
            domain::AuditEntry entry;
            entry.at = std::chrono::floor<std::chrono::milliseconds>(at);
            entry.draft = drafts[i];
            entry.draft.details_json = printed[static_cast<int>(i)][0].as<std::string>();
            entry.prev_hash = prev_hash;
            entry.key_id = key.Id();
            entry.hash = key.HasKey() ? AuditSeal(key, entry.prev_hash, entry)
                                      : AuditHash(entry.prev_hash, entry);
            prev_hash = entry.hash;
            boost::json::object row{{"actor", entry.draft.actor},
                                    {"action", entry.draft.action},
                                    {"target_type", entry.draft.target_type},
                                    {"target_id", entry.draft.target_id},
                                    {"decision", entry.draft.decision},
                                    {"reason", entry.draft.reason},
                                    {"details", boost::json::parse(entry.draft.details_json)},
                                    {"prev_hash", entry.prev_hash},
                                    {"hash", entry.hash},
                                    {"key_id", entry.key_id},
                                    {"n", i}};
            if (!entry.draft.instance_id.empty()) {
                row["instance_id"] = entry.draft.instance_id;
            }
            rows.push_back(std::move(row));
        }
        // One statement for every entry; seq follows the array's order, as the chain does.
        tx.exec_params(
            "INSERT INTO audit_log (at, actor, action, target_type, target_id, instance_id, "
            "decision, reason, details, prev_hash, hash, key_id) SELECT $2::timestamptz, "
            "x.actor, x.action, x.target_type, x.target_id, x.instance_id, x.decision, x.reason, "
            "x.details, x.prev_hash, x.hash, x.key_id FROM jsonb_to_recordset($1::jsonb) "
            "AS x(actor text, action text, target_type text, target_id text, "
            "instance_id text, decision text, reason text, details jsonb, prev_hash text, "
            "hash text, key_id text, n bigint) ORDER BY x.n",
            boost::json::serialize(rows),
            db::ToSqlTimestamp(std::chrono::floor<std::chrono::milliseconds>(at)));
        return {};
    } catch (const std::exception& e) {
        return FromException(e, "append audit entries");
    }
}

Expected<std::vector<domain::AuditEntry>> ListAudit(pqxx::transaction_base& tx,
                                                    const ports::AuditFilter& filter) {
    const std::size_t limit = std::min(filter.limit, kMaxAuditPage);
    std::vector<domain::AuditEntry> entries;
    if (limit == 0) {
        return entries;
    }
    const auto since =
        filter.since ? std::optional(db::ToSqlTimestamp(*filter.since)) : std::nullopt;
    const auto until =
        filter.until ? std::optional(db::ToSqlTimestamp(*filter.until)) : std::nullopt;
    try {
        // Unnamed statements are planned with the actual values, so "$n IS NULL" folds away and
        // the (column, seq) indexes stay usable.
        const auto rows =
            tx.exec_params(std::string("SELECT ") + kColumns +
                               " FROM audit_log"
                               " WHERE ($1::text IS NULL OR instance_id = $1)"
                               " AND ($2::text IS NULL OR actor = $2)"
                               " AND ($3::text IS NULL OR action = $3)"
                               " AND ($4::timestamptz IS NULL OR at >= $4::timestamptz)"
                               " AND ($5::timestamptz IS NULL OR at <= $5::timestamptz)"
                               " AND ($6::bigint IS NULL OR seq > $6)"
                               " ORDER BY seq LIMIT $7",
                           filter.instance_id, filter.actor, filter.action, since, until,
                           filter.after_seq, static_cast<std::int64_t>(limit));
        entries.reserve(rows.size());
        for (const auto& row : rows) {
            auto entry = EntryFromRow(row);
            if (!entry) {
                return entry.error();
            }
            entries.push_back(std::move(*entry));
        }
        return entries;
    } catch (const std::exception& e) {
        return FromException(e, "list audit entries");
    }
}

Expected<ports::AuditVerification> VerifyAudit(pqxx::transaction_base& tx, const AuditKey& key) {
    ports::AuditVerification verification;
    std::int64_t after_seq = 0;
    try {
        for (;;) {
            const auto rows =
                tx.exec_params(std::string("SELECT ") + kColumns +
                                   " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                               after_seq, static_cast<std::int64_t>(kVerifyBatch));
            for (const auto& row : rows) {
                auto entry = EntryFromRow(row);
                if (!entry) {
                    return entry.error();
                }
                after_seq = entry->seq;
                verification.problem = EntryProblem(key, verification, *entry);
                if (!verification.problem.empty()) {
                    verification.ok = false;
                    verification.first_bad_seq = entry->seq;
                    return verification;
                }
                Accept(verification, *entry);
            }
            if (rows.size() < kVerifyBatch) {
                return verification;
            }
        }
    } catch (const std::exception& e) {
        return FromException(e, "verify audit chain");
    }
}

Expected<ports::AuditExportPage> ExportAudit(pqxx::transaction_base& tx, std::int64_t after_seq,
                                             std::size_t limit) {
    ports::AuditExportPage page;
    try {
        const auto head = tx.exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
        if (!head.empty()) {
            page.head_seq = head[0][0].as<std::int64_t>();
            page.head_hash = head[0][1].as<std::string>();
        }
        const auto rows =
            tx.exec_params(std::string("SELECT ") + kColumns +
                               " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                           after_seq, static_cast<std::int64_t>(std::min(limit, kMaxExportPage)));
        page.entries.reserve(rows.size());
        for (const auto& row : rows) {
            auto entry = EntryFromRow(row);
            if (!entry) {
                return entry.error();
            }
            page.entries.push_back(std::move(*entry));
        }
        return page;
    } catch (const std::exception& e) {
        return FromException(e, "export audit entries");
    }
}

Expected<void> CheckAuditKey(pqxx::transaction_base& tx, const AuditKey& key) {
    try {
        const auto newest = tx.exec("SELECT seq, key_id FROM audit_log ORDER BY seq DESC LIMIT 1");
        if (newest.empty() || newest[0][1].as<std::string>().empty()) {
            return {};
        }
        const std::string sealed_with = newest[0][1].as<std::string>();
        if (sealed_with == key.Id()) {
            return {};
        }
        const std::string seq = newest[0][0].as<std::string>();
        if (!key.HasKey()) {
            return MakeError(Errc::kInvalidArgument,
                             "the audit log is sealed with audit key " + sealed_with + " (entry " +
                                 seq +
                                 ") but no audit key is configured: set audit.key_file to that "
                                 "key's file");
        }
        return MakeError(Errc::kInvalidArgument, "the audit log is sealed with audit key " +
                                                     sealed_with + " (entry " + seq +
                                                     ") but audit.key_file holds key " + key.Id() +
                                                     ": configure the key the log was sealed with");
    } catch (const std::exception& e) {
        return FromException(e, "check the audit key");
    }
}

}  // namespace waka::coordinator::pg
