#include "tests/unit/agent/install/archive_builder.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace waka::agent::install::testing {

ArchiveBuilder& ArchiveBuilder::File(std::string path, std::string content, unsigned mode) {
    entries_.push_back({Entry::Type::kFile, std::move(path), std::move(content), mode});
    return *this;
}
ArchiveBuilder& ArchiveBuilder::Directory(std::string path, unsigned mode) {
    entries_.push_back({Entry::Type::kDirectory, std::move(path), "", mode});
    return *this;
}
ArchiveBuilder& ArchiveBuilder::Symlink(std::string path, std::string target) {
    entries_.push_back({Entry::Type::kSymlink, std::move(path), std::move(target), 0777});
    return *this;
}
ArchiveBuilder& ArchiveBuilder::Hardlink(std::string path, std::string target) {
    entries_.push_back({Entry::Type::kHardlink, std::move(path), std::move(target), 0644});
    return *this;
}
ArchiveBuilder& ArchiveBuilder::CharDevice(std::string path) {
    entries_.push_back({Entry::Type::kCharDevice, std::move(path), "", 0644});
    return *this;
}
ArchiveBuilder& ArchiveBuilder::Fifo(std::string path) {
    entries_.push_back({Entry::Type::kFifo, std::move(path), "", 0644});
    return *this;
}
ArchiveBuilder& ArchiveBuilder::BundleJson(const std::string& type, const std::string& name,
                                           const std::string& version) {
    return File("bundle.json", R"({"component_type":")" + type + R"(","component_name":")" + name +
                                   R"(","version":")" + version + R"("})");
}
ArchiveBuilder& ArchiveBuilder::Hook(const std::string& name, const std::string& body) {
    return File("hooks/" + name, "#!/bin/sh\n" + body + "\n", 0755);
}

namespace {

void FillEntry(archive_entry* e, const std::string& path, unsigned mode, unsigned type) {
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode);
    archive_entry_set_mtime(e, 1'700'000'000, 0);
}

}  // namespace

void ArchiveBuilder::Write(const std::filesystem::path& out) const {
    archive* a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    ASSERT_EQ(archive_write_open_filename(a, out.c_str()), ARCHIVE_OK) << archive_error_string(a);
    for (const Entry& entry : entries_) {
        archive_entry* e = archive_entry_new();
        switch (entry.type) {
            case Entry::Type::kFile:
                FillEntry(e, entry.path, entry.mode, AE_IFREG);
                archive_entry_set_size(e, static_cast<la_int64_t>(entry.content.size()));
                break;
            case Entry::Type::kDirectory:
                FillEntry(e, entry.path, entry.mode, AE_IFDIR);
                break;
            case Entry::Type::kSymlink:
                FillEntry(e, entry.path, entry.mode, AE_IFLNK);
                archive_entry_set_symlink(e, entry.content.c_str());
                break;
            case Entry::Type::kHardlink:
                FillEntry(e, entry.path, entry.mode, AE_IFREG);
                archive_entry_set_hardlink(e, entry.content.c_str());
                break;
            case Entry::Type::kCharDevice:
                FillEntry(e, entry.path, entry.mode, AE_IFCHR);
                archive_entry_set_rdev(e, makedev(1, 3));
                break;
            case Entry::Type::kFifo:
                FillEntry(e, entry.path, entry.mode, AE_IFIFO);
                break;
        }
        EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
        if (entry.type == Entry::Type::kFile && !entry.content.empty()) {
            EXPECT_EQ(archive_write_data(a, entry.content.data(), entry.content.size()),
                      static_cast<la_ssize_t>(entry.content.size()));
        }
        archive_entry_free(e);
    }
    EXPECT_EQ(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

}  // namespace waka::agent::install::testing
