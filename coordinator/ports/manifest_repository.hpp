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

// Immutable manifests. Create appends its audit entry in its transaction.
namespace waka::coordinator::ports {

struct ManifestFilter {
    std::optional<std::string> instance_id;
    std::size_t limit = 100;
    std::optional<std::string> cursor;  // id of the last manifest of the previous page
};

struct CreatedManifest {
    domain::Manifest manifest;
    // The oldest manifest of the same scope (same instance_id, or both unscoped) with the same
    // content hash; the new manifest is stored all the same, since ids are chosen by operators.
    std::optional<std::string> duplicate_of;
};

class ManifestRepository {
public:
    virtual ~ManifestRepository() = default;

    // Stores `manifest` (id set by the caller; content_hash, created_by and created_at are set
    // here). kNotFound "Instance not found" for an unknown instance_id; kConflict for a taken id.
    virtual boost::asio::awaitable<Expected<CreatedManifest>> Create(const domain::Principal& by,
                                                                     domain::Manifest manifest) = 0;
    // kNotFound "Manifest not found".
    virtual boost::asio::awaitable<Expected<domain::Manifest>> Get(std::string id) = 0;
    // Newest first. An unknown cursor is kInvalidArgument.
    virtual boost::asio::awaitable<Expected<std::vector<domain::Manifest>>> List(
        ManifestFilter filter) = 0;
    // For each candidate (content hash set), the oldest stored manifest with the same content and
    // the same owner, if any, in one statement: candidate id -> stored id. A patch rollout reuses
    // the patched manifest an earlier batch stored instead of storing a copy (ADR 0038).
    virtual boost::asio::awaitable<Expected<std::map<std::string, std::string>>> FindSameContent(
        const std::vector<domain::Manifest>& candidates) = 0;
};

}  // namespace waka::coordinator::ports
