#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Plain types of one agent operation (deploy, patch or rollback), free of protobuf and of I/O: the
// link converts wire messages into these, the installer executes them, the journal stores them and
// the daemon passes them between the two.
namespace waka::agent::model {

struct ComponentChange {
    std::string type;  // platform | suite | capability
    std::string name;
    std::string from_version;     // empty: not installed before
    std::string to_version;       // empty: deactivate (component leaves the manifest)
    std::string artifact_sha256;  // empty when to_version is empty
    std::uint64_t size = 0;
    std::string download_path;  // path on the coordinator's gateway listener
    // The publisher's signed statement for to_version (canonical JSON) and its raw signature;
    // the installer refuses the change unless a trusted key signed it (ADR 0020).
    std::string release_statement;
    std::string release_signature;

    // "<type>:<name>", the component key used in progress events and logs.
    [[nodiscard]] std::string Key() const { return type + ":" + name; }
};

// A publisher-signed anti-rollback floor as the coordinator forwards it (ADR 0022); the agent
// verifies it with its own keys and keeps the highest per component.
struct SignedFloor {
    std::string statement;  // canonical JSON
    std::string signature;  // raw
};

struct Operation {
    std::string op_id;
    std::string kind;  // deploy | patch | rollback
    std::vector<ComponentChange> components;
    std::string configuration_json;   // handed to hooks as $WAKA_CONFIG_FILE
    std::vector<SignedFloor> floors;  // every floor in force, whatever the kind
};

struct InstalledComponent {
    std::string type;
    std::string name;
    std::string version;
    bool operator==(const InstalledComponent&) const = default;
};

enum class Outcome {
    kSucceeded,  // every change applied and healthy
    kFailed,  // nothing was switched (instance unchanged), or restoring failed (error says which)
    kRolledBack,  // a change was switched, then failed, and the previous versions are current again
};

// The outcome's wire and journal word: succeeded | failed | rolled_back.
[[nodiscard]] std::string_view OutcomeName(Outcome outcome);
[[nodiscard]] std::optional<Outcome> ParseOutcome(std::string_view name);

struct OperationResult {
    std::string op_id;
    Outcome outcome = Outcome::kFailed;
    std::string error;
    std::vector<InstalledComponent> inventory;  // what is current after the operation
};

// Steps: download | unpack | pre_activate | switch | post_activate | deactivate | health_check |
// rollback | commit.
struct ProgressEvent {
    std::string op_id;
    std::string step;
    std::string component;
    std::uint64_t bytes_done = 0;
    std::uint64_t bytes_total = 0;
};

}  // namespace waka::agent::model
