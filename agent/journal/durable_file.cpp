#include "agent/journal/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shared/core/crypto.hpp"

namespace waka::agent::journal {
namespace {

Error ErrnoError(std::string_view what, const std::filesystem::path& path) {
    const int saved = errno;
    Errc code = saved == ENOENT ? Errc::kNotFound : Errc::kIo;
    return MakeError(code, std::string(what) + " " + path.string() + ": " + std::strerror(saved));
}

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
    // close() reports deferred write errors (NFS, quota), so the durable path checks it.
    [[nodiscard]] bool Close() {
        const int fd = fd_;
        fd_ = -1;
        return ::close(fd) == 0;
    }

private:
    int fd_;
};

Expected<void> WriteAll(int fd, std::string_view content, const std::filesystem::path& path) {
    while (!content.empty()) {
        const ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return ErrnoError("write", path);
        }
        content.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace

Expected<void> FsyncDirectory(const std::filesystem::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) {
        return ErrnoError("open directory", dir);
    }
    if (::fsync(fd.get()) != 0) {
        return ErrnoError("fsync directory", dir);
    }
    return {};
}

Expected<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                   unsigned mode) {
    const std::filesystem::path temp =
        path.parent_path() / ("." + path.filename().string() + ".tmp-" + RandomHex(6));
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode)));
    if (fd.get() < 0) {
        return ErrnoError("create", temp);
    }
    auto fail = [&](Error e) -> Expected<void> {
        ::unlink(temp.c_str());
        return e;
    };
    if (auto w = WriteAll(fd.get(), content, temp); !w) {
        return fail(w.error());
    }
    if (::fsync(fd.get()) != 0) {
        return fail(ErrnoError("fsync", temp));
    }
    if (!fd.Close()) {
        return fail(ErrnoError("close", temp));
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        return fail(ErrnoError("rename to", path));
    }
    return FsyncDirectory(path.parent_path());
}

Expected<std::string> ReadSmallFile(const std::filesystem::path& path, std::size_t max_bytes) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        return ErrnoError("open", path);
    }
    std::string content;
    char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return ErrnoError("read", path);
        }
        if (n == 0) {
            return content;
        }
        if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
            return MakeError(Errc::kTooLarge, path.string() + " is larger than " +
                                                  std::to_string(max_bytes) + " bytes");
        }
        content.append(buffer, static_cast<std::size_t>(n));
    }
}

}  // namespace waka::agent::journal
