#include "coordinator/store/manifest_store.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "coordinator/db/database.hpp"
#include "coordinator/store/audit_store.hpp"
#include "coordinator/store/row_codec.hpp"
#include "shared/core/crypto.hpp"

namespace waka::coordinator::store {
namespace {

const std::string kManifestColumns =
    "id, instance_id, platform_name, platform_version, suites::text AS suites, "
    "capabilities::text AS capabilities, configuration::text AS configuration, content_hash, "
    "created_by, " +
    SqlMillis("created_at") + " AS created_ms";

// Keys sorted at every depth so that equal content always serialises to equal text.
void WriteCanonical(const boost::json::value& value, std::string& out) {
    if (value.is_object()) {
        const auto& object = value.as_object();
        std::vector<std::pair<std::string_view, const boost::json::value*>> members;
        for (const auto& member : object) {
            members.emplace_back(std::string_view(member.key()), &member.value());
        }
        std::sort(members.begin(), members.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        out += '{';
        for (std::size_t i = 0; i < members.size(); ++i) {
            out += (i == 0 ? "" : ",");
            out += boost::json::serialize(boost::json::string(members[i].first));
            out += ':';
            WriteCanonical(*members[i].second, out);
        }
        out += '}';
    } else if (value.is_array()) {
        out += '[';
        bool first = true;
        for (const auto& item : value.as_array()) {
            out += first ? "" : ",";
            first = false;
            WriteCanonical(item, out);
        }
        out += ']';
    } else {
        out += boost::json::serialize(value);
    }
}

boost::json::object MapObject(const std::map<std::string, std::string>& map) {
    boost::json::object object;
    for (const auto& [key, value] : map) {
        object[key] = value;
    }
    return object;
}

Manifest ManifestFromRow(const pqxx::row& row) {
    Manifest m;
    m.id = row["id"].as<std::string>();
    if (!row["instance_id"].is_null()) {
        m.instance_id = row["instance_id"].as<std::string>();
    }
    m.platform_name = row["platform_name"].as<std::string>();
    m.platform_version = row["platform_version"].as<std::string>();
    m.suites = StringMapFromJson(row["suites"].as<std::string>());
    m.capabilities = StringMapFromJson(row["capabilities"].as<std::string>());
    m.configuration_json = row["configuration"].as<std::string>();
    m.content_hash = row["content_hash"].as<std::string>();
    m.created_by = row["created_by"].as<std::string>();
    m.created_at = FromMillis(row["created_ms"].as<long long>());
    return m;
}

std::optional<Manifest> FindManifest(pqxx::transaction_base& tx, const std::string& id) {
    auto rows = tx.exec_params("SELECT " + kManifestColumns + " FROM manifests WHERE id = $1", id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return ManifestFromRow(rows[0]);
}

std::optional<std::string> FindDuplicate(pqxx::transaction_base& tx, const Manifest& m) {
    auto rows = tx.exec_params(
        "SELECT id FROM manifests WHERE content_hash = $1 AND instance_id IS NOT DISTINCT FROM $2 "
        "ORDER BY created_at, id LIMIT 1",
        m.content_hash, m.instance_id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return rows[0][0].as<std::string>();
}

Expected<CreatedManifest> InsertManifest(pqxx::work& tx, const Principal& by, const Manifest& m,
                                         TimePoint now) {
    if (m.instance_id) {
        auto rows = tx.exec_params("SELECT 1 FROM instances WHERE id = $1", *m.instance_id);
        if (rows.empty()) {
            return MakeError(Errc::kNotFound, "Instance not found");
        }
    }
    CreatedManifest created;
    created.duplicate_of = FindDuplicate(tx, m);
    tx.exec_params(
        "INSERT INTO manifests (id, instance_id, platform_name, platform_version, suites, "
        "capabilities, configuration, content_hash, created_by, created_at) VALUES ($1, $2, $3, "
        "$4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10::timestamptz)",
        m.id, m.instance_id, m.platform_name, m.platform_version, StringMapToJson(m.suites),
        StringMapToJson(m.capabilities), m.configuration_json, m.content_hash, by.actor,
        FormatRfc3339(now));
    boost::json::object details{{"content_hash", m.content_hash},
                                {"platform_version", m.platform_version}};
    if (created.duplicate_of) {
        details["duplicate_of"] = *created.duplicate_of;
    }
    AuditDraft draft{.actor = by.actor,
                     .action = "manifest.create",
                     .target_type = "manifest",
                     .target_id = m.id,
                     .instance_id = m.instance_id.value_or(""),
                     .reason = "",
                     .details_json = boost::json::serialize(details)};
    if (auto audit = AppendAudit(tx, draft, now); !audit) {
        return audit.error();
    }
    auto stored = FindManifest(tx, m.id);
    if (!stored) {
        return MakeError(Errc::kInternal, "manifest vanished after insert");
    }
    tx.commit();
    created.manifest = std::move(*stored);
    return created;
}

}  // namespace

Expected<std::string> ManifestContentHash(const Manifest& manifest) {
    boost::system::error_code ec;
    boost::json::value configuration = boost::json::parse(manifest.configuration_json, ec);
    if (ec || !configuration.is_object()) {
        return MakeError(Errc::kInvalidArgument, "configuration must be a JSON object");
    }
    boost::json::object content{{"platform_name", manifest.platform_name},
                                {"platform_version", manifest.platform_version},
                                {"suites", MapObject(manifest.suites)},
                                {"capabilities", MapObject(manifest.capabilities)},
                                {"configuration", std::move(configuration)}};
    std::string canonical;
    WriteCanonical(content, canonical);
    return Sha256Hex(canonical);
}

ManifestStore::ManifestStore(db::Database& database, const Clock& clock)
    : database_(database), clock_(clock) {}

boost::asio::awaitable<Expected<CreatedManifest>> ManifestStore::Create(const Principal& by,
                                                                        Manifest manifest) {
    auto hash = ManifestContentHash(manifest);
    if (!hash) {
        co_return hash.error();
    }
    manifest.content_hash = *hash;
    TimePoint now = clock_.Now();
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<CreatedManifest> {
        pqxx::work tx(c);
        try {
            return InsertManifest(tx, by, manifest, now);
        } catch (const pqxx::unique_violation&) {
            return MakeError(Errc::kConflict, "Manifest " + manifest.id + " already exists");
        }
    });
}

boost::asio::awaitable<Expected<Manifest>> ManifestStore::Get(std::string id) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<Manifest> {
        pqxx::read_transaction tx(c);
        auto manifest = FindManifest(tx, id);
        if (!manifest) {
            return MakeError(Errc::kNotFound, "Manifest not found");
        }
        return *manifest;
    });
}

boost::asio::awaitable<Expected<std::vector<Manifest>>> ManifestStore::List(ManifestFilter filter) {
    co_return co_await database_.Run([&](pqxx::connection& c) -> Expected<std::vector<Manifest>> {
        pqxx::read_transaction tx(c);
        if (filter.cursor && FindManifest(tx, *filter.cursor) == std::nullopt) {
            return MakeError(Errc::kInvalidArgument, "cursor names no manifest");
        }
        // Newest first; the cursor row's (created_at, id) is where the previous page ended.
        auto rows = tx.exec_params(
            "SELECT " + kManifestColumns +
                " FROM manifests WHERE ($1::text IS NULL OR instance_id = $1) AND ($2::text IS "
                "NULL "
                "OR (created_at, id) < (SELECT created_at, id FROM manifests WHERE id = $2)) "
                "ORDER BY created_at DESC, id DESC LIMIT $3",
            filter.instance_id, filter.cursor, static_cast<long long>(filter.limit));
        std::vector<Manifest> manifests;
        manifests.reserve(rows.size());
        for (const auto& row : rows) {
            manifests.push_back(ManifestFromRow(row));
        }
        return manifests;
    });
}

}  // namespace waka::coordinator::store
