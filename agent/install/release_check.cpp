#include "agent/install/release_check.hpp"

#include "agent/journal/durable_file.hpp"

namespace waka::agent::install {
namespace {

std::string Describe(const model::ComponentChange& c) { return c.Key() + " " + c.to_version; }

Error Refused(const model::ComponentChange& c, const std::string& why) {
    return MakeError(Errc::kInvalidArgument, "release " + Describe(c) + " refused: " + why);
}

}  // namespace

Expected<void> VerifyReleaseOf(const model::ComponentChange& change,
                               const release::TrustedKeys& keys, bool require_signed) {
    if (change.release_statement.empty() && change.release_signature.empty()) {
        if (!require_signed) {
            return {};
        }
        return Refused(change, "no signed release statement (unsigned releases are not installed)");
    }
    if (keys.Empty()) {
        return Refused(change, "this host trusts no release key (none installed)");
    }
    auto statement = keys.Verify({change.release_statement, change.release_signature});
    if (!statement) {
        return Refused(change, statement.error().message);
    }
    auto described = release::CheckDescribes(
        *statement,
        {change.type, change.name, change.to_version, change.artifact_sha256, change.size});
    if (!described) {
        return Refused(change, described.error().message);
    }
    return {};
}

Expected<void> CheckReusedVersion(const std::filesystem::path& artifact_note,
                                  const model::ComponentChange& change) {
    auto noted = journal::ReadSmallFile(artifact_note, 128);
    if (!noted) {
        return Refused(change, "the existing version directory has no artifact note (" +
                                   noted.error().message + ")");
    }
    if (*noted != change.artifact_sha256) {
        return Refused(change, "the existing version directory was unpacked from artifact " +
                                   noted->substr(0, 64) + ", not the signed " +
                                   change.artifact_sha256);
    }
    return {};
}

}  // namespace waka::agent::install
