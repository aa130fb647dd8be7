#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "coordinator/domain/model.hpp"
#include "coordinator/ports/pin_repository.hpp"

// Domain records as the API shows them (field names kept from the Python prototype where it had
// them). Timestamps are RFC 3339 UTC with Z; absent values are null.
namespace waka::coordinator::api {

[[nodiscard]] boost::json::value TimeJson(const std::optional<TimePoint>& t);
// Parses JSON text stored by us (metadata, configuration, details); damaged text reads as {}.
[[nodiscard]] boost::json::value StoredJson(const std::string& text);

[[nodiscard]] boost::json::object TokenJson(const domain::ApiToken& token);
[[nodiscard]] boost::json::object VersionJson(const domain::Release& release);
[[nodiscard]] boost::json::object ArtifactJson(const domain::Artifact& artifact,
                                               const domain::Release& release);
[[nodiscard]] boost::json::object InstanceJson(const domain::Instance& instance, bool connected);
[[nodiscard]] boost::json::object ManifestJson(const domain::Manifest& manifest);
[[nodiscard]] boost::json::object DeploymentJson(const domain::Deployment& deployment);
[[nodiscard]] boost::json::object AuditEntryJson(const domain::AuditEntry& entry);
// A pin (domain::PinRecord); `active` says whether it applies at `now`.
[[nodiscard]] boost::json::object PinJson(const domain::PinRecord& pin, TimePoint now);

}  // namespace waka::coordinator::api
