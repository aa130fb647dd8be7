#include "agent/install/validate.hpp"

#include <set>

#include "shared/core/crypto.hpp"
#include "shared/core/ids.hpp"

namespace waka::agent::install {
namespace {

bool IsAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Error Invalid(const model::ComponentChange& c, std::string_view why) {
    return MakeError(Errc::kInvalidArgument,
                     "invalid component '" + c.Key().substr(0, 200) + "': " + std::string(why));
}

Expected<void> ValidateChange(const model::ComponentChange& c, std::uint64_t max_bundle_bytes) {
    if (c.type != "platform" && c.type != "suite" && c.type != "capability") {
        return Invalid(c, "unknown component type");
    }
    if (!IsSafeSegment(c.name)) {
        return Invalid(c, "unsafe component name");
    }
    if (!c.from_version.empty() && !IsSafeSegment(c.from_version)) {
        return Invalid(c, "unsafe from_version");
    }
    if (c.to_version.empty()) {
        return {};
    }
    if (!IsSafeSegment(c.to_version)) {
        return Invalid(c, "unsafe to_version");
    }
    if (!IsSha256Hex(c.artifact_sha256)) {
        return Invalid(c, "artifact_sha256 is not 64 lower-case hex digits");
    }
    if (c.size > max_bundle_bytes) {
        return Invalid(c, "artifact of " + std::to_string(c.size) + " bytes exceeds the limit of " +
                              std::to_string(max_bundle_bytes));
    }
    return {};
}

}  // namespace

bool IsSafeSegment(std::string_view text) {
    if (text.empty() || text.size() > 128 || !IsAlnum(text.front()) || text == "current") {
        return false;
    }
    for (char c : text) {
        if (!IsAlnum(c) && c != '.' && c != '_' && c != '-' && c != '+') {
            return false;
        }
    }
    return true;
}

Expected<void> ValidateOperation(const model::Operation& op, std::uint64_t max_bundle_bytes) {
    if (!IsValidId(op.op_id)) {
        return MakeError(Errc::kInvalidArgument, "op id is not a safe identifier");
    }
    std::set<std::string> keys;
    for (const model::ComponentChange& c : op.components) {
        if (auto ok = ValidateChange(c, max_bundle_bytes); !ok) {
            return ok;
        }
        if (!keys.insert(c.Key()).second) {
            return Invalid(c, "listed twice");
        }
    }
    return {};
}

}  // namespace waka::agent::install
