#include "coordinator/http/spool_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "shared/core/ids.hpp"

namespace waka::coordinator::http {
namespace {

Error ErrnoError(std::string_view what, const std::filesystem::path& path) {
    return MakeError(Errc::kIo,
                     std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

Expected<SpoolFile> SpoolFile::Create(const std::filesystem::path& dir) {
    std::filesystem::path path = dir / (NewId("upload") + ".part");
    // O_EXCL: a fresh file, never one somebody placed there.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return ErrnoError("create spool file", path);
    }
    return SpoolFile(std::move(path), fd);
}

Expected<std::size_t> SpoolFile::RemoveStale(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec == std::errc::no_such_file_or_directory) {
        return std::size_t{0};
    }
    std::size_t removed = 0;
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code type_ec;
        if (!name.starts_with("upload-") || !name.ends_with(".part") ||
            !it->is_regular_file(type_ec)) {
            continue;
        }
        if (std::filesystem::remove(it->path(), ec)) {
            ++removed;
        } else if (ec) {
            break;
        }
    }
    if (ec) {
        return MakeError(Errc::kIo,
                         "remove stale spool files in " + dir.string() + ": " + ec.message());
    }
    return removed;
}

SpoolFile::SpoolFile(std::filesystem::path path, int fd)
    : path_(std::move(path)), fd_(fd), sha_(std::make_unique<Sha256>()) {}

SpoolFile::SpoolFile(SpoolFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      sha_(std::move(other.sha_)),
      size_(other.size_) {}

SpoolFile& SpoolFile::operator=(SpoolFile&& other) noexcept {
    if (this != &other) {
        Close();
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        sha_ = std::move(other.sha_);
        size_ = other.size_;
    }
    return *this;
}

SpoolFile::~SpoolFile() { Close(); }

void SpoolFile::Close() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

Expected<void> SpoolFile::Append(const char* data, std::size_t size) {
    if (fd_ < 0) {
        return MakeError(Errc::kInternal, "spool file " + path_.string() + " is closed");
    }
    sha_->Update(data, size);
    size_ += size;
    while (size > 0) {
        const ssize_t n = ::write(fd_, data, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return ErrnoError("write spool file", path_);
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

Expected<std::string> SpoolFile::Finish() {
    if (fd_ < 0) {
        return MakeError(Errc::kInternal, "spool file " + path_.string() + " is closed");
    }
    // close() can report a delayed write error (NFS, quota): the body would be incomplete.
    const int rc = ::close(std::exchange(fd_, -1));
    if (rc != 0 && errno != EINTR) {
        return ErrnoError("close spool file", path_);
    }
    return sha_->FinishHex();
}

}  // namespace waka::coordinator::http
