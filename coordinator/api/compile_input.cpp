#include "coordinator/api/compile_input.hpp"

#include <boost/json.hpp>

#include "coordinator/api/semver_rules.hpp"
#include "coordinator/domain/resolution_rules.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::api {
namespace {

void CheckConstraint(ObjectReader& reader, const std::string& field, const std::string& text) {
    if (text == "latest") {
        return;
    }
    if (auto problem = CheckSemVerRange(text)) {
        reader.Fail(field, "'" + text +
                               "' is neither latest, a version nor a range (e.g. ^1.5, "
                               ">=2.0.0 <3.0.0): " +
                               *problem);
    }
}

void AddConstraints(ObjectReader& reader, std::string_view field, std::string_view type,
                    domain::CompileTarget& target) {
    auto map = reader.StringMap(field);
    if (!map) {
        return;
    }
    for (const auto& [name, text] : *map) {
        const std::string entry = std::string(field) + "." + name;
        if (!IsValidId(name)) {
            reader.Fail(entry, "is not a valid component name");
            continue;
        }
        CheckConstraint(reader, entry, text);
        target.constraints[domain::ComponentKey(type, name)] = text;
    }
}

}  // namespace

void ReadCompileTarget(ObjectReader& reader, domain::CompileTarget& target) {
    auto platform_name = reader.String("platform_name");
    auto platform_version = reader.String("platform_version").value_or("latest");
    if (platform_name && !IsValidId(*platform_name)) {
        reader.Fail("platform_name", "is not a valid component name");
    }
    target.platform_name = platform_name.value_or("webwaka-platform");
    CheckConstraint(reader, "platform_version", platform_version);
    target.constraints[domain::ComponentKey("platform", target.platform_name)] = platform_version;
    AddConstraints(reader, "suites", "suite", target);
    AddConstraints(reader, "capabilities", "capability", target);
    if (const auto* configuration = reader.Object("configuration")) {
        target.configuration_json = boost::json::serialize(*configuration);
    }
}

std::string ConstraintField(const std::string& prefix, const domain::CompileTarget& target,
                            const std::string& key) {
    std::string field;
    if (key.starts_with("platform:")) {
        field = key == domain::ComponentKey("platform", target.platform_name) ? "platform_version"
                                                                              : "platform_name";
    } else {
        const auto colon = key.find(':');
        field =
            (key.substr(0, colon) == "suite" ? "suites." : "capabilities.") + key.substr(colon + 1);
    }
    return prefix.empty() ? field : prefix + "." + field;
}

std::optional<ApiError> CheckKnownComponents(const std::string& prefix,
                                             const resolver::Index& index,
                                             const domain::CompileTarget& target) {
    for (const auto& [key, text] : target.constraints) {
        if (!index.Find(key)) {
            return Invalid(ConstraintField(prefix, target, key), key + " is not in the catalog");
        }
    }
    return std::nullopt;
}

}  // namespace waka::coordinator::api
