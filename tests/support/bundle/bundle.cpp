#include "tests/support/bundle/bundle.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <stdexcept>

namespace waka::test {
namespace {

void AddEntry(archive* writer, const std::string& path, const BundleFile& file) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, static_cast<mode_t>(file.mode));
    archive_entry_set_size(entry, static_cast<la_int64_t>(file.content.size()));
    if (archive_write_header(writer, entry) != ARCHIVE_OK) {
        archive_entry_free(entry);
        throw std::runtime_error(std::string("archive header: ") + archive_error_string(writer));
    }
    archive_write_data(writer, file.content.data(), file.content.size());
    archive_entry_free(entry);
}

}  // namespace

std::filesystem::path MakeBundle(const std::filesystem::path& out_dir, const std::string& type,
                                 const std::string& name, const std::string& version,
                                 const std::map<std::string, BundleFile>& files) {
    std::filesystem::create_directories(out_dir);
    const auto path = out_dir / (type + "-" + name + "-" + version + ".tar.gz");
    archive* writer = archive_write_new();
    archive_write_add_filter_gzip(writer);
    archive_write_set_format_pax_restricted(writer);
    if (archive_write_open_filename(writer, path.c_str()) != ARCHIVE_OK) {
        archive_write_free(writer);
        throw std::runtime_error("cannot write " + path.string());
    }
    AddEntry(writer, "bundle.json",
             {R"({"component_type":")" + type + R"(","component_name":")" + name +
                  R"(","version":")" + version + R"("})",
              0644});
    for (const auto& [file_path, file] : files) {
        AddEntry(writer, file_path, file);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    return path;
}

}  // namespace waka::test
