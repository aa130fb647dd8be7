#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace waka::test {

struct BundleFile {
    std::string content;
    int mode = 0644;  // 0755 for hooks
};

// Writes a component bundle (.tar.gz, docs/design.md §3) with a bundle.json for type/name/version
// plus `files` (relative paths, e.g. "hooks/health-check", "app/index.html"). Answers the archive
// path.
std::filesystem::path MakeBundle(const std::filesystem::path& out_dir, const std::string& type,
                                 const std::string& name, const std::string& version,
                                 const std::map<std::string, BundleFile>& files);

}  // namespace waka::test
