#include "coordinator/http/byte_range.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace waka::coordinator::http {
namespace {

std::optional<std::uint64_t> ParseNumber(std::string_view text) {
    std::uint64_t value = 0;
    if (text.empty()) {
        return std::nullopt;
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

ByteRange Suffix(std::string_view count_text, std::uint64_t size) {
    auto count = ParseNumber(count_text);
    if (!count) {
        return {};
    }
    if (*count == 0 || size == 0) {
        return {RangeKind::kUnsatisfiable};
    }
    return {RangeKind::kSatisfiable, size - std::min(*count, size), size - 1};
}

}  // namespace

ByteRange ParseByteRange(std::string_view header, std::uint64_t size) {
    constexpr std::string_view kUnit = "bytes=";
    header = Trim(header);
    // RFC 9110 §14.2: a server MUST ignore a unit it does not know and MAY ignore several ranges
    // (we send no multipart bodies) or an invalid range; ignoring answers the whole file.
    if (!header.starts_with(kUnit) || header.find(',') != std::string_view::npos) {
        return {};
    }
    std::string_view spec = Trim(header.substr(kUnit.size()));
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) {
        return {};
    }
    if (dash == 0) {
        return Suffix(spec.substr(1), size);
    }
    auto first = ParseNumber(spec.substr(0, dash));
    if (!first) {
        return {};
    }
    std::uint64_t last = size == 0 ? 0 : size - 1;
    if (dash + 1 < spec.size()) {
        auto explicit_last = ParseNumber(spec.substr(dash + 1));
        if (!explicit_last || *explicit_last < *first) {
            return {};
        }
        last = std::min(last, *explicit_last);
    }
    if (*first >= size) {
        return {RangeKind::kUnsatisfiable};
    }
    return {RangeKind::kSatisfiable, *first, last};
}

std::string ContentRange(const ByteRange& range, std::uint64_t size) {
    return "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
           std::to_string(size);
}

std::string UnsatisfiedContentRange(std::uint64_t size) {
    return "bytes */" + std::to_string(size);
}

}  // namespace waka::coordinator::http
