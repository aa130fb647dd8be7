#include "agent/journal/journal.hpp"

#include <algorithm>
#include <system_error>

#include "agent/journal/durable_file.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::journal {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxRecordBytes = 16 * 1024 * 1024;
constexpr std::string_view kSuffix = ".json";

Error InvalidOpId(std::string_view op_id) {
    return MakeError(Errc::kInvalidArgument,
                     "op id '" + std::string(op_id.substr(0, 64)) + "' is not a safe identifier");
}

}  // namespace

Expected<Journal> Journal::Open(const fs::path& state_dir) {
    fs::path dir = state_dir / "journal";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        return MakeError(Errc::kIo, "create " + dir.string() + ": " + ec.message());
    }
    // Temp files of writes a crash interrupted: their rename never happened, so they hold nothing.
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.starts_with(".") && name.find(".tmp-") != std::string::npos) {
            std::error_code ignored;
            fs::remove(it->path(), ignored);
        }
    }
    return Journal(std::move(dir));
}

fs::path Journal::PathOf(std::string_view op_id) const {
    return dir_ / (std::string(op_id) + std::string(kSuffix));
}

Expected<void> Journal::Write(const OperationRecord& record) const {
    if (!IsValidId(record.op_id)) {
        return InvalidOpId(record.op_id);
    }
    auto written = WriteFileAtomically(PathOf(record.op_id), SerializeRecord(record), 0600);
    if (!written) {
        return written.error().WithContext("write journal");
    }
    return {};
}

Expected<std::optional<OperationRecord>> Journal::Read(std::string_view op_id) const {
    if (!IsValidId(op_id)) {
        return InvalidOpId(op_id);
    }
    auto text = ReadSmallFile(PathOf(op_id), kMaxRecordBytes);
    if (!text) {
        if (text.error().Is(Errc::kNotFound)) {
            return std::optional<OperationRecord>{};
        }
        return text.error().WithContext("read journal");
    }
    auto record = ParseRecord(*text);
    if (!record) {
        return record.error().WithContext("journal " + std::string(op_id));
    }
    if (record->op_id != op_id) {
        return MakeError(Errc::kInvalidArgument,
                         "journal " + std::string(op_id) + " holds the record of another op id");
    }
    return std::optional<OperationRecord>(std::move(*record));
}

std::vector<fs::path> Journal::RecordFiles() const {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        // Temp files start with a dot and never count as records.
        if (p.extension() == kSuffix && !p.filename().string().starts_with(".")) {
            files.push_back(p);
        }
    }
    if (ec) {
        log::Error("list journal failed dir={} error={}", dir_.string(), ec.message());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<OperationRecord> Journal::ListUnfinished() const {
    std::vector<OperationRecord> unfinished;
    for (const fs::path& file : RecordFiles()) {
        auto record = Read(file.stem().string());
        if (!record) {
            log::Error("skipping unreadable journal record file={} error={}", file.string(),
                       record.error().message);
            continue;
        }
        if (*record && !(*record)->Finished()) {
            unfinished.push_back(std::move(**record));
        }
    }
    return unfinished;
}

Expected<void> Journal::PruneFinished(std::size_t keep) const {
    std::vector<std::pair<std::int64_t, fs::path>> finished;
    for (const fs::path& file : RecordFiles()) {
        auto record = Read(file.stem().string());
        if (record && *record && (*record)->Finished()) {
            finished.emplace_back((*record)->finished_at_ms, file);
        }
    }
    if (finished.size() <= keep) {
        return {};
    }
    std::sort(finished.begin(), finished.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = keep; i < finished.size(); ++i) {
        std::error_code ec;
        fs::remove(finished[i].second, ec);
        if (ec) {
            return MakeError(Errc::kIo,
                             "prune " + finished[i].second.string() + ": " + ec.message());
        }
    }
    return FsyncDirectory(dir_);
}

}  // namespace waka::agent::journal
