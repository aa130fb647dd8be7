#include "agent/install/installer.hpp"

#include <algorithm>
#include <chrono>
#include <system_error>

#include "agent/install/installer_run.hpp"
#include "agent/install/validate.hpp"
#include "agent/journal/durable_file.hpp"
#include "shared/core/crypto.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::install {
namespace fs = std::filesystem;
namespace {

std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::vector<journal::ComponentRecord> Ordered(const std::vector<model::ComponentChange>& changes) {
    std::vector<journal::ComponentRecord> out;
    for (const model::ComponentChange& c : changes) {
        out.push_back({c, "", journal::Phase::kPending});
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::make_pair(TypeRank(a.change.type), a.change.name) <
               std::make_pair(TypeRank(b.change.type), b.change.name);
    });
    return out;
}

}  // namespace

Installer::Installer(InstallerOptions options, model::ArtifactFetcher& fetcher)
    : options_(std::move(options)),
      fetcher_(fetcher),
      layout_(options_.state_dir),
      floors_(options_.state_dir / "floors.json") {}

Expected<void> Installer::AcceptFloors(const std::vector<model::SignedFloor>& floors) {
    auto keys = release::LoadTrustedKeys(options_.release_trust);
    if (!keys) {
        return keys.error();
    }
    auto merged = floors_.Merge(floors, *keys);
    if (!merged) {
        return merged.error();
    }
    return {};
}

Expected<void> Installer::EnsureReady() {
    if (journal_) {
        return {};
    }
    if (auto created = layout_.Create(); !created) {
        return created.error();
    }
    auto opened = journal::Journal::Open(options_.state_dir);
    if (!opened) {
        return opened.error();
    }
    journal_.emplace(std::move(*opened));
    return {};
}

Expected<void> Installer::Step(std::string_view name) const {
    return options_.before_step ? options_.before_step(name) : Expected<void>{};
}

Expected<void> Installer::Persist(Run& run) {
    if (auto injected = Step("journal"); !injected) {
        return injected.error().WithContext("write journal");
    }
    return journal_->Write(run.record);
}

void Installer::Report(const Run& run, std::string_view step, const model::ComponentChange* c,
                       std::uint64_t done, std::uint64_t total) const {
    if (run.progress) {
        run.progress(model::ProgressEvent{run.record.op_id, std::string(step), c ? c->Key() : "",
                                          done, total});
    }
}

std::optional<model::OperationResult> Installer::StoredResult(const std::string& op_id) const {
    auto journal = journal::Journal::Open(options_.state_dir);
    if (!journal) {
        return std::nullopt;
    }
    auto record = journal->Read(op_id);
    if (!record || !*record || !(*record)->result) {
        return std::nullopt;
    }
    return (*record)->result;
}

std::vector<model::InstalledComponent> Installer::Inventory() const {
    return ListInstalled(layout_);
}

model::OperationResult Installer::Execute(const model::Operation& op, const Progress& progress) {
    if (auto answered = Answered(op)) {
        return *answered;
    }
    Run run = NewRun(op, progress);
    log::Info("operation started op_id={} kind={} components={}", op.op_id, op.kind,
              op.components.size());
    if (auto started = Start(run, op); !started) {
        return Finish(run, model::Outcome::kFailed, started.error().message);
    }
    if (auto prepared = Prepare(run); !prepared) {
        return Finish(run, model::Outcome::kFailed, prepared.error().message);
    }
    if (auto applied = Apply(run); !applied) {
        return RollBack(run, applied.error(), run.switched_any);
    }
    return Commit(run);
}

// Answers without running when the operation cannot or need not run: a bad op id (nothing can be
// journaled under it), a disk that cannot hold the journal, a stored result (a re-sent
// instruction), or an interrupted run of the same op (completed like Recover).
std::optional<model::OperationResult> Installer::Answered(const model::Operation& op) {
    if (!IsValidId(op.op_id)) {
        return model::OperationResult{
            op.op_id, model::Outcome::kFailed, "op id is not a safe identifier", {}};
    }
    if (auto ready = EnsureReady(); !ready) {
        return model::OperationResult{op.op_id, model::Outcome::kFailed,
                                      ready.error().WithContext("prepare state directory").message,
                                      Inventory()};
    }
    auto stored = journal_->Read(op.op_id);
    if (!stored) {
        return model::OperationResult{op.op_id, model::Outcome::kFailed, stored.error().message,
                                      Inventory()};
    }
    if (!*stored) {
        return std::nullopt;
    }
    if ((*stored)->result) {
        log::Info("operation already finished, answering stored result op_id={}", op.op_id);
        return (*stored)->result;
    }
    log::Warn("operation was interrupted, completing it op_id={}", op.op_id);
    return CompleteInterrupted(std::move(**stored), nullptr);
}

// The run as received, each component with what is current on disk now: rollback restores that,
// not the coordinator's from_version, which may be stale.
Installer::Run Installer::NewRun(const model::Operation& op, const Progress& progress) const {
    Run run{{op.op_id, op.kind, op.configuration_json, Ordered(op.components), std::nullopt, 0},
            progress,
            layout_.ConfigFile(op.op_id),
            false,
            op.floors};
    for (journal::ComponentRecord& c : run.record.components) {
        if (TypeRank(c.change.type) > 2 || !IsSafeSegment(c.change.name)) {
            continue;  // refused by Start; never turned into a path
        }
        auto current = ReadCurrent(layout_.ComponentDir(c.change.type, c.change.name));
        if (current && *current) {
            c.previous_version = **current;
        }
    }
    return run;
}

Expected<void> Installer::Start(Run& run, const model::Operation& op) {
    if (auto valid = ValidateOperation(op, options_.max_bundle_bytes); !valid) {
        return valid.error();
    }
    if (auto persisted = Persist(run); !persisted) {
        return persisted.error();
    }
    return WriteConfig(run);
}

Expected<void> Installer::WriteConfig(const Run& run) const {
    if (auto injected = Step("write config"); !injected) {
        return injected.error().WithContext("write hook configuration");
    }
    const std::string& json = run.record.configuration_json;
    auto written = journal::WriteFileAtomically(run.config_file, json.empty() ? "{}" : json, 0600);
    if (!written) {
        return written.error().WithContext("write hook configuration");
    }
    return {};
}

model::OperationResult Installer::Finish(Run& run, model::Outcome outcome, std::string error) {
    model::OperationResult result{run.record.op_id, outcome, std::move(error), Inventory()};
    run.record.result = result;
    run.record.finished_at_ms = NowMs();
    if (auto persisted = Persist(run); !persisted) {
        // The record stays unfinished: the next start-up's Recover restores the previous versions
        // again (idempotent) and reports, so the outcome is never lost silently.
        log::Error("could not journal the result op_id={} error={}", run.record.op_id,
                   persisted.error().message);
    }
    std::error_code ec;
    fs::remove(run.config_file, ec);
    log::Info("operation finished op_id={} outcome={} error={}", result.op_id,
              model::OutcomeName(outcome), result.error);
    return result;
}

model::OperationResult Installer::Commit(Run& run) {
    run.record.result =
        model::OperationResult{run.record.op_id, model::Outcome::kSucceeded, "", Inventory()};
    run.record.finished_at_ms = NowMs();
    if (auto persisted = Persist(run); !persisted) {
        run.record.result.reset();
        return RollBack(run, persisted.error().WithContext("commit"), run.switched_any);
    }
    Report(run, "commit", nullptr);
    std::error_code ec;
    fs::remove(run.config_file, ec);
    Prune(run);
    log::Info("operation finished op_id={} outcome=succeeded", run.record.op_id);
    return *run.record.result;
}

void Installer::Prune(const Run& run) {
    for (const journal::ComponentRecord& c : run.record.components) {
        PruneComponent(c);
    }
    if (auto pruned = journal_->PruneFinished(options_.keep_journal_records); !pruned) {
        log::Warn("journal pruning failed error={}", pruned.error().message);
    }
}

// Keeps the current and the previous version plus the newest others up to keep_versions; removes
// older version directories with their downloaded archive, and staging directories left by a crash
// (only one operation runs at a time, so none of them is in use).
void Installer::PruneComponent(const journal::ComponentRecord& c) {
    const fs::path dir = layout_.ComponentDir(c.change.type, c.change.name);
    auto current = ReadCurrent(dir);
    std::vector<std::pair<fs::file_time_type, std::string>> versions;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code entry_ec;
        const std::string name = it->path().filename().string();
        if (!it->is_directory(entry_ec) || it->is_symlink(entry_ec)) {
            continue;
        }
        if (name.find(".staging-") != std::string::npos) {
            fs::remove_all(it->path(), entry_ec);
            continue;
        }
        versions.emplace_back(it->last_write_time(entry_ec), name);
    }
    std::sort(versions.rbegin(), versions.rend());
    auto pinned = [&](const std::string& v) {
        return (current && *current && **current == v) || v == c.previous_version;
    };
    int kept = static_cast<int>(std::count_if(versions.begin(), versions.end(),
                                              [&](const auto& v) { return pinned(v.second); }));
    for (const auto& [time, version] : versions) {
        if (pinned(version) || kept++ < options_.keep_versions) {
            continue;
        }
        RemoveVersion(dir, version);
    }
}

void Installer::RemoveVersion(const fs::path& component_dir, const std::string& version) const {
    const fs::path note = StateLayout::ArtifactNote(component_dir, version);
    auto sha = journal::ReadSmallFile(note, 128);
    std::error_code ec;
    if (sha && IsSha256Hex(*sha)) {
        fs::remove(layout_.Download(*sha), ec);
    }
    fs::remove(note, ec);
    fs::remove_all(component_dir / version, ec);
    log::Info("pruned old version dir={} version={}", component_dir.string(), version);
}

}  // namespace waka::agent::install
