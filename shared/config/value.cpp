#include "shared/config/value.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

namespace waka::config::detail {
namespace {

template <class T>
inline constexpr bool kIsInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

Error BadValue(std::string_view text, std::string_view expected) {
    return MakeError(Errc::kInvalidArgument,
                     "'" + std::string(text) + "' is not " + std::string(expected));
}

Expected<bool> ParseBool(std::string_view text) {
    static constexpr std::array<std::string_view, 4> kTrue = {"true", "1", "yes", "on"};
    static constexpr std::array<std::string_view, 4> kFalse = {"false", "0", "no", "off"};
    const std::string lower = Lower(text);
    for (std::size_t i = 0; i < kTrue.size(); ++i) {
        if (lower == kTrue[i]) {
            return true;
        }
        if (lower == kFalse[i]) {
            return false;
        }
    }
    return BadValue(text, "a boolean (true or false)");
}

template <class T>
std::string RangeText() {
    return std::to_string(std::numeric_limits<T>::min()) + ".." +
           std::to_string(std::numeric_limits<T>::max());
}

// Parses through the widest type of the same signedness, then narrows, so that "70000" for a
// uint16 reports "out of range" rather than "not a number".
template <class T>
Expected<T> ParseInteger(std::string_view text) {
    using Wide = std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>;
    Wide wide{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, wide);
    if (ec == std::errc::result_out_of_range ||
        (ec == std::errc{} && ptr == end && !std::in_range<T>(wide))) {
        return MakeError(Errc::kInvalidArgument,
                         "'" + std::string(text) + "' is out of range " + RangeText<T>());
    }
    if (ec != std::errc{} || ptr != end || text.empty()) {
        const bool negative_unsigned = std::is_unsigned_v<T> && !text.empty() && text[0] == '-';
        if (negative_unsigned) {
            return MakeError(Errc::kInvalidArgument,
                             "'" + std::string(text) + "' is out of range " + RangeText<T>());
        }
        return BadValue(text, "an integer");
    }
    return static_cast<T>(wide);
}

Expected<double> ParseDouble(std::string_view text) {
    double value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty() || !std::isfinite(value)) {
        return BadValue(text, "a finite number");
    }
    return value;
}

template <class T>
Expected<void> AssignTyped(T* target, std::string_view text) {
    if constexpr (std::is_same_v<T, std::string>) {
        *target = std::string(text);
    } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
        *target = std::filesystem::path(text);
    } else if constexpr (std::is_same_v<T, bool>) {
        auto parsed = ParseBool(text);
        if (!parsed) {
            return parsed.error();
        }
        *target = *parsed;
    } else if constexpr (std::is_same_v<T, double>) {
        auto parsed = ParseDouble(text);
        if (!parsed) {
            return parsed.error();
        }
        *target = *parsed;
    } else {
        static_assert(kIsInteger<T>);
        auto parsed = ParseInteger<T>(text);
        if (!parsed) {
            return parsed.error();
        }
        *target = *parsed;
    }
    return {};
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string FormatDouble(double value) {
    std::array<char, 64> buffer{};
    auto [ptr, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    if (ec != std::errc{}) {
        return "?";
    }
    return std::string(buffer.data(), ptr);
}

}  // namespace

Expected<void> AssignText(const Target& target, std::string_view text) {
    return std::visit([text](auto* p) { return AssignTyped(p, text); }, target);
}

std::string FormatValue(const Target& target) {
    return std::visit(
        [](auto* p) -> std::string {
            using T = std::remove_pointer_t<decltype(p)>;
            if constexpr (std::is_same_v<T, std::string>) {
                return Quote(*p);
            } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
                return Quote(p->string());
            } else if constexpr (std::is_same_v<T, bool>) {
                return *p ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                return FormatDouble(*p);
            } else {
                return std::to_string(*p);
            }
        },
        target);
}

std::string_view TypeName(const Target& target) {
    static constexpr std::array<std::string_view, std::variant_size_v<Target>> kNames = {
        "string", "bool", "int32", "int64", "uint16", "uint32", "uint64", "float", "path"};
    return kNames[target.index()];
}

bool IsBool(const Target& target) { return std::holds_alternative<bool*>(target); }

std::vector<Value> Snapshot(const std::vector<Entry>& entries) {
    std::vector<Value> values;
    values.reserve(entries.size());
    for (const Entry& entry : entries) {
        values.push_back(std::visit(
            [](auto* p) {
                using T = std::remove_pointer_t<decltype(p)>;
                return Value(std::in_place_type<T>, *p);
            },
            entry.target));
    }
    return values;
}

void Restore(const std::vector<Entry>& entries, const std::vector<Value>& values) {
    for (std::size_t i = 0; i < entries.size() && i < values.size(); ++i) {
        std::visit(
            [&](auto* p) {
                using T = std::remove_pointer_t<decltype(p)>;
                *p = std::get<T>(values[i]);
            },
            entries[i].target);
    }
}

}  // namespace waka::config::detail
