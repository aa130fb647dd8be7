#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "coordinator/api/problem.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/domain/model.hpp"
#include "coordinator/http/message.hpp"
#include "coordinator/ports/catalog_repository.hpp"

// Pure parsing and validation of request bodies and query strings: no I/O, so every rule is
// unit-tested as a table. Each parser answers the typed request or the complete 400/422 answer.
namespace waka::coordinator::api {

inline constexpr std::size_t kDefaultPageLimit = 100;
inline constexpr std::size_t kMaxPageLimit = 1000;

[[nodiscard]] bool IsComponentType(std::string_view text);  // platform | suite | capability

struct TokenRequest {
    std::string name;
    domain::Role role = domain::Role::kViewer;
    std::optional<TimePoint> expires_at;  // "expires_at": RFC 3339; the handler checks it is ahead
};
[[nodiscard]] ApiExpected<TokenRequest> ParseTokenRequest(std::string_view body);

// The longest a rotated-away secret may keep authenticating (ADR 0029).
inline constexpr std::int64_t kMaxTokenOverlapSeconds = 86400;

// POST /api/v1/tokens/{id}/rotate; an empty body rotates with no overlap and the same expiry.
struct TokenRotateRequest {
    std::optional<TimePoint> expires_at;  // replaces the token's expiry; the handler checks it
    std::int64_t overlap_seconds = 0;     // 0..kMaxTokenOverlapSeconds
};
[[nodiscard]] ApiExpected<TokenRotateRequest> ParseTokenRotateRequest(std::string_view body);

// "version" (or the response's own name "version_string") must be strict SemVer; dependency
// keys "<type>:<name>" and their ranges are checked.
[[nodiscard]] ApiExpected<ports::NewRelease> ParseVersionRequest(std::string_view body);

// Checks the {type}/{name}/{version} path parameters of a release (422 naming the bad one).
[[nodiscard]] ApiExpected<ports::ReleaseKey> ParseReleaseKey(std::string_view type,
                                                             std::string_view name,
                                                             std::string_view version);

struct InstanceRequest {
    std::string id;
    std::map<std::string, std::string> labels;
};
// Labels: at most 64, keys follow the id rule, values are at most 256 printable characters.
[[nodiscard]] ApiExpected<InstanceRequest> ParseInstanceRequest(std::string_view body);
// PUT /instances/{id}/labels: {"labels": {...}}, the whole new set under the same rule.
[[nodiscard]] ApiExpected<std::map<std::string, std::string>> ParseLabelsRequest(
    std::string_view body);
// "env=prod" -> {"env", "prod"}; labels keys follow the id rule, values are at most 256 chars.
[[nodiscard]] ApiExpected<std::pair<std::string, std::string>> ParseLabelSelector(
    std::string_view text);

// id may come back empty: the caller generates one. content_hash, created_* are not set.
[[nodiscard]] ApiExpected<domain::Manifest> ParseManifestRequest(std::string_view body);

struct ManifestCreateRequest {
    domain::Manifest manifest;
    bool skip_validation = false;  // admin only (checked by the handler)
};
// POST /manifests: ParseManifestRequest plus an optional boolean skip_validation.
[[nodiscard]] ApiExpected<ManifestCreateRequest> ParseManifestCreate(std::string_view body);

// The runbook body plus force and reason. Role checks for force/skip_validation are the
// handler's (they depend on the caller); force without a reason is a 422 here.
[[nodiscard]] ApiExpected<deploy::CreateDeploymentRequest> ParseDeploymentRequest(
    std::string_view body);

struct Page {
    std::size_t limit = kDefaultPageLimit;
    std::optional<std::string> cursor;
};
// limit (1..1000, default 100) and cursor from the query.
[[nodiscard]] ApiExpected<Page> ParsePage(const http::Request& request);

// Strict RFC 3339 with a time zone (422 naming the field otherwise).
[[nodiscard]] ApiExpected<TimePoint> ParseTimestamp(std::string_view field, std::string_view text);

}  // namespace waka::coordinator::api
