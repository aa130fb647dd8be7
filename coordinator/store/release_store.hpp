#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// Releases (the API's "versions") and their artifacts in PostgreSQL. Every method runs one
// transaction on the database pool; mutations append their audit entry in that transaction.
namespace waka::coordinator::store {

struct NewRelease {
    std::string component_type;  // platform | suite | capability (checked by the caller)
    std::string component_name;
    std::string version;                    // strict SemVer (checked by the caller)
    std::optional<TimePoint> release_date;  // default: now
    bool is_stable = true;
    bool is_security_patch = false;
    std::string changelog;
    std::map<std::string, std::string> dependencies;
    std::string metadata_json = "{}";
};

struct ReleaseKey {
    std::string component_type;
    std::string component_name;
    std::string version;
};

struct ReleaseFilter {
    std::optional<std::string> component_type;
    std::optional<std::string> component_name;
};

struct AttachedArtifact {
    Release release;
    Artifact artifact;
    bool newly_attached = false;  // false: the release already had this very artifact
};

class ReleaseStore {
public:
    ReleaseStore(db::Database& database, const Clock& clock);

    // kConflict when that component version exists.
    boost::asio::awaitable<Expected<Release>> Create(const Principal& by, NewRelease release);
    // kNotFound "Version not found".
    boost::asio::awaitable<Expected<Release>> Get(ReleaseKey key);
    // Every matching release, in no particular order (SemVer precedence is the caller's).
    boost::asio::awaitable<Expected<std::vector<Release>>> List(ReleaseFilter filter);
    // A text that changes whenever a release is added ("<count>:<newest created_at in ms>"):
    // releases are never edited or deleted (only an artifact is attached), so equal texts mean an
    // equal catalog for resolution, which lets the resolver's index be cached.
    boost::asio::awaitable<Expected<std::string>> CatalogGeneration();
    // The releases among `keys` that exist (for warnings about manifests).
    boost::asio::awaitable<Expected<std::vector<Release>>> Find(std::vector<ReleaseKey> keys);

    // Attaches the artifact `sha256` of `size` bytes to the release. Under a row lock on the
    // release: kNotFound when it does not exist; kConflict when it holds another artifact;
    // otherwise `place_file` runs (on the DB thread, before the commit, so the row never names a
    // missing file), then the artifact row, the release link and the audit entry commit together.
    // The same artifact again answers newly_attached=false and changes nothing.
    boost::asio::awaitable<Expected<AttachedArtifact>> AttachArtifact(
        const Principal& by, ReleaseKey key, std::string sha256, std::uint64_t size,
        std::function<Expected<void>()> place_file);

    // kNotFound "Artifact not found".
    boost::asio::awaitable<Expected<Artifact>> GetArtifact(std::string sha256);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
