#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/error.hpp"

// Releases (the API's "versions") and their artifacts. Mutations append their audit entry in their
// transaction.
namespace waka::coordinator::ports {

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

// A release statement the API has verified against the trusted keys and the uploaded bytes.
struct VerifiedStatement {
    std::string statement;  // canonical JSON, verbatim
    std::string signature;  // raw Ed25519
    std::string key_id;
};

struct AttachedArtifact {
    domain::Release release;
    domain::Artifact artifact;
    bool newly_attached = false;  // false: the release already had this very artifact
    bool newly_signed = false;    // the statement was stored (first one, or a re-signing)
};

class CatalogRepository {
public:
    virtual ~CatalogRepository() = default;

    // kConflict when that component version exists.
    virtual boost::asio::awaitable<Expected<domain::Release>> Create(const domain::Principal& by,
                                                                     NewRelease release) = 0;
    // kNotFound "Version not found".
    virtual boost::asio::awaitable<Expected<domain::Release>> Get(ReleaseKey key) = 0;
    // Every matching release, in no particular order (SemVer precedence is the caller's).
    virtual boost::asio::awaitable<Expected<std::vector<domain::Release>>> List(
        ReleaseFilter filter) = 0;
    // A text that changes whenever a release is added ("<count>:<newest created_at in ms>"):
    // releases are never edited or deleted (only an artifact is attached), so equal texts mean an
    // equal catalog for resolution, which lets the resolver's index be cached.
    virtual boost::asio::awaitable<Expected<std::string>> CatalogGeneration() = 0;
    // The releases among `keys` that exist (for warnings about manifests).
    virtual boost::asio::awaitable<Expected<std::vector<domain::Release>>> Find(
        std::vector<ReleaseKey> keys) = 0;
    // Attaches the artifact `sha256` of `size` bytes to the release. Under a row lock on the
    // release: kNotFound when it does not exist; kConflict when it holds another artifact;
    // otherwise `place_file` runs (on the DB thread, before the commit, so the row never names a
    // missing file), then the artifact row, the release link and the audit entry commit together.
    // The same artifact again answers newly_attached=false and changes nothing but the statement:
    // a `statement` other than the stored one replaces it (a re-signing, e.g. by a new key during
    // a rotation), audited as "release.sign". `statement` has been verified by the caller.
    virtual boost::asio::awaitable<Expected<AttachedArtifact>> AttachArtifact(
        const domain::Principal& by, ReleaseKey key, std::string sha256, std::uint64_t size,
        std::optional<VerifiedStatement> statement, std::function<Expected<void>()> place_file) = 0;
    // kNotFound "Artifact not found".
    virtual boost::asio::awaitable<Expected<domain::Artifact>> GetArtifact(std::string sha256) = 0;
    // Whether an artifact with that digest is registered.
    virtual boost::asio::awaitable<Expected<bool>> ArtifactExists(const std::string& sha256) = 0;
};

}  // namespace waka::coordinator::ports
