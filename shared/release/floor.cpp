#include "shared/release/floor.hpp"

#include <boost/json.hpp>
#include <initializer_list>

#include "shared/semver/version.hpp"

namespace waka::release {
namespace {
namespace json = boost::json;

constexpr std::string_view kMessagePrefix = "waka-release-floor/1\n";
constexpr std::size_t kMaxFieldBytes = 256;
constexpr std::size_t kMaxReasonBytes = 512;

Error Invalid(std::string message) {
    return MakeError(Errc::kInvalidArgument, "floor statement: " + std::move(message));
}

Expected<void> CheckFields(const FloorStatement& f) {
    if (f.component_type != "platform" && f.component_type != "suite" &&
        f.component_type != "capability") {
        return Invalid("component_type must be platform, suite or capability");
    }
    if (f.component_name.empty() || f.component_name.size() > kMaxFieldBytes) {
        return Invalid("component_name must be 1 to 256 bytes");
    }
    if (f.min_version.size() > kMaxFieldBytes || !semver::ParseVersion(f.min_version)) {
        return Invalid("min_version must be a SemVer version, e.g. 2.1.0");
    }
    if (f.reason.empty() || f.reason.size() > kMaxReasonBytes) {
        return Invalid("reason must be 1 to 512 bytes");
    }
    if (!IsUtcSecond(f.signed_at)) {
        return Invalid("signed_at must be UTC as YYYY-MM-DDTHH:MM:SSZ");
    }
    if (!IsKeyId(f.key_id)) {
        return Invalid("key_id must be ed25519: and 16 hex digits");
    }
    return {};
}

Expected<FloorStatement> FromObject(const json::object& object) {
    constexpr std::size_t kFields = 6;
    if (object.size() != kFields) {
        return Invalid(
            "must have exactly the fields component_name, component_type, key_id, min_version, "
            "reason, signed_at");
    }
    FloorStatement f;
    std::initializer_list<std::pair<std::string_view, std::string*>> fields = {
        {"component_type", &f.component_type}, {"component_name", &f.component_name},
        {"min_version", &f.min_version},       {"reason", &f.reason},
        {"signed_at", &f.signed_at},           {"key_id", &f.key_id}};
    for (const auto& [key, out] : fields) {
        const auto* value = object.if_contains(key);
        if (value == nullptr || !value->is_string()) {
            return Invalid(std::string(key) + " must be a string");
        }
        *out = std::string(value->as_string());
    }
    return f;
}

}  // namespace

std::string CanonicalFloorJson(const FloorStatement& f) {
    json::object object;  // keys inserted in byte order; boost::json keeps it and writes no spaces
    object["component_name"] = f.component_name;
    object["component_type"] = f.component_type;
    object["key_id"] = f.key_id;
    object["min_version"] = f.min_version;
    object["reason"] = f.reason;
    object["signed_at"] = f.signed_at;
    return json::serialize(object);
}

Expected<FloorStatement> ParseFloorStatement(std::string_view text) {
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) {
        return Invalid("not a JSON object");
    }
    auto floor = FromObject(value.as_object());
    if (!floor) {
        return floor.error();
    }
    if (auto fields = CheckFields(*floor); !fields) {
        return fields.error();
    }
    if (CanonicalFloorJson(*floor) != text) {
        return Invalid("not in canonical form (keys in byte order, no white space)");
    }
    return floor;
}

std::string FloorSigningMessage(std::string_view canonical_json) {
    return std::string(kMessagePrefix) + std::string(canonical_json);
}

Expected<SignedStatement> SignFloor(const PrivateKey& key, FloorStatement floor) {
    floor.key_id = key.Public().Id();
    if (auto fields = CheckFields(floor); !fields) {
        return fields.error();
    }
    SignedStatement out{CanonicalFloorJson(floor), {}};
    auto signature = key.Sign(FloorSigningMessage(out.statement));
    if (!signature) {
        return signature.error();
    }
    out.signature = std::move(*signature);
    return out;
}

std::string EncodeFloorFile(const SignedStatement& signed_floor) {
    return EncodeSignedEnvelope(signed_floor, kFloorFileFormat);
}

Expected<SignedStatement> DecodeFloorFile(std::string_view text) {
    return DecodeSignedEnvelope(text, kFloorFileFormat, "floor statement");
}

bool IsBelowFloor(std::string_view version, const FloorStatement& floor) {
    return semver::Precedes(version, floor.min_version);
}

bool RaisesFloor(const FloorStatement& candidate, const FloorStatement& current) {
    return semver::Precedes(current.min_version, candidate.min_version);
}

}  // namespace waka::release
