#include "coordinator/gateway/artifact_range.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace waka::coordinator::gateway {
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

RangeFile::RangeFile(boost::beast::file file, std::uint64_t offset, std::uint64_t length,
                     boost::beast::error_code& ec)
    : file_(std::move(file)), offset_(offset), length_(length) {
    file_.seek(offset_, ec);
}

void RangeFile::open(char const*, boost::beast::file_mode, boost::beast::error_code& ec) {
    ec = make_error_code(boost::system::errc::operation_not_supported);
}

std::uint64_t RangeFile::size(boost::beast::error_code& ec) const {
    ec = {};
    return length_;
}

std::uint64_t RangeFile::pos(boost::beast::error_code& ec) const {
    ec = {};
    return done_;
}

void RangeFile::seek(std::uint64_t offset, boost::beast::error_code& ec) {
    if (offset > length_) {
        ec = make_error_code(boost::system::errc::invalid_argument);
        return;
    }
    file_.seek(offset_ + offset, ec);
    if (!ec) {
        done_ = offset;
    }
}

std::size_t RangeFile::read(void* buffer, std::size_t n, boost::beast::error_code& ec) {
    const std::uint64_t remaining = length_ - done_;
    const auto amount = static_cast<std::size_t>(std::min<std::uint64_t>(n, remaining));
    if (amount == 0) {
        ec = {};
        return 0;
    }
    const std::size_t got = file_.read(buffer, amount, ec);
    done_ += got;
    return got;
}

std::size_t RangeFile::write(void const*, std::size_t, boost::beast::error_code& ec) {
    ec = make_error_code(boost::system::errc::operation_not_supported);
    return 0;
}

}  // namespace waka::coordinator::gateway
