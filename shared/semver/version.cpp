#include "shared/semver/version.hpp"

#include <algorithm>
#include <charconv>

#include "shared/semver/identifiers.hpp"

namespace waka::semver {
namespace {

Error Invalid(std::string_view text, std::string_view fault) {
    return MakeError(
        Errc::kInvalidArgument,
        "'" + std::string(text) + "' is not a valid semantic version: " + std::string(fault));
}

bool IsNumeric(std::string_view id) {
    return !id.empty() &&
           std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Numeric identifiers have no leading zeros, so a longer one is larger; equal lengths compare as
// text.
std::weak_ordering CompareNumeric(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return a.size() <=> b.size();
    }
    return a.compare(b) <=> 0;
}

std::weak_ordering CompareIdentifier(std::string_view a, std::string_view b) {
    const bool a_num = IsNumeric(a);
    const bool b_num = IsNumeric(b);
    if (a_num && b_num) {
        return CompareNumeric(a, b);
    }
    if (a_num != b_num) {
        return a_num ? std::weak_ordering::less : std::weak_ordering::greater;
    }
    return a.compare(b) <=> 0;
}

std::weak_ordering ComparePrerelease(const std::vector<std::string>& a,
                                     const std::vector<std::string>& b) {
    if (a.empty() != b.empty()) {
        return a.empty() ? std::weak_ordering::greater : std::weak_ordering::less;
    }
    const std::size_t common = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < common; ++i) {
        if (auto c = CompareIdentifier(a[i], b[i]); c != 0) {
            return c;
        }
    }
    return a.size() <=> b.size();
}

std::string Join(const std::vector<std::string>& ids) {
    std::string out;
    for (const std::string& id : ids) {
        if (!out.empty()) {
            out += '.';
        }
        out += id;
    }
    return out;
}

Expected<void> ParseCore(std::string_view text, std::string_view core, Version& v) {
    std::uint64_t* fields[] = {&v.major, &v.minor, &v.patch};
    const std::vector<std::string_view> parts = detail::SplitDots(core);
    if (parts.size() != 3) {
        return Invalid(text, "expected MAJOR.MINOR.PATCH");
    }
    for (std::size_t i = 0; i < 3; ++i) {
        auto number = detail::ParseNumericIdentifier(parts[i]);
        if (!number) {
            return Invalid(text, number.error().message);
        }
        *fields[i] = *number;
    }
    return {};
}

Expected<std::vector<std::string>> ParseIdentifiers(std::string_view text, std::string_view list,
                                                    bool prerelease) {
    std::vector<std::string> ids;
    for (std::string_view id : detail::SplitDots(list)) {
        auto checked = detail::CheckIdentifier(id, prerelease);
        if (!checked) {
            return Invalid(text, checked.error().message);
        }
        ids.emplace_back(id);
    }
    return ids;
}

}  // namespace

std::string Version::ToString() const {
    std::string out =
        std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    if (!prerelease.empty()) {
        out += "-" + Join(prerelease);
    }
    if (!build.empty()) {
        out += "+" + build;
    }
    return out;
}

std::weak_ordering operator<=>(const Version& a, const Version& b) {
    if (a.major != b.major) {
        return a.major <=> b.major;
    }
    if (a.minor != b.minor) {
        return a.minor <=> b.minor;
    }
    if (a.patch != b.patch) {
        return a.patch <=> b.patch;
    }
    return ComparePrerelease(a.prerelease, b.prerelease);
}

bool Precedes(std::string_view a, std::string_view b) {
    auto first = ParseVersion(a);
    auto second = ParseVersion(b);
    return first && second && *first < *second;
}

int Compare(const Version& a, const Version& b) {
    const auto c = a <=> b;
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

Expected<Version> ParseVersion(std::string_view text) {
    Version v;
    std::string_view rest = text;
    if (const auto plus = rest.find('+'); plus != std::string_view::npos) {
        auto build = ParseIdentifiers(text, rest.substr(plus + 1), false);
        if (!build) {
            return build.error();
        }
        v.build = std::string(rest.substr(plus + 1));
        rest = rest.substr(0, plus);
    }
    if (const auto dash = rest.find('-'); dash != std::string_view::npos) {
        auto pre = ParseIdentifiers(text, rest.substr(dash + 1), true);
        if (!pre) {
            return pre.error();
        }
        v.prerelease = std::move(*pre);
        rest = rest.substr(0, dash);
    }
    if (auto core = ParseCore(text, rest, v); !core) {
        return core.error();
    }
    return v;
}

}  // namespace waka::semver
