#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/store/types.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::db {
class Database;
}

// The security patch catalog (DESIGN §3) and the deployments that apply patches. Every method is
// one transaction on the DB pool; mutations append their audit entry in it.
namespace waka::coordinator::store {

struct SecurityPatch {
    std::string id;  // the publisher's patch_id
    std::vector<std::string> cve_ids;
    std::string component_type;
    std::string component_name;
    std::string affected_versions;  // a SemVer range, checked by the caller
    std::string patched_version;    // a registered release of the component
    std::string severity;           // critical | high | medium | low
    std::string description;
    TimePoint release_date;
    std::string metadata_json = "{}";
    std::string created_by;
    TimePoint created_at;
};

struct PatchFilter {
    std::optional<std::string> component_type;
    std::optional<std::string> component_name;
    std::optional<std::string> severity;
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last patch of the previous page
};

// A deployment of kind patch and the patch it applies.
struct PatchDeployment {
    std::string patch_id;
    std::string deployment_id;
    std::string instance_id;
    std::string status;  // the deployment's
    bool enforced = false;
    TimePoint created_at;
    std::optional<TimePoint> completed_at;
    std::optional<std::string> error_message;
};

// An instance and its current manifest (components only), for applicability checks.
struct InstanceManifest {
    std::string instance_id;
    Manifest manifest;
};

class PatchStore {
public:
    PatchStore(db::Database& database, const Clock& clock);

    // Stores a new patch (created_by/created_at set here). kConflict when the id is taken;
    // kInvalidArgument when patched_version is not a registered release of the component.
    boost::asio::awaitable<Expected<SecurityPatch>> Create(const Principal& by,
                                                           SecurityPatch patch);
    // kNotFound "Patch not found".
    boost::asio::awaitable<Expected<SecurityPatch>> Get(std::string id);
    // Newest release_date first. An unknown cursor is kInvalidArgument.
    boost::asio::awaitable<Expected<std::vector<SecurityPatch>>> List(PatchFilter filter);
    // Patch deployments of an instance (every patch) or of a patch (every instance; instance_id
    // empty), newest first.
    boost::asio::awaitable<Expected<std::vector<PatchDeployment>>> Deployments(
        std::string patch_id, std::string instance_id);
    // Every instance that is not decommissioned and has a current manifest (only `instance_id`
    // when not empty), by id. Memory grows with the fleet, not with history.
    boost::asio::awaitable<Expected<std::vector<InstanceManifest>>> CurrentManifests(
        std::string instance_id);
    // Why patches have not reached instances: the reason of the latest refused application of
    // each patch to each instance (audit entries "patch.create" refused), keyed {patch, instance};
    // of one instance when instance_id is not empty.
    boost::asio::awaitable<Expected<std::map<std::pair<std::string, std::string>, std::string>>>
    Refusals(std::string instance_id);
    // Links a stored deployment to the patch it applies.
    boost::asio::awaitable<Expected<void>> Link(std::string deployment_id, std::string patch_id,
                                                std::string instance_id, bool enforced);

private:
    db::Database& database_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::store
