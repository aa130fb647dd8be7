#pragma once

#include "coordinator/api/api.hpp"
#include "coordinator/api/metrics.hpp"
#include "coordinator/api/router.hpp"
#include "coordinator/ports/repositories.hpp"

// Internal to waka_coord_api: the shared services of the handlers and one registration function
// per resource file.
namespace waka::coordinator::api {

struct Services {
    explicit Services(ApiContext& api_context)
        : context(api_context),
          releases(api_context.repositories.catalog),
          instances(api_context.repositories.instances),
          manifests(api_context.repositories.manifests),
          audit(api_context.repositories.audit) {}

    ApiContext& context;
    ports::CatalogRepository& releases;
    ports::InstanceRepository& instances;
    ports::ManifestRepository& manifests;
    ports::AuditLog& audit;
};

void AddSystemRoutes(Router& router, Services& services);         // system.cpp
void AddTokenRoutes(Router& router, Services& services);          // tokens.cpp
void AddVersionRoutes(Router& router, Services& services);        // versions.cpp
void AddPinRoutes(Router& router, Services& services);            // pins.cpp
void AddCompatibilityRoutes(Router& router, Services& services);  // compatibility.cpp
void AddArtifactRoutes(Router& router, Services& services);       // artifacts.cpp
void AddFloorRoutes(Router& router, Services& services);          // floors.cpp
void AddInstanceRoutes(Router& router, Services& services);       // instances.cpp
void AddExplainRoutes(Router& router, Services& services);        // explain.cpp
void AddManifestRoutes(Router& router, Services& services);       // manifests.cpp
void AddCompileRoutes(Router& router, Services& services);        // compile.cpp
void AddDeploymentRoutes(Router& router, Services& services);     // deployments.cpp
void AddAuditRoutes(Router& router, Services& services);          // audit.cpp
void AddPolicyRoutes(Router& router, Services& services);         // policies.cpp
void AddApprovalRoutes(Router& router, Services& services);       // approvals.cpp
void AddRollbackRoutes(Router& router, Services& services);       // rollback.cpp
void AddPatchRoutes(Router& router, Services& services);          // patches.cpp
void AddPatchReportRoutes(Router& router, Services& services);    // patch_reports.cpp
void AddQuarantineRoutes(Router& router, Services& services);     // quarantine.cpp
void AddRolloutRoutes(Router& router, Services& services);        // rollouts.cpp
void AddOpenApiRoutes(Router& router, Services& services);  // openapi.cpp: /openapi.json, /docs
void AddMetricsRoutes(Router& router, Services& services,   // metrics.cpp: /metrics
                      const HttpMetrics& metrics);

// Every route MakeApiHandler serves, as {method, pattern} (for the OpenAPI coverage test).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> ListRoutes(ApiContext& context);

// The OpenAPI document served at /openapi.json, embedded at build time (openapi/openapi.json).
[[nodiscard]] const std::string& OpenApiDocument();

// One patch across the fleet, as GET /api/v1/security/compliance counts it (patch_reports.cpp);
// for GET /metrics.
struct PatchComplianceCount {
    std::string patch_id;
    std::string severity;
    std::size_t patched = 0;
    std::size_t pending = 0;
    std::size_t failed = 0;
    std::size_t unpatched = 0;
};
[[nodiscard]] boost::asio::awaitable<Expected<std::vector<PatchComplianceCount>>>
CountPatchCompliance(Services& services);

// Adds "X-Next-Cursor: <cursor>" when a list filled its page, so clients know to ask again.
void AddNextCursor(http::Response& response, std::size_t count, std::size_t limit,
                   const std::string& last_cursor);

}  // namespace waka::coordinator::api
