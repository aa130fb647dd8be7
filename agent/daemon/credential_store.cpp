#include "agent/daemon/credential_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shared/core/crypto.hpp"

namespace waka::agent::daemon {
namespace {

constexpr const char* kFileName = "credential";

Error IoError(const std::string& what, int err) {
    return MakeError(Errc::kIo, what + ": " + std::strerror(err));
}

// Closes a descriptor on every path out of a function.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

Expected<void> WriteAll(int fd, const std::string& bytes, const std::string& path) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return IoError("write " + path, errno);
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Expected<void> SyncDir(const std::filesystem::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
        return IoError("fsync " + dir.string(), errno);
    }
    return {};
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
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) {
            return std::optional<std::string>();
        }
        return IoError("open " + path.string(), errno);
    }
    std::string content;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return IoError("read " + path.string(), errno);
        }
        if (n == 0) {
            break;
        }
        content.append(buffer, static_cast<std::size_t>(n));
        if (content.size() > 64 * 1024) {
            return MakeError(Errc::kIo, path.string() + " is too large for a credential");
        }
    }
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
        content.pop_back();
    }
    if (content.empty()) {
        return std::optional<std::string>();
    }
    return std::optional<std::string>(std::move(content));
}

Expected<void> StoreCredential(const std::filesystem::path& state_dir,
                               const std::string& credential) {
    if (credential.empty() || credential.find_first_of("\r\n") != std::string::npos) {
        return MakeError(Errc::kInvalidArgument, "credential is empty or spans lines");
    }
    const auto final_path = state_dir / kFileName;
    const auto temp_path = state_dir / (std::string(kFileName) + ".tmp-" + RandomHex(6));
    {
        Fd fd(
            ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (fd.get() < 0) {
            return IoError("create " + temp_path.string(), errno);
        }
        // The umask can only remove bits, but an explicit fchmod documents the contract.
        auto written = WriteAll(fd.get(), credential + "\n", temp_path.string());
        if (written && (::fchmod(fd.get(), 0600) != 0 || ::fsync(fd.get()) != 0)) {
            written = IoError("sync " + temp_path.string(), errno);
        }
        if (!written) {
            ::unlink(temp_path.c_str());
            return written.error();
        }
    }
    if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp_path.c_str());
        return IoError("rename to " + final_path.string(), err);
    }
    return SyncDir(state_dir);
}

}  // namespace waka::agent::daemon
