#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/domain/deployment_status.hpp"
#include "coordinator/policy/decision.hpp"
#include "shared/core/clock.hpp"

// The coordinator's domain model (docs/design.md §3): plain records, no I/O. Stored by the
// repositories of coordinator/ports (PostgreSQL: coordinator/pg), answered as JSON by
// coordinator/api, decided on by coordinator/domain's rules and coordinator/deploy's use cases.
// JSON columns are carried as parsed maps, or as JSON text where their shape is open (metadata,
// details, configuration).
namespace waka::coordinator::domain {

// viewer < operator < approver < admin is a ladder; the publisher stands beside it (ADR 0023).
// The roles are not ordered values: ask domain::Grants (authority.hpp), never compare them.
enum class Role { kViewer, kOperator, kApprover, kAdmin, kPublisher };
bool operator<(Role, Role) = delete;
bool operator<=(Role, Role) = delete;
bool operator>(Role, Role) = delete;
bool operator>=(Role, Role) = delete;
[[nodiscard]] std::string_view RoleName(Role role);
[[nodiscard]] std::optional<Role> ParseRole(std::string_view name);

struct ApiToken {
    std::string id;
    std::string name;
    Role role = Role::kViewer;
    std::string created_by;
    TimePoint created_at;
    std::optional<TimePoint> revoked_at;
    std::optional<TimePoint> expires_at;  // past it the token authenticates no more
    std::optional<TimePoint> rotated_at;  // when its secret was last replaced (Rotate)
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
    std::string instance_id;           // empty when none
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
    // Which audit key sealed the entry (HMAC-SHA256, ADR 0028); "" for an unkeyed SHA-256 entry.
    std::string key_id;
};

// Versions quarantined on an instance: "type:name" -> versions (docs/design.md §4.1).
using Quarantined = std::map<std::string, std::vector<std::string>>;

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
    // The publisher's signed statement for this release (ADR 0020), verbatim as signed, its raw
    // Ed25519 signature and the signing key's id; all empty for a release uploaded unsigned.
    // Listings of the whole catalog carry the key id only (the statement is read for planning).
    std::string release_key_id;
    std::string release_statement;
    std::string release_signature;
    TimePoint created_at;

    [[nodiscard]] bool Signed() const { return !release_key_id.empty(); }
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
    std::string release_statement;  // the release's signed statement, forwarded to the agent
    std::string release_signature;  // raw
};

// One entry of a deployment's history (not to be confused with StatusEvent, what moves it).
struct DeploymentEvent {
    TimePoint at;
    DeploymentStatus status = DeploymentStatus::kPending;
    std::string step;
    std::string message;
};

struct Deployment {
    std::string id;
    std::string kind = "deploy";  // deploy | patch | rollback
    DeploymentStatus status = DeploymentStatus::kPending;
    std::string instance_id;
    std::string manifest_id;
    std::optional<std::string> previous_manifest_id;
    std::string requested_by;
    std::string reason;
    bool force = false;
    bool skip_validation = false;
    std::vector<PlannedChange> plan;
    // Awaiting approval: the approval rule of the policy in force when it was created (ADR 0023).
    // Its approvals are judged by this copy, never by the policy as it is later.
    std::optional<policy::ApprovalRule> approval;
    std::optional<std::string> error_message;
    TimePoint created_at;
    std::optional<TimePoint> started_at;
    std::optional<TimePoint> completed_at;
    TimePoint updated_at;
    std::vector<DeploymentEvent> events;  // filled by reads of one deployment
    // The rollout whose member this deployment starts (kind deploy) or reverts (kind rollback).
    std::optional<std::string> rollout_id;
};

// Everything needed to validate and plan a deployment, read in one snapshot.
// A publisher-signed anti-rollback floor (ADR 0022): no version of the component below
// min_version is planned, and every agent refuses to install one.
struct Floor {
    std::string component_type;
    std::string component_name;
    std::string min_version;
    std::string reason;
    std::string key_id;
    std::string statement;  // canonical JSON, verbatim as signed
    std::string signature;  // raw Ed25519
    std::string created_by;
    TimePoint created_at;

    [[nodiscard]] std::string Key() const { return component_type + ":" + component_name; }
};

struct DeploymentInputs {
    std::optional<Instance> instance;
    std::optional<Manifest> manifest;
    // Releases named by the manifest, keyed "<type>:<name>" (absent when not registered).
    std::map<std::string, Release> releases;
    std::vector<Floor> floors;  // every floor in force
};

// A deployment handed to the agent, with what the instruction needs besides the plan.
struct Dispatch {
    Deployment deployment;
    std::string configuration_json;
    std::vector<Floor> floors;  // every floor in force, forwarded to the agent
};

// One manifest an instance ran: a deployment that finished "deployed".
struct ManifestRun {
    std::string deployment_id;
    std::string kind;  // deploy | patch | rollback
    std::string manifest_id;
    std::optional<std::string> previous_manifest_id;
    TimePoint completed_at;
};

// An instance's current manifest and what it ran before, read in one snapshot. Lists are bounded
// (kHistoryLimit) so that an old instance's history does not grow the coordinator's memory.
struct InstanceHistory {
    bool found = false;
    bool decommissioned = false;
    std::optional<std::string> current_manifest_id;
    std::vector<ManifestRun> runs;  // newest first
    // Every manifest it ran except the current one, each once (its latest run), newest run first.
    std::vector<ManifestRun> available;
    bool target_exists = false;  // the manifest asked about exists at all
    bool target_ran = false;     // ... and ran on this instance
    std::int64_t total_rollbacks = 0;
    std::int64_t successful_rollbacks = 0;  // deployed
    std::int64_t failed_rollbacks = 0;      // failed or rolled_back by the agent
};

inline constexpr std::size_t kHistoryLimit = 100;

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

// A deployment of kind patch and the patch it applies.
struct PatchDeployment {
    std::string patch_id;
    std::string deployment_id;
    std::string instance_id;
    DeploymentStatus status = DeploymentStatus::kPending;  // the deployment's
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

struct Quarantine {
    std::string id;  // "quarantine-<uuid>"
    std::string instance_id;
    std::string component_type;
    std::string component_name;
    std::string version;
    std::optional<std::string> deployment_id;  // the rollback or failed deployment
    std::string reason;
    TimePoint created_at;
    std::optional<TimePoint> cleared_at;
    std::optional<std::string> cleared_by;
    std::optional<std::string> clear_reason;
};

struct PinRecord {
    std::string id;  // "pin-<uuid>", made by Create
    std::string instance_id;
    std::string component_type;  // platform | suite | capability (checked by the caller)
    std::string component_name;
    std::string pinned_version;  // exact version or range (checked by the caller)
    std::string reason;
    std::optional<TimePoint> expires_at;
    std::string created_by;
    TimePoint created_at;
    std::optional<TimePoint> removed_at;
    std::optional<std::string> removed_by;
    std::optional<std::string> superseded_by;

    [[nodiscard]] std::string Component() const { return component_type + ":" + component_name; }
};

struct PolicyRecord {
    std::string id;  // "policy-<uuid>", made by Create
    std::string instance_id;
    std::string description;
    policy::Policy settings;  // validated by the caller
    std::string created_by;
    TimePoint created_at;
    TimePoint updated_at;
    std::optional<TimePoint> superseded_at;
};

}  // namespace waka::coordinator::domain
