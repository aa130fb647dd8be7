#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "coordinator/domain/model.hpp"
#include "coordinator/domain/patching.hpp"

// What the deployment use cases are asked and answer (the HTTP API parses these from its bodies).
namespace waka::coordinator::deploy {

// The runbook's body plus the overrides of docs/design.md §4.1.
struct CreateDeploymentRequest {
    std::string manifest_id;
    std::string instance_id;
    bool dry_run = false;
    bool skip_validation = false;
    bool force = false;
    std::string reason;
    std::string kind = "deploy";
    // Server side only, never read from the API. A fixed id makes creation idempotent (the
    // scheduler's auto-updates: a second Create with the same id fails with kConflict); empty:
    // a new "deploy-<uuid>".
    std::string id;
    // Decided as the "auto-update" row of docs/design.md §4.1 instead of "operator deployment".
    bool auto_update = false;
    // kind patch: critical | high | medium | low, for the patch rows of docs/design.md §4.1.
    std::string severity;
    // Server side only, honoured by DeploymentService::CreateFleet alone: the rollout whose members
    // this starts (kind deploy) or reverts (kind rollback); storing links each member in the same
    // transaction (ADR 0037).
    std::optional<std::string> rollout_id;
    // Server side only, honoured by CreateFleet alone: the patch a fleet change of kind patch
    // applies (its deployments are linked to it and audited as patch applications), and whether
    // enforcement made it.
    std::shared_ptr<const domain::SecurityPatch> patch;
    bool enforced = false;
};

struct CreateDeploymentOutcome {
    domain::Deployment deployment;  // for dry_run: what would be stored (not stored)
    bool dry_run = false;
    std::string decision;  // allowed | deferred | refused (the audit entry's decision)
};

// POST /api/v1/rollback (docs/patches-and-rollback.md): back to a manifest the instance ran before.
struct CreateRollbackRequest {
    std::string instance_id;
    std::optional<std::string> to_manifest_id;  // absent: the manifest before the current one
    std::string reason;                         // required (checked by the API)
    bool dry_run = false;
    bool skip_validation = false;  // admin only (checked by the API)
};

// POST /api/v1/security/patches/apply (docs/patches-and-rollback.md, ADR 0011).
struct ApplyPatchRequest {
    std::string instance_id;
    std::string patch_id;
    bool dry_run = false;
    bool force = false;  // admin only, reason required (checked by the API)
    std::string reason;
    bool enforced = false;  // made by the coordinator's enforcement, not asked by an operator
};

struct ApplyPatchOutcome {
    domain::SecurityPatch patch;
    domain::PatchCheck check;  // whether the instance's current manifest is affected, and why
    // When affected: the patched manifest (stored unless dry run) and the deployment of kind
    // patch (planned for a dry run, created otherwise).
    std::optional<domain::Manifest> manifest;
    std::optional<CreateDeploymentOutcome> deployment;
};

struct DeploymentFilter {
    std::optional<std::string> instance_id;
    std::optional<domain::DeploymentStatus> status;
    std::size_t limit = 100;
    std::optional<std::string> cursor;      // id of the last deployment of the previous page
    std::optional<std::string> rollout_id;  // server side: a rollout's deployments
};

}  // namespace waka::coordinator::deploy
