#pragma once

#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

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
// The stored releases every manifest names, read in one statement: manifest id -> "<type>:<name>"
// -> release (a release not stored is absent, as AddManifestReleases leaves it).
[[nodiscard]] std::map<std::string, std::map<std::string, domain::Release>> ReleasesOfManifests(
    pqxx::transaction_base& tx, const std::vector<const domain::Manifest*>& manifests);
// Adds the stored release of every component inputs.manifest names (when it has one) to
// inputs.releases ("<type>:<name>").
void AddManifestReleases(pqxx::transaction_base& tx, domain::DeploymentInputs& inputs);

}  // namespace waka::coordinator::pg
