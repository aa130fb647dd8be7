#include "shared/release/statement.hpp"

#include <boost/json.hpp>
#include <initializer_list>
#include <tuple>

#include "shared/core/crypto.hpp"

namespace waka::release {
namespace {
namespace json = boost::json;

constexpr std::string_view kMessagePrefix = "waka-release-statement/1\n";
constexpr std::size_t kMaxFieldBytes = 256;

Error Invalid(std::string message) {
    return MakeError(Errc::kInvalidArgument, "release statement: " + std::move(message));
}

Expected<void> CheckFields(const ReleaseStatement& s) {
    if (s.component_type != "platform" && s.component_type != "suite" &&
        s.component_type != "capability") {
        return Invalid("component_type must be platform, suite or capability");
    }
    for (const auto* field : {&s.component_name, &s.version}) {
        if (field->empty() || field->size() > kMaxFieldBytes) {
            return Invalid("component_name and version must be 1 to 256 bytes");
        }
    }
    if (!IsSha256Hex(s.sha256)) {
        return Invalid("sha256 must be 64 lower-case hex digits");
    }
    if (!IsUtcSecond(s.signed_at)) {
        return Invalid("signed_at must be UTC as YYYY-MM-DDTHH:MM:SSZ");
    }
    if (!IsKeyId(s.key_id)) {
        return Invalid("key_id must be ed25519: and 16 hex digits");
    }
    return {};
}

Expected<std::string> StringField(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) {
        return Invalid(std::string(key) + " must be a string");
    }
    return std::string(value->as_string());
}

Expected<ReleaseStatement> FromObject(const json::object& object) {
    if (object.size() != 7) {
        return Invalid(
            "must have exactly the fields component_name, component_type, key_id, "
            "sha256, signed_at, size, version");
    }
    ReleaseStatement s;
    std::initializer_list<std::pair<std::string_view, std::string*>> strings = {
        {"component_type", &s.component_type},
        {"component_name", &s.component_name},
        {"version", &s.version},
        {"sha256", &s.sha256},
        {"signed_at", &s.signed_at},
        {"key_id", &s.key_id}};
    for (const auto& [key, out] : strings) {
        auto value = StringField(object, key);
        if (!value) {
            return value.error();
        }
        *out = std::move(*value);
    }
    const auto* size = object.if_contains("size");
    if (size == nullptr || !(size->is_uint64() || (size->is_int64() && size->as_int64() >= 0))) {
        return Invalid("size must be a non-negative integer");
    }
    s.size = size->is_uint64() ? size->as_uint64() : static_cast<std::uint64_t>(size->as_int64());
    return s;
}

}  // namespace

std::string CanonicalJson(const ReleaseStatement& s) {
    // Inserted in byte order of the keys; boost::json keeps insertion order and writes no spaces.
    json::object object;
    object["component_name"] = s.component_name;
    object["component_type"] = s.component_type;
    object["key_id"] = s.key_id;
    object["sha256"] = s.sha256;
    object["signed_at"] = s.signed_at;
    object["size"] = s.size;
    object["version"] = s.version;
    return json::serialize(object);
}

Expected<ReleaseStatement> ParseReleaseStatement(std::string_view text) {
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) {
        return Invalid("not a JSON object");
    }
    auto statement = FromObject(value.as_object());
    if (!statement) {
        return statement.error();
    }
    if (auto fields = CheckFields(*statement); !fields) {
        return fields.error();
    }
    if (CanonicalJson(*statement) != text) {
        return Invalid("not in canonical form (keys in byte order, no white space)");
    }
    return statement;
}

std::string SigningMessage(std::string_view canonical_json) {
    return std::string(kMessagePrefix) + std::string(canonical_json);
}

Expected<SignedStatement> SignRelease(const PrivateKey& key, ReleaseStatement statement) {
    statement.key_id = key.Public().Id();
    if (auto fields = CheckFields(statement); !fields) {
        return fields.error();
    }
    SignedStatement out{CanonicalJson(statement), {}};
    auto signature = key.Sign(SigningMessage(out.statement));
    if (!signature) {
        return signature.error();
    }
    out.signature = std::move(*signature);
    return out;
}

std::string EncodeSignedFile(const SignedStatement& signed_statement) {
    return EncodeSignedEnvelope(signed_statement, kSignedFileFormat);
}

Expected<SignedStatement> DecodeSignedFile(std::string_view text) {
    return DecodeSignedEnvelope(text, kSignedFileFormat, "release statement");
}

Expected<void> CheckDescribes(const ReleaseStatement& s, const ReleaseIdentity& r) {
    std::initializer_list<std::tuple<std::string_view, const std::string*, const std::string*>>
        fields = {{"component_type", &s.component_type, &r.component_type},
                  {"component_name", &s.component_name, &r.component_name},
                  {"version", &s.version, &r.version},
                  {"sha256", &s.sha256, &r.sha256}};
    for (const auto& [name, signed_value, actual] : fields) {
        if (*signed_value != *actual) {
            return MakeError(Errc::kInvalidArgument, "release statement is for " +
                                                         std::string(name) + " '" + *signed_value +
                                                         "', not '" + *actual + "'");
        }
    }
    if (s.size != r.size) {
        return MakeError(Errc::kInvalidArgument, "release statement is for size " +
                                                     std::to_string(s.size) + ", not " +
                                                     std::to_string(r.size));
    }
    return {};
}

}  // namespace waka::release
