#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// Immutable manifests in PostgreSQL. Every method runs one transaction on the database pool;
// Create appends its audit entry in that transaction.
namespace waka::coordinator::store {

struct ManifestFilter {
    std::optional<std::string> instance_id;
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last manifest of the previous page
};

struct CreatedManifest {
    Manifest manifest;
    // The oldest manifest of the same scope (same instance_id, or both unscoped) with the same
    // content hash; the new manifest is stored all the same, since ids are chosen by operators.
    std::optional<std::string> duplicate_of;
};

// SHA-256 hex of the canonical JSON of platform_name, platform_version, suites, capabilities and
// configuration (object keys sorted at every depth, no spaces): ids and dates do not count.
// kInvalidArgument when configuration_json is not a JSON object.
[[nodiscard]] Expected<std::string> ManifestContentHash(const Manifest& manifest);

class ManifestStore {
public:
    ManifestStore(db::Database& database, const Clock& clock);

    // Stores `manifest` (id set by the caller; content_hash, created_by and created_at are set
    // here). kNotFound "Instance not found" for an unknown instance_id; kConflict for a taken id.
    boost::asio::awaitable<Expected<CreatedManifest>> Create(const Principal& by,
                                                             Manifest manifest);
    // kNotFound "Manifest not found".
    boost::asio::awaitable<Expected<Manifest>> Get(std::string id);
    // Newest first. An unknown cursor is kInvalidArgument.
    boost::asio::awaitable<Expected<std::vector<Manifest>>> List(ManifestFilter filter);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
