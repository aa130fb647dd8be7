#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/clock.hpp"

// Plain domain records as stored in PostgreSQL (schema: coordinator/db/migrations). Shared by the
// stores, the API handlers and the deployment service. JSON columns are carried as parsed maps or
// as JSON text where their shape is open (metadata, details, configuration).
namespace waka::coordinator::store {

enum class Role { kViewer = 0, kOperator = 1, kApprover = 2, kAdmin = 3 };
[[nodiscard]] std::string_view RoleName(Role role);
[[nodiscard]] std::optional<Role> ParseRole(std::string_view name);

struct ApiToken {
    std::string id;
    std::string name;
    Role role = Role::kViewer;
    std::string created_by;
    TimePoint created_at;
    std::optional<TimePoint> revoked_at;
};

// What a caller is, after authentication: used for authorization and as the audit actor.
struct Principal {
    std::string actor;  // "token:<name>", "agent:<instance>" or "system"
    Role role = Role::kViewer;
    std::string token_id;
};

// An audit entry before it is chained and stored.
struct AuditDraft {
    std::string actor;
    std::string action;       // "<resource>.<verb>", e.g. "deployment.create", "token.revoke"
    std::string target_type;  // "deployment", "instance", ...
    std::string target_id;
    std::string instance_id;  // empty when none
    std::string decision = "allowed";  // allowed | refused | deferred | recorded
    std::string reason;
    std::string details_json = "{}";
};

struct AuditEntry {
    std::int64_t seq = 0;
    TimePoint at;
    AuditDraft draft;
    std::string prev_hash;
    std::string hash;
};

struct InstalledComponent {
    std::string type;
    std::string name;
    std::string version;
    bool operator==(const InstalledComponent&) const = default;
};

struct Release {
    std::string id;
    std::string component_type;
    std::string component_name;
    std::string version;
    TimePoint release_date;
    bool is_stable = true;
    bool is_security_patch = false;
    std::string changelog;
    std::map<std::string, std::string> dependencies;  // "<type>:<name>" -> range
    std::string metadata_json = "{}";
    std::optional<std::string> artifact_sha256;
    std::uint64_t artifact_size = 0;  // of the artifact, when attached
    TimePoint created_at;
};

struct Artifact {
    std::string sha256;
    std::uint64_t size = 0;
    TimePoint created_at;
};

struct Instance {
    std::string id;
    std::map<std::string, std::string> labels;
    std::string connection_state = "never_connected";  // never_connected | connected | disconnected
    std::optional<TimePoint> last_seen_at;
    std::string agent_version;
    std::vector<InstalledComponent> inventory;
    std::optional<std::string> current_manifest_id;
    bool enrolled = false;  // a credential has been issued
    TimePoint created_at;
    std::optional<TimePoint> decommissioned_at;
};

struct Manifest {
    std::string id;
    std::optional<std::string> instance_id;
    std::string platform_name = "webwaka-platform";
    std::string platform_version;
    std::map<std::string, std::string> suites;        // name -> version
    std::map<std::string, std::string> capabilities;  // name -> version
    std::string configuration_json = "{}";
    std::string content_hash;  // SHA-256 of the canonical content (not id, not dates)
    std::string created_by;
    TimePoint created_at;
};

struct PlannedChange {
    std::string type;
    std::string name;
    std::string from_version;  // empty: new component
    std::string to_version;    // empty: deactivate
    std::string artifact_sha256;
    std::uint64_t size = 0;
};

struct DeploymentEvent {
    TimePoint at;
    std::string status;
    std::string step;
    std::string message;
};

struct Deployment {
    std::string id;
    std::string kind = "deploy";  // deploy | patch | rollback
    std::string status = "pending";
    std::string instance_id;
    std::string manifest_id;
    std::optional<std::string> previous_manifest_id;
    std::string requested_by;
    std::string reason;
    bool force = false;
    bool skip_validation = false;
    std::vector<PlannedChange> plan;
    std::optional<std::string> error_message;
    TimePoint created_at;
    std::optional<TimePoint> started_at;
    std::optional<TimePoint> completed_at;
    TimePoint updated_at;
    std::vector<DeploymentEvent> events;  // filled by reads of one deployment
};

// True for the statuses a deployment never leaves.
[[nodiscard]] bool IsTerminalStatus(std::string_view status);

}  // namespace waka::coordinator::store
