#pragma once

#include "coordinator/ports/approval_repository.hpp"
#include "coordinator/ports/audit_log.hpp"
#include "coordinator/ports/catalog_repository.hpp"
#include "coordinator/ports/database_health.hpp"
#include "coordinator/ports/deployment_repository.hpp"
#include "coordinator/ports/floor_repository.hpp"
#include "coordinator/ports/instance_repository.hpp"
#include "coordinator/ports/manifest_repository.hpp"
#include "coordinator/ports/patch_repository.hpp"
#include "coordinator/ports/pin_repository.hpp"
#include "coordinator/ports/policy_repository.hpp"
#include "coordinator/ports/quarantine_repository.hpp"
#include "coordinator/ports/rollout_repository.hpp"
#include "coordinator/ports/schedule_repository.hpp"
#include "coordinator/ports/token_repository.hpp"

namespace waka::coordinator::ports {

// Every repository of the coordinator, as the use cases and the API see them. Built once by the
// app (coordinator/app) over PostgreSQL, or by a test over fakes; the referenced objects outlive
// every user. Each repository is safe to call from any executor.
struct Repositories {
    TokenRepository& tokens;
    CatalogRepository& catalog;
    ManifestRepository& manifests;
    InstanceRepository& instances;
    DeploymentRepository& deployments;
    PatchRepository& patches;
    PinRepository& pins;
    PolicyRepository& policies;
    QuarantineRepository& quarantines;
    ApprovalRepository& approvals;
    ScheduleRepository& schedule;
    AuditLog& audit;
    DatabaseHealth& health;
    FloorRepository& floors;
    RolloutRepository& rollouts;
};

}  // namespace waka::coordinator::ports
