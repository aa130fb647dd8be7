#include "shared/semver/identifiers.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace waka::semver::detail {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsIdentifierChar(char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

Error Fault(std::string message) { return MakeError(Errc::kInvalidArgument, std::move(message)); }

}  // namespace

std::vector<std::string_view> SplitDots(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = text.find('.', start);
        parts.push_back(text.substr(start, dot == std::string_view::npos ? dot : dot - start));
        if (dot == std::string_view::npos) {
            return parts;
        }
        start = dot + 1;
    }
}

Expected<std::uint64_t> ParseNumericIdentifier(std::string_view id) {
    if (id.empty()) {
        return Fault("empty numeric identifier");
    }
    if (!std::all_of(id.begin(), id.end(), IsDigit)) {
        return Fault("'" + std::string(id) + "' is not a number");
    }
    if (id.size() > 1 && id.front() == '0') {
        return Fault("'" + std::string(id) + "' has a leading zero");
    }
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
    if (ec != std::errc{} || ptr != id.data() + id.size()) {
        return Fault("'" + std::string(id) + "' does not fit in 64 bits");
    }
    return value;
}

Expected<void> CheckIdentifier(std::string_view id, bool prerelease) {
    const char* what = prerelease ? "pre-release" : "build";
    if (id.empty()) {
        return Fault(std::string("empty ") + what + " identifier");
    }
    if (!std::all_of(id.begin(), id.end(), IsIdentifierChar)) {
        return Fault(std::string(what) + " identifier '" + std::string(id) +
                     "' has a character outside [0-9A-Za-z-]");
    }
    const bool numeric = std::all_of(id.begin(), id.end(), IsDigit);
    if (prerelease && numeric && id.size() > 1 && id.front() == '0') {
        return Fault("pre-release identifier '" + std::string(id) + "' has a leading zero");
    }
    return {};
}

}  // namespace waka::semver::detail
