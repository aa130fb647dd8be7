#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "coordinator/store/pin_store.hpp"
#include "coordinator/store/types.hpp"

// Domain records as the API shows them (field names kept from the Python prototype where it had
// them). Timestamps are RFC 3339 UTC with Z; absent values are null.
namespace waka::coordinator::api {

[[nodiscard]] boost::json::value TimeJson(const std::optional<TimePoint>& t);
// Parses JSON text stored by us (metadata, configuration, details); damaged text reads as {}.
[[nodiscard]] boost::json::value StoredJson(const std::string& text);

[[nodiscard]] boost::json::object TokenJson(const store::ApiToken& token);
[[nodiscard]] boost::json::object VersionJson(const store::Release& release);
[[nodiscard]] boost::json::object ArtifactJson(const store::Artifact& artifact,
                                               const store::Release& release);
[[nodiscard]] boost::json::object InstanceJson(const store::Instance& instance, bool connected);
[[nodiscard]] boost::json::object ManifestJson(const store::Manifest& manifest);
[[nodiscard]] boost::json::object DeploymentJson(const store::Deployment& deployment);
[[nodiscard]] boost::json::object AuditEntryJson(const store::AuditEntry& entry);
// A pin (coordinator/store/pin_store.hpp); `active` says whether it applies at `now`.
[[nodiscard]] boost::json::object PinJson(const store::PinRecord& pin, TimePoint now);

}  // namespace waka::coordinator::api
