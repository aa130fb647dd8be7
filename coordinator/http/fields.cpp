#include "coordinator/http/fields.hpp"

#include <algorithm>
#include <cctype>

namespace waka::coordinator::http {
namespace {

constexpr std::size_t kMaxRequestIdChars = 128;

}  // namespace

bool IsSaneRequestId(std::string_view id) {
    if (id.empty() || id.size() > kMaxRequestIdChars) {
        return false;
    }
    return std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
    });
}

std::string AsciiLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// A handler's copy of a framing header would contradict the body actually sent.
bool IsServerOwnedHeader(std::string_view name) {
    const std::string lower = AsciiLower(name);
    return lower == "content-length" || lower == "connection" || lower == "transfer-encoding" ||
           lower == "x-request-id";
}

}  // namespace waka::coordinator::http
