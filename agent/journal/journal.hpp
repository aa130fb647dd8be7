#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "agent/journal/record.hpp"
#include "shared/core/error.hpp"

namespace waka::agent::journal {

// Durable operation records under `<state_dir>/journal/<op_id>.json`, one file per operation.
// Every Write is atomic and durable before it returns (temp file, fsync, rename, fsync dir), so the
// installer writes a phase BEFORE the side effect it describes. Op ids come from the network: any
// id that is not a safe file name (waka::IsValidId) is refused with kInvalidArgument.
// Blocking. One writer at a time (the installer's worker thread); reads may run concurrently with
// it because a reader sees either the old or the new file.
class Journal {
public:
    // Creates `<state_dir>/journal` when missing.
    [[nodiscard]] static Expected<Journal> Open(const std::filesystem::path& state_dir);

    [[nodiscard]] Expected<void> Write(const OperationRecord& record) const;
    // nullopt when no record exists; kInvalidArgument when the file is corrupt.
    [[nodiscard]] Expected<std::optional<OperationRecord>> Read(std::string_view op_id) const;
    // Records without a result (interrupted operations). Corrupt files are logged and skipped so
    // one bad file never blocks the agent's start-up.
    [[nodiscard]] std::vector<OperationRecord> ListUnfinished() const;
    // Keeps the newest `keep` finished records (by finish time) and deletes older ones; unfinished
    // records are never pruned.
    [[nodiscard]] Expected<void> PruneFinished(std::size_t keep) const;

    [[nodiscard]] const std::filesystem::path& Directory() const { return dir_; }

private:
    explicit Journal(std::filesystem::path dir) : dir_(std::move(dir)) {}
    [[nodiscard]] std::filesystem::path PathOf(std::string_view op_id) const;
    [[nodiscard]] std::vector<std::filesystem::path> RecordFiles() const;

    std::filesystem::path dir_;
};

}  // namespace waka::agent::journal
