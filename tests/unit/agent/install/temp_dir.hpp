#pragma once

#include <stdlib.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace waka::agent::install::testing {

// A fresh directory, removed with its content at scope exit.
class TempDir {
public:
    // Under $TMPDIR (or /tmp).
    TempDir() : TempDir(std::filesystem::temp_directory_path()) {}
    explicit TempDir(const std::filesystem::path& base) {
        std::string pattern = (base / "waka-test-XXXXXX").string();
        char* made = ::mkdtemp(pattern.data());
        path_ = made != nullptr ? std::filesystem::path(made) : std::filesystem::path();
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

    // /dev/shm when it is a writable file system that allows executables, else $TMPDIR: for tests
    // running hundreds of operations, whose fsyncs would otherwise dominate the run time. File
    // semantics (rename, symlinks, hard links, permissions) are the same.
    static std::filesystem::path FastBase() {
        struct statvfs info {};
        if (::statvfs("/dev/shm", &info) == 0 && (info.f_flag & ST_NOEXEC) == 0 &&
            (info.f_flag & ST_RDONLY) == 0) {
            return std::filesystem::path("/dev/shm");
        }
        return std::filesystem::temp_directory_path();
    }

private:
    std::filesystem::path path_;
};

}  // namespace waka::agent::install::testing
