#include "agent/install/extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace waka::agent::install {
namespace fs = std::filesystem;
namespace {

// No ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS: libarchive has no directory-fd API, and changing the
// process's working directory would race with other threads, so entries are rewritten to absolute
// paths under the canonical destination after our own checks refused absolute entry names.
constexpr int kWriteFlags =
    ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS;

enum class Kind { kDirectory, kFile, kSymlink };

struct ReadFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
    void operator()(archive* a) const { archive_write_free(a); }
};

Error Unsafe(std::string_view entry, std::string_view why) {
    return MakeError(Errc::kUnsafe, "entry '" + std::string(entry) + "' " + std::string(why));
}

// Components of a relative entry path without "." and empty parts; refuses absolute and "..".
Expected<std::vector<std::string>> SplitEntryPath(std::string_view raw) {
    if (raw.starts_with('/')) {
        return Unsafe(raw, "has an absolute path");
    }
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= raw.size()) {
        std::size_t end = raw.find('/', start);
        if (end == std::string_view::npos) {
            end = raw.size();
        }
        std::string_view part = raw.substr(start, end - start);
        if (part == "..") {
            return Unsafe(raw, "has a '..' component");
        }
        if (!part.empty() && part != ".") {
            parts.emplace_back(part);
        }
        start = end + 1;
    }
    return parts;
}

std::string Join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        out += out.empty() ? p : "/" + p;
    }
    return out;
}

// A relative symlink target is accepted when it is some leading ".." (never above the tree root)
// followed by plain names. Plain names below a tree directory stay in the tree even when they are
// themselves symlinks (each of which obeys this same rule), whereas a ".." after a name could climb
// out of wherever a symlinked name led; so ".." is allowed only as a prefix.
Expected<void> CheckSymlinkTarget(std::string_view entry, std::size_t entry_depth,
                                  std::string_view target) {
    if (target.empty()) {
        return Unsafe(entry, "is a symlink with an empty target");
    }
    if (target.starts_with('/')) {
        return Unsafe(entry, "is a symlink to the absolute path '" + std::string(target) + "'");
    }
    std::size_t ups = 0;
    bool seen_name = false;
    std::size_t start = 0;
    while (start <= target.size()) {
        std::size_t end = target.find('/', start);
        if (end == std::string_view::npos) {
            end = target.size();
        }
        std::string_view part = target.substr(start, end - start);
        if (part == "..") {
            if (seen_name || ++ups > entry_depth) {
                return Unsafe(entry, "is a symlink to '" + std::string(target) +
                                         "', which leaves the bundle");
            }
        } else if (!part.empty() && part != ".") {
            seen_name = true;
        }
        start = end + 1;
    }
    return {};
}

class Extractor {
public:
    Extractor(const ExtractLimits& limits, fs::path root)
        : limits_(limits), root_(std::move(root)) {}

    Expected<ExtractStats> Run(const fs::path& archive_path) {
        if (auto opened = Open(archive_path); !opened) {
            return opened.error();
        }
        for (;;) {
            archive_entry* entry = nullptr;
            const int r = archive_read_next_header(reader_.get(), &entry);
            if (r == ARCHIVE_EOF) {
                break;
            }
            if (r < ARCHIVE_WARN) {
                return Corrupt(reader_.get());
            }
            if (auto done = ExtractEntry(entry); !done) {
                return done.error();
            }
        }
        if (archive_write_close(writer_.get()) != ARCHIVE_OK) {
            return MakeError(Errc::kIo, std::string("finish extraction: ") +
                                            archive_error_string(writer_.get()));
        }
        return stats_;
    }

private:
    static Error Corrupt(archive* a) {
        const char* why = archive_error_string(a);
        return MakeError(Errc::kInvalidArgument,
                         std::string("corrupt archive: ") + (why != nullptr ? why : "unknown"));
    }

    Expected<void> Open(const fs::path& archive_path) {
        reader_.reset(archive_read_new());
        writer_.reset(archive_write_disk_new());
        if (!reader_ || !writer_) {
            return MakeError(Errc::kInternal, "libarchive allocation failed");
        }
        archive_read_support_filter_gzip(reader_.get());
        archive_read_support_format_tar(reader_.get());
        archive_write_disk_set_options(writer_.get(), kWriteFlags);
        if (archive_read_open_filename(reader_.get(), archive_path.c_str(), 64 * 1024) !=
            ARCHIVE_OK) {
            return Corrupt(reader_.get());
        }
        return {};
    }

    Expected<void> ExtractEntry(archive_entry* entry) {
        const char* raw_name = archive_entry_pathname(entry);
        if (raw_name == nullptr) {
            return MakeError(Errc::kUnsafe, "entry without a readable path name");
        }
        if (++stats_.entries > limits_.max_entries) {
            return Unsafe(raw_name, "exceeds the limit of " + std::to_string(limits_.max_entries) +
                                        " entries");
        }
        auto parts = SplitEntryPath(raw_name);
        if (!parts) {
            return parts.error();
        }
        if (parts->empty()) {
            return {};  // "./": the root itself, which already exists.
        }
        auto kind = CheckEntry(entry, raw_name, *parts);
        if (!kind) {
            return kind.error();
        }
        return Write(entry, raw_name, *parts, *kind);
    }

    Expected<Kind> CheckEntry(archive_entry* entry, std::string_view name,
                              const std::vector<std::string>& parts) {
        Expected<Kind> kind = Classify(entry, name, parts);
        if (!kind) {
            return kind;
        }
        if (auto added = Remember(name, parts, *kind); !added) {
            return added.error();
        }
        return kind;
    }

    Expected<Kind> Classify(archive_entry* entry, std::string_view name,
                            const std::vector<std::string>& parts) {
        if (const char* target = archive_entry_hardlink(entry)) {
            if (auto ok = CheckHardlink(name, target); !ok) {
                return ok.error();
            }
            return Kind::kFile;
        }
        switch (archive_entry_filetype(entry)) {
            case AE_IFREG:
                return Kind::kFile;
            case AE_IFDIR:
                return Kind::kDirectory;
            case AE_IFLNK: {
                const char* target = archive_entry_symlink(entry);
                auto ok = CheckSymlinkTarget(name, parts.size() - 1, target ? target : "");
                if (!ok) {
                    return ok.error();
                }
                return Kind::kSymlink;
            }
            case AE_IFCHR:
            case AE_IFBLK:
                return Unsafe(name, "is a device file");
            case AE_IFIFO:
                return Unsafe(name, "is a FIFO");
            case AE_IFSOCK:
                return Unsafe(name, "is a socket");
            default:
                return Unsafe(name, "has an unsupported file type");
        }
    }

    // A hard link may only name a regular file already extracted: linking a symlink would
    // re-anchor its relative target at the link's location.
    Expected<void> CheckHardlink(std::string_view name, std::string_view target) {
        auto target_parts = SplitEntryPath(target);
        if (!target_parts) {
            return Unsafe(name,
                          "is a hard link to '" + std::string(target) + "', outside the bundle");
        }
        auto it = seen_.find(Join(*target_parts));
        if (it == seen_.end() || it->second != Kind::kFile) {
            return Unsafe(name, "is a hard link to '" + std::string(target) +
                                    "', which is not a regular file of the bundle");
        }
        return {};
    }

    // Records the entry and its implicit parent directories; a path may appear twice only as a
    // directory, so no later entry can replace a checked one (a directory by a symlink, say).
    Expected<void> Remember(std::string_view name, const std::vector<std::string>& parts,
                            Kind kind) {
        std::string prefix;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
            prefix += (i == 0 ? "" : "/") + parts[i];
            auto [it, inserted] = seen_.emplace(prefix, Kind::kDirectory);
            if (!inserted && it->second != Kind::kDirectory) {
                return Unsafe(name, "lies below '" + prefix + "', which is not a directory");
            }
        }
        auto [it, inserted] = seen_.emplace(Join(parts), kind);
        if (!inserted && !(kind == Kind::kDirectory && it->second == Kind::kDirectory)) {
            return Unsafe(name, "appears twice in the archive");
        }
        return {};
    }

    Expected<void> Write(archive_entry* entry, std::string_view name,
                         const std::vector<std::string>& parts, Kind kind) {
        const std::int64_t declared =
            archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
        if (declared < 0 ||
            stats_.bytes + static_cast<std::uint64_t>(declared) > limits_.max_unpacked_bytes) {
            return Unsafe(name, "exceeds the unpacked size limit of " +
                                    std::to_string(limits_.max_unpacked_bytes) + " bytes");
        }
        const std::string absolute = (root_ / Join(parts)).string();
        archive_entry_set_pathname(entry, absolute.c_str());
        if (const char* target = archive_entry_hardlink(entry)) {
            const std::string link_target = (root_ / Join(*SplitEntryPath(target))).string();
            archive_entry_set_hardlink(entry, link_target.c_str());
        }
        mode_t perm = archive_entry_perm(entry) & 0777;
        archive_entry_set_perm(entry, kind == Kind::kDirectory ? (perm | 0700) : perm);
        if (archive_write_header(writer_.get(), entry) < ARCHIVE_WARN) {
            return MakeError(Errc::kUnsafe,
                             "entry '" + std::string(name) +
                                 "' refused by libarchive: " + archive_error_string(writer_.get()));
        }
        if (auto copied = CopyData(name); !copied) {
            return copied;
        }
        if (archive_write_finish_entry(writer_.get()) < ARCHIVE_WARN) {
            return MakeError(Errc::kIo, "write '" + std::string(name) +
                                            "': " + archive_error_string(writer_.get()));
        }
        return {};
    }

    Expected<void> CopyData(std::string_view name) {
        for (;;) {
            const void* block = nullptr;
            std::size_t size = 0;
            la_int64_t offset = 0;
            const int r = archive_read_data_block(reader_.get(), &block, &size, &offset);
            if (r == ARCHIVE_EOF) {
                return {};
            }
            if (r < ARCHIVE_WARN) {
                return Corrupt(reader_.get());
            }
            stats_.bytes += size;
            if (stats_.bytes > limits_.max_unpacked_bytes) {
                return Unsafe(name, "exceeds the unpacked size limit of " +
                                        std::to_string(limits_.max_unpacked_bytes) + " bytes");
            }
            if (archive_write_data_block(writer_.get(), block, size, offset) < ARCHIVE_WARN) {
                return MakeError(Errc::kIo, "write '" + std::string(name) +
                                                "': " + archive_error_string(writer_.get()));
            }
        }
    }

    const ExtractLimits& limits_;
    fs::path root_;
    std::unique_ptr<archive, ReadFree> reader_;
    std::unique_ptr<archive, WriteFree> writer_;
    std::map<std::string, Kind> seen_;
    ExtractStats stats_;
};

Expected<void> CheckArchiveSize(const fs::path& archive_path, const ExtractLimits& limits) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(archive_path, ec);
    if (ec) {
        return MakeError(Errc::kIo, "stat " + archive_path.string() + ": " + ec.message());
    }
    if (size > limits.max_archive_bytes) {
        return MakeError(Errc::kUnsafe, "archive of " + std::to_string(size) +
                                            " bytes exceeds the limit of " +
                                            std::to_string(limits.max_archive_bytes) + " bytes");
    }
    return {};
}

Expected<fs::path> CreateDestination(const fs::path& dest_dir) {
    std::error_code ec;
    if (!fs::create_directory(dest_dir, ec) || ec) {
        return MakeError(Errc::kIo, "create " + dest_dir.string() + ": " +
                                        (ec ? ec.message() : std::string("already exists")));
    }
    fs::path root = fs::canonical(dest_dir, ec);
    if (ec) {
        return MakeError(Errc::kIo, "resolve " + dest_dir.string() + ": " + ec.message());
    }
    return root;
}

}  // namespace

Expected<ExtractStats> ExtractBundle(const fs::path& archive_path, const fs::path& dest_dir,
                                     const ExtractLimits& limits) {
    if (auto sized = CheckArchiveSize(archive_path, limits); !sized) {
        return sized.error();
    }
    auto root = CreateDestination(dest_dir);
    if (!root) {
        return root.error();
    }
    Expected<ExtractStats> stats = [&] {
        Extractor extractor(limits, *root);
        return extractor.Run(archive_path);
    }();
    if (!stats) {
        std::error_code ec;
        fs::remove_all(dest_dir, ec);
    }
    return stats;
}

}  // namespace waka::agent::install
