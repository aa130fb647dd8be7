#include "coordinator/domain/compile_target.hpp"

#include <boost/json.hpp>

#include "coordinator/domain/resolution_rules.hpp"

namespace waka::coordinator::domain {

Expected<Manifest> CompiledManifest(const CompileTarget& target,
                                    const resolver::Resolution& resolution, std::string id,
                                    std::optional<std::string> instance_id) {
    Manifest manifest;
    manifest.id = std::move(id);
    manifest.instance_id = std::move(instance_id);
    manifest.platform_name = target.platform_name;
    manifest.configuration_json = target.configuration_json;
    const std::string platform = ComponentKey("platform", target.platform_name);
    for (const auto& [key, version] : resolution.versions) {
        const auto colon = key.find(':');
        const std::string type = key.substr(0, colon);
        const std::string name = key.substr(colon + 1);
        if (key == platform) {
            manifest.platform_version = version;
        } else if (type == "platform") {
            return MakeError(Errc::kConflict,
                             "the resolution reaches a second platform component, " + key +
                                 "; a manifest holds one platform");
        } else {
            (type == "suite" ? manifest.suites : manifest.capabilities)[name] = version;
        }
    }
    return manifest;
}

std::string CompileTargetToJson(const CompileTarget& target) {
    boost::json::object constraints;
    for (const auto& [key, text] : target.constraints) {
        constraints[key] = text;
    }
    return boost::json::serialize(
        boost::json::object{{"platform_name", target.platform_name},
                            {"constraints", std::move(constraints)},
                            {"configuration", boost::json::parse(target.configuration_json)}});
}

Expected<CompileTarget> CompileTargetFromJson(std::string_view json) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(json, ec);
    const auto* object = ec ? nullptr : value.if_object();
    const auto* name = object ? object->if_contains("platform_name") : nullptr;
    const auto* constraints = object ? object->if_contains("constraints") : nullptr;
    const auto* configuration = object ? object->if_contains("configuration") : nullptr;
    if (name == nullptr || !name->is_string() || constraints == nullptr ||
        !constraints->is_object() || configuration == nullptr || !configuration->is_object()) {
        return MakeError(Errc::kInvalidArgument,
                         "constraints: not {platform_name, constraints, configuration}");
    }
    CompileTarget target;
    target.platform_name = std::string(name->get_string());
    target.configuration_json = boost::json::serialize(*configuration);
    for (const auto& [key, text] : constraints->get_object()) {
        if (!text.is_string()) {
            return MakeError(Errc::kInvalidArgument,
                             "constraints: " + std::string(key) + " is not a string");
        }
        target.constraints[std::string(key)] = std::string(text.get_string());
    }
    return target;
}

}  // namespace waka::coordinator::domain
