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

// The security patch catalog (docs/design.md §3) and the deployments that apply patches. Mutations
// append their audit entry in their transaction.
namespace waka::coordinator::ports {

struct PatchFilter {
    std::optional<std::string> component_type;
    std::optional<std::string> component_name;
    std::optional<std::string> severity;
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last patch of the previous page
};

class PatchRepository {
public:
    virtual ~PatchRepository() = default;

    // Stores a new patch (created_by/created_at set here). kConflict when the id is taken;
    // kInvalidArgument when patched_version is not a registered release of the component.
    virtual boost::asio::awaitable<Expected<domain::SecurityPatch>> Create(
        const domain::Principal& by, domain::SecurityPatch patch) = 0;
    // kNotFound "Patch not found".
    virtual boost::asio::awaitable<Expected<domain::SecurityPatch>> Get(std::string id) = 0;
    // Newest release_date first. An unknown cursor is kInvalidArgument.
    virtual boost::asio::awaitable<Expected<std::vector<domain::SecurityPatch>>> List(
        PatchFilter filter) = 0;
    // Patch deployments of an instance (every patch) or of a patch (every instance; instance_id
    // empty), newest first.
    virtual boost::asio::awaitable<Expected<std::vector<domain::PatchDeployment>>> Deployments(
        std::string patch_id, std::string instance_id) = 0;
    // Every instance that is not decommissioned and has a current manifest (only `instance_id`
    // when not empty), by id. Memory grows with the fleet, not with history.
    virtual boost::asio::awaitable<Expected<std::vector<domain::InstanceManifest>>>
    CurrentManifests(std::string instance_id) = 0;
    // Why patches have not reached instances: the reason of the latest refused application of
    // each patch to each instance (audit entries "patch.create" refused), keyed {patch, instance};
    // of one instance when instance_id is not empty.
    virtual boost::asio::awaitable<
        Expected<std::map<std::pair<std::string, std::string>, std::string>>>
    Refusals(std::string instance_id) = 0;
    // Links a stored deployment to the patch it applies.
    virtual boost::asio::awaitable<Expected<void>> Link(std::string deployment_id,
                                                        std::string patch_id,
                                                        std::string instance_id, bool enforced) = 0;
};

}  // namespace waka::coordinator::ports
