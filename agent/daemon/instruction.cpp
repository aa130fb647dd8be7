#include "agent/daemon/instruction.hpp"

#include <set>
#include <string>
#include <string_view>

#include "agent/install/validate.hpp"
#include "shared/core/crypto.hpp"
#include "shared/core/ids.hpp"
#include "shared/release/statement.hpp"

namespace waka::agent::daemon {
namespace {

constexpr std::string_view kArtifactPrefix = "/agent/v1/artifacts/";

Error Invalid(const std::string& where, const std::string& why) {
    return MakeError(Errc::kInvalidArgument, "invalid instruction: " + where + ": " + why);
}

bool IsOneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
    for (auto candidate : allowed) {
        if (value == candidate) {
            return true;
        }
    }
    return false;
}

// The path is sent on the wire with our credential: keep it to plain characters under the
// artifact prefix so it cannot smuggle a header, a different route or a traversal.
bool IsSafeDownloadPath(std::string_view path) {
    if (path.substr(0, kArtifactPrefix.size()) != kArtifactPrefix ||
        path.find("..") != std::string_view::npos || path.size() > 512) {
        return false;
    }
    for (char c : path) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' || c == '.' ||
                        c == '~';
        if (!ok) {
            return false;
        }
    }
    return true;
}

Expected<void> ValidateComponent(const model::ComponentChange& c, std::uint64_t max_bundle_bytes) {
    const std::string where = "component " + c.Key();
    if (!IsOneOf(c.type, {"platform", "suite", "capability"})) {
        return Invalid(where, "type must be platform, suite or capability");
    }
    if (!install::IsSafeSegment(c.name)) {
        return Invalid(where, "name is not a safe path segment");
    }
    if (!c.from_version.empty() && !install::IsSafeSegment(c.from_version)) {
        return Invalid(where, "from_version is not a safe path segment");
    }
    if (c.to_version.empty()) {
        return {};
    }
    if (!install::IsSafeSegment(c.to_version)) {
        return Invalid(where, "to_version is not a safe path segment");
    }
    if (!IsSha256Hex(c.artifact_sha256)) {
        return Invalid(where, "artifact_sha256 is not 64 lower-case hex digits");
    }
    if (c.size == 0 || c.size > max_bundle_bytes) {
        return Invalid(where, "artifact size " + std::to_string(c.size) + " is outside 1.." +
                                  std::to_string(max_bundle_bytes));
    }
    if (!c.download_path.empty() && !IsSafeDownloadPath(c.download_path)) {
        return Invalid(where, "download_path must be a plain path under /agent/v1/artifacts/");
    }
    // Bounds only: whether a trusted key signed it is the installer's check (ADR 0020).
    if (c.release_statement.size() > release::kMaxSignedFileBytes) {
        return Invalid(where, "release_statement exceeds " +
                                  std::to_string(release::kMaxSignedFileBytes) + " bytes");
    }
    if (c.release_signature.size() > release::kSignatureBytes) {
        return Invalid(where, "release_signature exceeds " +
                                  std::to_string(release::kSignatureBytes) + " bytes");
    }
    return {};
}

}  // namespace

Expected<void> ValidateInstruction(const model::Operation& op, std::uint64_t max_bundle_bytes) {
    if (!IsValidId(op.op_id)) {
        return Invalid("op_id", "not a valid id");
    }
    if (!IsOneOf(op.kind, {"deploy", "patch", "rollback"})) {
        return Invalid("kind", "'" + op.kind + "' is not deploy, patch or rollback");
    }
    std::set<std::string> seen;
    for (const auto& c : op.components) {
        if (auto valid = ValidateComponent(c, max_bundle_bytes); !valid) {
            return valid;
        }
        if (!seen.insert(c.Key()).second) {
            return Invalid("component " + c.Key(), "listed twice");
        }
    }
    // The installer's own rules (it re-checks before touching the disk); kept in step here so a
    // refusal is answered at once instead of after queueing.
    if (auto valid = install::ValidateOperation(op, max_bundle_bytes); !valid) {
        return MakeError(Errc::kInvalidArgument, "invalid instruction: " + valid.error().message);
    }
    return {};
}

}  // namespace waka::agent::daemon
