#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "coordinator/domain/model.hpp"

// Internal to waka_coord_pg: the reads of instances, manifests and releases the deployment
// repository's files share (deployment_repository.cpp, deployment_batch.cpp).
namespace waka::coordinator::pg {

// "SELECT <the columns InstanceFromRow reads> FROM instances " (a WHERE clause follows).
[[nodiscard]] const std::string& InstanceSelect();
[[nodiscard]] domain::Instance InstanceFromRow(const pqxx::row& row);
[[nodiscard]] std::optional<domain::Instance> FindInstance(pqxx::transaction_base& tx,
                                                           const std::string& id);
[[nodiscard]] std::optional<domain::Manifest> FindManifest(pqxx::transaction_base& tx,
                                                           const std::string& id);
[[nodiscard]] std::optional<domain::Release> FindRelease(pqxx::transaction_base& tx,
                                                         const std::string& type,
                                                         const std::string& name,
                                                         const std::string& version);
// Adds the stored release of every component inputs.manifest names (when it has one) to
// inputs.releases ("<type>:<name>").
void AddManifestReleases(pqxx::transaction_base& tx, domain::DeploymentInputs& inputs);

}  // namespace waka::coordinator::pg
