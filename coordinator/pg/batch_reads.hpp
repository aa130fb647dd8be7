#pragma once

#include <map>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "coordinator/domain/model.hpp"
#include "shared/core/clock.hpp"

// Internal to waka_coord_pg: what the per-instance reads of the pins, quarantine, policy and
// manifest repositories answer, for a whole set of instances in one statement each (a rollout
// phase's deployments are evaluated on them, ADR 0037). Each is defined beside its per-instance
// query, with the same columns, order and rules. `ids_json` is a JSON array of ids.
namespace waka::coordinator::pg {

// Active pins (not removed; expired ones included, as PinRepository::List(id, false)), by instance.
[[nodiscard]] std::map<std::string, std::vector<domain::PinRecord>> ActivePinsOf(
    pqxx::transaction_base& tx, const std::string& ids_json);
// "<type>:<name>" -> versions quarantined, by instance (QuarantineRepository::Active).
[[nodiscard]] std::map<std::string, std::map<std::string, std::vector<std::string>>> QuarantinedOf(
    pqxx::transaction_base& tx, const std::string& ids_json);
// The active (not superseded) policy, by instance (PolicyRepository::Active).
[[nodiscard]] std::map<std::string, domain::PolicyRecord> ActivePoliciesOf(
    pqxx::transaction_base& tx, const std::string& ids_json);
// Manifests by id (ManifestRepository::Get).
[[nodiscard]] std::map<std::string, domain::Manifest> ManifestsOf(pqxx::transaction_base& tx,
                                                                  const std::string& ids_json);

// The one write among them: stores new manifests (their content hash set) in one statement, as
// ManifestRepository::Create stores one, and answers their "manifest.create" audit entries for the
// caller to append with the rest of its transaction's entries.
[[nodiscard]] std::vector<domain::AuditDraft> InsertManifests(
    pqxx::transaction_base& tx, const std::vector<domain::Manifest>& manifests,
    const std::string& actor, TimePoint now);

}  // namespace waka::coordinator::pg
