#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "shared/core/crypto.hpp"
#include "shared/core/error.hpp"

namespace waka::coordinator::http {

// A request body streamed to a fresh file (mode 0600) while its SHA-256 is computed. Destroying the
// object closes the file but leaves it on disk: the server removes it after the handler. Writes
// are blocking; the server feeds it 64 KiB chunks from the connection's strand.
class SpoolFile {
public:
    // Creates "<dir>/upload-<uuid>.part"; fails with kIo.
    [[nodiscard]] static Expected<SpoolFile> Create(const std::filesystem::path& dir);
    // Removes every "upload-*.part" file in dir (uploads a crash cut short) and answers how many;
    // other files are left alone, a missing dir is empty. Call before the server starts. kIo.
    [[nodiscard]] static Expected<std::size_t> RemoveStale(const std::filesystem::path& dir);

    SpoolFile(SpoolFile&& other) noexcept;
    SpoolFile& operator=(SpoolFile&& other) noexcept;
    SpoolFile(const SpoolFile&) = delete;
    SpoolFile& operator=(const SpoolFile&) = delete;
    ~SpoolFile();

    // Appends bytes and hashes them; fails with kIo (disk full, ...).
    [[nodiscard]] Expected<void> Append(const char* data, std::size_t size);
    // Closes the file and answers the lower-case hex SHA-256 of everything appended. Call once.
    [[nodiscard]] Expected<std::string> Finish();

    [[nodiscard]] const std::filesystem::path& Path() const { return path_; }
    [[nodiscard]] std::uint64_t Size() const { return size_; }

private:
    SpoolFile(std::filesystem::path path, int fd);
    void Close() noexcept;

    std::filesystem::path path_;
    int fd_ = -1;
    std::unique_ptr<Sha256> sha_;
    std::uint64_t size_ = 0;
};

}  // namespace waka::coordinator::http
