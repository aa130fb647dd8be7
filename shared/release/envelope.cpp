#include "shared/release/envelope.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "shared/release/signing_key.hpp"

namespace waka::release {
namespace json = boost::json;

bool IsUtcSecond(std::string_view text) {
    // "YYYY-MM-DDTHH:MM:SSZ": digits where digits belong, the separators where they belong.
    constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
    if (text.size() != kShape.size()) {
        return false;
    }
    for (std::size_t i = 0; i < kShape.size(); ++i) {
        bool digit = text[i] >= '0' && text[i] <= '9';
        if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) {
            return false;
        }
    }
    return true;
}

bool IsKeyId(std::string_view text) {
    constexpr std::string_view kPrefix = "ed25519:";
    if (text.size() != kPrefix.size() + 16 || !text.starts_with(kPrefix)) {
        return false;
    }
    return std::all_of(text.begin() + kPrefix.size(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string EncodeSignedEnvelope(const SignedStatement& signed_statement, std::string_view format) {
    json::object object;
    object["format"] = format;
    object["signature"] = Base64Encode(signed_statement.signature);
    object["statement"] = signed_statement.statement;
    return json::serialize(object) + "\n";
}

Expected<SignedStatement> DecodeSignedEnvelope(std::string_view text, std::string_view format,
                                               std::string_view what) {
    auto invalid = [what](const std::string& message) {
        return MakeError(Errc::kInvalidArgument, std::string(what) + ": " + message);
    };
    if (text.size() > kMaxSignedFileBytes) {
        return invalid("signature file is larger than 4096 bytes");
    }
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) {
        return invalid("signature file is not a JSON object");
    }
    const auto& object = value.as_object();
    auto string_field = [&object](std::string_view key) -> const json::string* {
        const auto* field = object.if_contains(key);
        return field != nullptr && field->is_string() ? &field->as_string() : nullptr;
    };
    const auto* got_format = string_field("format");
    if (got_format == nullptr || *got_format != format) {
        return invalid("signature file format must be " + std::string(format));
    }
    const auto* statement = string_field("statement");
    const auto* signature = string_field("signature");
    if (statement == nullptr || signature == nullptr) {
        return invalid("signature file needs statement and signature strings");
    }
    auto raw = Base64Decode(*signature);
    if (!raw || raw->size() != kSignatureBytes) {
        return invalid("signature must be 64 bytes in base64");
    }
    return SignedStatement{std::string(*statement), std::move(*raw)};
}

}  // namespace waka::release
