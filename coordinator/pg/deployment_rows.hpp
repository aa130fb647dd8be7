#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "coordinator/domain/model.hpp"

// Internal to waka_coord_pg: the reads of instances, manifests and releases the repositories share
// (the instance repository, and the deployment repository's files).
namespace waka::coordinator::pg {

// The instances columns InstanceFromRow reads, for SELECT lists.
[[nodiscard]] const std::string& InstanceColumns();
// "SELECT <InstanceColumns()> FROM instances " (a WHERE clause follows).
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
