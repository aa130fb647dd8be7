#include "coordinator/api/requests.hpp"

#include <boost/json/serialize.hpp>
#include <charconv>

#include "coordinator/api/json_input.hpp"
#include "coordinator/api/semver_rules.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::api {
namespace {

constexpr std::size_t kMaxLabelValueLength = 256;
constexpr std::size_t kMaxLabels = 64;
constexpr std::size_t kMaxTextLength = 65536;

bool HasControlCharacters(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

// The rule of instance labels, at registration and on replacement.
void CheckLabels(ObjectReader& reader, const std::map<std::string, std::string>& labels) {
    if (labels.size() > kMaxLabels) {
        reader.Fail("labels", "at most 64 labels per instance");
    }
    for (const auto& [key, value] : labels) {
        if (!IsValidId(key)) {
            reader.Fail("labels." + key, "label keys follow the id rule ([A-Za-z0-9._-])");
        } else if (value.size() > kMaxLabelValueLength || HasControlCharacters(value)) {
            reader.Fail("labels." + key, "label values are at most 256 printable characters");
        }
    }
}

void CheckComponentName(ObjectReader& reader, std::string_view field,
                        const std::optional<std::string>& name) {
    if (name && !IsValidId(*name)) {
        reader.Fail(field,
                    "must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit");
    }
}

void CheckVersion(ObjectReader& reader, std::string_view field,
                  const std::optional<std::string>& v) {
    if (v && !IsStrictSemVer(*v)) {
        reader.Fail(field,
                    "'" + *v + "' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.5.0)");
    }
}

void CheckDependencies(ObjectReader& reader, const std::map<std::string, std::string>& deps) {
    for (const auto& [key, range] : deps) {
        std::string field = "dependencies." + key;
        std::size_t colon = key.find(':');
        if (colon == std::string::npos || !IsComponentType(key.substr(0, colon)) ||
            !IsValidId(key.substr(colon + 1))) {
            reader.Fail(field,
                        "the key must be '<type>:<name>' with type platform, suite or capability");
            continue;
        }
        if (auto problem = CheckSemVerRange(range)) {
            reader.Fail(field, "invalid range: " + *problem);
        }
    }
}

std::optional<std::string> ReadVersionField(ObjectReader& reader) {
    auto version = reader.String("version");
    auto version_string = reader.String("version_string");
    if (version && version_string && *version != *version_string) {
        reader.Fail("version", "give either version or version_string, not two different values");
    }
    if (!version && !version_string) {
        reader.Fail("version", "is required");
        return std::nullopt;
    }
    return version ? version : version_string;
}

void CheckVersionMap(ObjectReader& reader, std::string_view field,
                     const std::map<std::string, std::string>& versions) {
    for (const auto& [name, version] : versions) {
        std::string entry = std::string(field) + "." + name;
        if (!IsValidId(name)) {
            reader.Fail(entry, "is not a valid component name");
        } else if (!IsStrictSemVer(version)) {
            reader.Fail(entry, "'" + version + "' is not a semantic version (e.g. 1.5.0)");
        }
    }
}

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

bool IsComponentType(std::string_view text) {
    return text == "platform" || text == "suite" || text == "capability";
}

ApiExpected<TokenRequest> ParseTokenRequest(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    TokenRequest request;
    auto name = reader.String("name", true);
    auto role = reader.String("role", true);
    if (name && !IsValidId(*name)) {
        reader.Fail("name",
                    "must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit");
    }
    if (role && !domain::ParseRole(*role)) {
        reader.Fail("role", "must be one of viewer, operator, approver, admin, publisher");
    }
    if (auto expires = reader.String("expires_at")) {
        request.expires_at = ParseRfc3339(*expires);
        if (!request.expires_at) {
            reader.Fail("expires_at", "must be an RFC 3339 timestamp, e.g. 2027-01-31T12:00:00Z");
        }
    }
    request.name = name.value_or("");
    request.role =
        role ? domain::ParseRole(*role).value_or(domain::Role::kViewer) : domain::Role::kViewer;
    return Validated(std::move(request), reader.Finish());
}

ApiExpected<TokenRotateRequest> ParseTokenRotateRequest(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    TokenRotateRequest request;
    if (auto expires = reader.String("expires_at")) {
        request.expires_at = ParseRfc3339(*expires);
        if (!request.expires_at) {
            reader.Fail("expires_at", "must be an RFC 3339 timestamp, e.g. 2027-01-31T12:00:00Z");
        }
    }
    if (auto overlap = reader.Integer("overlap_seconds")) {
        if (*overlap < 0 || *overlap > kMaxTokenOverlapSeconds) {
            reader.Fail("overlap_seconds",
                        "must be between 0 and " + std::to_string(kMaxTokenOverlapSeconds));
        } else {
            request.overlap_seconds = *overlap;
        }
    }
    return Validated(std::move(request), reader.Finish());
}

ApiExpected<ports::NewRelease> ParseVersionRequest(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    ports::NewRelease release;
    auto type = reader.String("component_type", true);
    auto name = reader.String("component_name", true);
    auto version = ReadVersionField(reader);
    if (type && !IsComponentType(*type)) {
        reader.Fail("component_type", "must be one of platform, suite, capability");
    }
    CheckComponentName(reader, "component_name", name);
    CheckVersion(reader, "version", version);
    if (auto date = reader.String("release_date")) {
        release.release_date = ParseRfc3339(*date);
        if (!release.release_date) {
            reader.Fail("release_date", "must be an RFC 3339 timestamp with a time zone");
        }
    }
    release.is_stable = reader.Bool("is_stable").value_or(true);
    release.is_security_patch = reader.Bool("is_security_patch").value_or(false);
    release.changelog = reader.String("changelog").value_or("");
    if (release.changelog.size() > kMaxTextLength) {
        reader.Fail("changelog", "is longer than 65536 bytes");
    }
    if (auto deps = reader.StringMap("dependencies")) {
        CheckDependencies(reader, *deps);
        release.dependencies = std::move(*deps);
    }
    if (const auto* metadata = reader.Object("metadata")) {
        release.metadata_json = boost::json::serialize(*metadata);
    }
    release.component_type = type.value_or("");
    release.component_name = name.value_or("");
    release.version = version.value_or("");
    return Validated(std::move(release), reader.Finish());
}

ApiExpected<ports::ReleaseKey> ParseReleaseKey(std::string_view type, std::string_view name,
                                               std::string_view version) {
    std::vector<FieldError> errors;
    if (!IsComponentType(type)) {
        errors.push_back({"component_type", "must be one of platform, suite, capability"});
    }
    if (!IsValidId(name)) {
        errors.push_back({"component_name", "is not a valid component name"});
    }
    if (!IsStrictSemVer(version)) {
        errors.push_back({"version", "'" + std::string(version) + "' is not a semantic version"});
    }
    return Validated(ports::ReleaseKey{std::string(type), std::string(name), std::string(version)},
                     std::move(errors));
}

ApiExpected<InstanceRequest> ParseInstanceRequest(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    InstanceRequest request;
    auto id = reader.String("id", true);
    if (id && !IsValidId(*id)) {
        reader.Fail("id",
                    "must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit");
    }
    if (auto labels = reader.StringMap("labels")) {
        CheckLabels(reader, *labels);
        request.labels = std::move(*labels);
    }
    request.id = id.value_or("");
    return Validated(std::move(request), reader.Finish());
}

ApiExpected<std::map<std::string, std::string>> ParseLabelsRequest(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    std::map<std::string, std::string> labels;
    if (auto given = reader.StringMap("labels")) {
        CheckLabels(reader, *given);
        labels = std::move(*given);
    } else if (!object->contains("labels") || object->at("labels").is_null()) {
        reader.Fail("labels", "is required (an object of key: value; {} removes every label)");
    }
    return Validated(std::move(labels), reader.Finish());
}

ApiExpected<std::pair<std::string, std::string>> ParseLabelSelector(std::string_view text) {
    std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) {
        return Invalid("label", "must be written key=value, e.g. env=prod");
    }
    std::string key(text.substr(0, equals));
    std::string value(text.substr(equals + 1));
    if (!IsValidId(key) || value.size() > kMaxLabelValueLength) {
        return Invalid("label", "'" + std::string(text) + "' is not a valid key=value selector");
    }
    return std::pair{std::move(key), std::move(value)};
}

ApiExpected<domain::Manifest> ParseManifestRequest(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    domain::Manifest manifest;
    auto id = reader.String("id");
    auto instance_id = reader.String("instance_id");
    auto platform_name = reader.String("platform_name");
    auto platform_version = reader.String("platform_version", true);
    if (id && !IsValidId(*id)) {
        reader.Fail("id",
                    "must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit");
    }
    if (instance_id && !IsValidId(*instance_id)) {
        reader.Fail("instance_id", "is not a valid instance id");
    }
    CheckComponentName(reader, "platform_name", platform_name);
    CheckVersion(reader, "platform_version", platform_version);
    if (auto suites = reader.StringMap("suites")) {
        CheckVersionMap(reader, "suites", *suites);
        manifest.suites = std::move(*suites);
    }
    if (auto capabilities = reader.StringMap("capabilities")) {
        CheckVersionMap(reader, "capabilities", *capabilities);
        manifest.capabilities = std::move(*capabilities);
    }
    if (const auto* configuration = reader.Object("configuration")) {
        manifest.configuration_json = boost::json::serialize(*configuration);
    }
    manifest.id = id.value_or("");
    manifest.instance_id = instance_id;
    manifest.platform_name = platform_name.value_or("webwaka-platform");
    manifest.platform_version = platform_version.value_or("");
    return Validated(std::move(manifest), reader.Finish());
}

ApiExpected<ManifestCreateRequest> ParseManifestCreate(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ManifestCreateRequest request;
    if (const auto* skip = object->if_contains("skip_validation"); skip && !skip->is_null()) {
        if (!skip->is_bool()) {
            return Invalid("skip_validation", "must be true or false");
        }
        request.skip_validation = skip->as_bool();
    }
    object->erase("skip_validation");
    auto manifest = ParseManifestRequest(boost::json::serialize(*object));
    if (!manifest) {
        return manifest.error();
    }
    request.manifest = std::move(*manifest);
    return request;
}

ApiExpected<deploy::CreateDeploymentRequest> ParseDeploymentRequest(std::string_view body) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    deploy::CreateDeploymentRequest request;
    auto manifest_id = reader.String("manifest_id", true);
    auto instance_id = reader.String("instance_id", true);
    if (manifest_id && !IsValidId(*manifest_id)) {
        reader.Fail("manifest_id", "is not a valid manifest id");
    }
    if (instance_id && !IsValidId(*instance_id)) {
        reader.Fail("instance_id", "is not a valid instance id");
    }
    request.dry_run = reader.Bool("dry_run").value_or(false);
    request.skip_validation = reader.Bool("skip_validation").value_or(false);
    request.force = reader.Bool("force").value_or(false);
    request.reason = reader.String("reason").value_or("");
    if (request.reason.size() > kMaxTextLength) {
        reader.Fail("reason", "is longer than 65536 bytes");
    }
    if (request.force && request.reason.find_first_not_of(" \t\r\n") == std::string::npos) {
        reader.Fail("reason", "is required when force is true");
    }
    request.manifest_id = manifest_id.value_or("");
    request.instance_id = instance_id.value_or("");
    return Validated(std::move(request), reader.Finish());
}

ApiExpected<Page> ParsePage(const http::Request& request) {
    Page page;
    if (auto limit = request.Query("limit")) {
        auto value = ParseUnsigned(*limit);
        if (!value || *value < 1 || *value > kMaxPageLimit) {
            return Invalid("limit", "must be an integer from 1 to 1000");
        }
        page.limit = static_cast<std::size_t>(*value);
    }
    if (auto cursor = request.Query("cursor"); cursor && !cursor->empty()) {
        page.cursor = std::move(*cursor);
    }
    return page;
}

ApiExpected<TimePoint> ParseTimestamp(std::string_view field, std::string_view text) {
    auto parsed = ParseRfc3339(text);
    if (!parsed) {
        return Invalid(std::string(field),
                       "must be an RFC 3339 timestamp, e.g. 2026-01-31T12:00:00Z");
    }
    return *parsed;
}

}  // namespace waka::coordinator::api
