#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

#include "agent/model/artifact_fetcher.hpp"

namespace waka::agent::install::testing {

// Fetches artifacts from a local directory (`<source_dir>/<download_path>`), resuming after the
// bytes the partial file already holds, as the HTTPS fetcher does with a Range request.
class FileFetcher final : public model::ArtifactFetcher {
public:
    explicit FileFetcher(std::filesystem::path source_dir) : source_dir_(std::move(source_dir)) {}

    Expected<void> Fetch(const model::ComponentChange& change,
                         const std::filesystem::path& partial_file,
                         const std::function<void(std::uint64_t)>& progress) override {
        std::error_code ec;
        std::uint64_t offset = std::filesystem::file_size(partial_file, ec);
        if (ec) {
            offset = 0;
        }
        resumed_from.push_back(offset);
        std::ifstream in(source_dir_ / change.download_path, std::ios::binary);
        if (!in) {
            return MakeError(Errc::kNotFound, "no artifact " + change.download_path);
        }
        in.seekg(static_cast<std::streamoff>(offset));
        std::ofstream out(partial_file, std::ios::binary | std::ios::app);
        char buffer[4096];
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
            out.write(buffer, in.gcount());
            offset += static_cast<std::uint64_t>(in.gcount());
            progress(offset);
        }
        out.flush();
        if (!out) {
            return MakeError(Errc::kIo, "write " + partial_file.string());
        }
        return {};
    }

    std::vector<std::uint64_t> resumed_from;  // one entry per Fetch call: bytes already present

private:
    std::filesystem::path source_dir_;
};

}  // namespace waka::agent::install::testing
