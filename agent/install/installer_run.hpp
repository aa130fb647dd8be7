#pragma once

#include <filesystem>

#include "agent/install/installer.hpp"
#include "agent/journal/record.hpp"

// Internal to the installer's .cpp files: the state of one operation in progress.
namespace waka::agent::install {

struct Installer::Run {
    journal::OperationRecord record;  // mirrors the journal file; components in execution order
    Progress progress;
    std::filesystem::path config_file;
    bool switched_any = false;               // a `current` link was (possibly) changed by this run
    std::vector<model::SignedFloor> floors;  // as received, merged before anything is checked
};

// True when the component's change installs a version (rather than deactivating it).
inline bool Installs(const journal::ComponentRecord& c) { return !c.change.to_version.empty(); }

}  // namespace waka::agent::install
