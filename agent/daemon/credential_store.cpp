#include "agent/daemon/credential_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/journal/durable_file.hpp"

namespace waka::agent::daemon {
namespace {

constexpr const char* kFileName = "credential";

Error IoError(const std::string& what, int err) {
    return MakeError(Errc::kIo, what + ": " + std::strerror(err));
}

}  // namespace

Expected<void> EnsureStateDir(const std::filesystem::path& state_dir) {
    std::error_code ec;
    if (std::filesystem::is_directory(state_dir, ec)) {
        return {};
    }
    const auto parent = state_dir.parent_path();
    if (!parent.empty()) {
        std::filesystem::create_directories(parent, ec);
        if (ec) {
            return MakeError(Errc::kIo, "create " + parent.string() + ": " + ec.message());
        }
    }
    // mkdir with the mode (not create_directories then chmod) so no moment exists where the
    // directory is readable by others.
    if (::mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return IoError("create state_dir " + state_dir.string(), errno);
    }
    return {};
}

Expected<std::optional<std::string>> LoadCredential(const std::filesystem::path& state_dir) {
    const auto path = state_dir / kFileName;
    auto content = journal::ReadSmallFile(path, 64 * 1024);
    if (!content) {
        if (content.error().Is(Errc::kNotFound)) {
            return std::optional<std::string>();
        }
        return content.error().WithContext("read credential");
    }
    while (!content->empty() && (content->back() == '\n' || content->back() == '\r')) {
        content->pop_back();
    }
    if (content->empty()) {
        return std::optional<std::string>();
    }
    return std::optional<std::string>(std::move(*content));
}

Expected<void> StoreCredential(const std::filesystem::path& state_dir,
                               const std::string& credential) {
    if (credential.empty() || credential.find_first_of("\r\n") != std::string::npos) {
        return MakeError(Errc::kInvalidArgument, "credential is empty or spans lines");
    }
    // Created 0600 from the start (never readable by others, whatever the umask), atomically.
    auto written = journal::WriteFileAtomically(state_dir / kFileName, credential + "\n", 0600);
    if (!written) {
        // Any failure to persist is an I/O error for the caller, whatever errno said.
        return MakeError(Errc::kIo, "store credential: " + written.error().message);
    }
    return {};
}

}  // namespace waka::agent::daemon
