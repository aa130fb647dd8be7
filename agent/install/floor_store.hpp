#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agent/model/operation.hpp"
#include "shared/core/error.hpp"
#include "shared/release/trusted_keys.hpp"

// The anti-rollback floors this host has accepted (ADR 0022): per component, the highest floor a
// trusted release key signed, kept in `state_dir/floors.json` across restarts. A floor is only
// ever raised here, whatever the coordinator sends later, so a coordinator taken over after a
// floor reached the host cannot bring a version below it back.
namespace waka::agent::install {

inline constexpr std::size_t kMaxFloors = 10'000;  // components with a floor, per host

class FloorStore {
public:
    explicit FloorStore(std::filesystem::path file) : file_(std::move(file)) {}

    using FloorMap = std::map<std::string, release::FloorStatement>;  // by "<type>:<name>"

    // Verifies each floor with `keys`, keeps those that raise their component's floor, and answers
    // the floors in force afterwards (one read of the file, one write when something was raised).
    // A floor that does not verify is skipped (logged): the coordinator that forwards it cannot
    // lower anything by sending a bad one. Thread-safe.
    Expected<FloorMap> Merge(const std::vector<model::SignedFloor>& floors,
                             const release::TrustedKeys& keys);
    // The floors kept. Thread-safe.
    [[nodiscard]] Expected<FloorMap> Floors() const;

private:
    struct Kept {
        release::FloorStatement floor;
        model::SignedFloor signed_floor;
    };
    [[nodiscard]] Expected<std::map<std::string, Kept>> LoadLocked() const;
    [[nodiscard]] Expected<void> SaveLocked(const std::map<std::string, Kept>& floors) const;

    [[nodiscard]] static FloorMap Statements(const std::map<std::string, Kept>& kept);

    std::filesystem::path file_;
    mutable std::mutex mutex_;
};

// kInvalidArgument naming the floor when `change` installs a version below its component's floor.
[[nodiscard]] Expected<void> CheckAboveFloor(const model::ComponentChange& change,
                                             const FloorStore::FloorMap& floors);

}  // namespace waka::agent::install
