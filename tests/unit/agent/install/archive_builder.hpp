#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

// Builds tar.gz archives with libarchive's writer, including entries no honest bundle holds
// (absolute paths, "..", device files, links leaving the tree). Test-only.
namespace waka::agent::install::testing {

class ArchiveBuilder {
public:
    ArchiveBuilder& File(std::string path, std::string content, unsigned mode = 0644);
    ArchiveBuilder& Directory(std::string path, unsigned mode = 0755);
    ArchiveBuilder& Symlink(std::string path, std::string target);
    ArchiveBuilder& Hardlink(std::string path, std::string target);
    ArchiveBuilder& CharDevice(std::string path);
    ArchiveBuilder& Fifo(std::string path);
    // A bundle.json at the root naming the component.
    ArchiveBuilder& BundleJson(const std::string& type, const std::string& name,
                               const std::string& version);
    // An executable hooks/<name> shell script with `body` after the shebang line.
    ArchiveBuilder& Hook(const std::string& name, const std::string& body);

    // Writes the archive; aborts the test binary (ADD_FAILURE) on a libarchive error.
    void Write(const std::filesystem::path& out) const;

private:
    struct Entry {
        enum class Type { kFile, kDirectory, kSymlink, kHardlink, kCharDevice, kFifo } type;
        std::string path;
        std::string content;  // file content or link target
        unsigned mode = 0644;
    };
    std::vector<Entry> entries_;
};

}  // namespace waka::agent::install::testing
