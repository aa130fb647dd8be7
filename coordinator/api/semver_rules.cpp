#include "coordinator/api/semver_rules.hpp"

#include "shared/semver/range.hpp"
#include "shared/semver/version.hpp"

namespace waka::coordinator::api {

bool IsStrictSemVer(std::string_view text) { return semver::ParseVersion(text).has_value(); }

int CompareSemVer(std::string_view a, std::string_view b) {
    auto left = semver::ParseVersion(a);
    auto right = semver::ParseVersion(b);
    if (!left || !right) {
        if (left.has_value() == right.has_value()) {
            return a.compare(b);
        }
        return left ? 1 : -1;
    }
    return semver::Compare(*left, *right);
}

std::optional<std::string> CheckSemVerRange(std::string_view text) {
    auto range = semver::ParseRange(text);
    if (!range) {
        return range.error().message;
    }
    return std::nullopt;
}

}  // namespace waka::coordinator::api
