#include "agent/install/floor_store.hpp"

#include <boost/json.hpp>

#include "agent/journal/durable_file.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::install {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxFileBytes = kMaxFloors * 2048;

Error Damaged(const std::filesystem::path& file, const std::string& why) {
    return MakeError(Errc::kInvalidArgument, "floors file " + file.string() + ": " + why);
}

}  // namespace

Expected<std::map<std::string, FloorStore::Kept>> FloorStore::LoadLocked() const {
    std::map<std::string, Kept> kept;
    auto text = journal::ReadSmallFile(file_, kMaxFileBytes);
    if (!text) {
        if (text.error().Is(Errc::kNotFound)) {
            return kept;
        }
        return text.error();
    }
    boost::system::error_code ec;
    json::value root = json::parse(*text, ec);
    if (ec || !root.is_array()) {
        return Damaged(file_, "not a JSON array");
    }
    // The file is this agent's own (state_dir, 0700): its floors were verified when they came in,
    // and are not verified again, so that revoking the key that signed a floor does not drop it.
    for (const auto& item : root.as_array()) {
        const auto* object = item.if_object();
        const auto* statement = object ? object->if_contains("statement") : nullptr;
        const auto* signature = object ? object->if_contains("signature") : nullptr;
        if (!statement || !statement->is_string() || !signature || !signature->is_string()) {
            return Damaged(file_, "an entry lacks statement or signature");
        }
        auto floor = release::ParseFloorStatement(statement->as_string());
        auto raw = release::Base64Decode(signature->as_string());
        if (!floor || !raw) {
            return Damaged(file_, floor ? "bad signature encoding" : floor.error().message);
        }
        kept[floor->Component()] = {*floor, {std::string(statement->as_string()), *raw}};
    }
    return kept;
}

Expected<void> FloorStore::SaveLocked(const std::map<std::string, Kept>& floors) const {
    json::array out;
    for (const auto& [component, kept] : floors) {
        out.push_back(
            json::object{{"statement", kept.signed_floor.statement},
                         {"signature", release::Base64Encode(kept.signed_floor.signature)}});
    }
    return journal::WriteFileAtomically(file_, json::serialize(out), 0600);
}

FloorStore::FloorMap FloorStore::Statements(const std::map<std::string, Kept>& kept) {
    FloorMap out;
    for (const auto& [component, entry] : kept) {
        out.emplace(component, entry.floor);
    }
    return out;
}

Expected<FloorStore::FloorMap> FloorStore::Merge(const std::vector<model::SignedFloor>& floors,
                                                 const release::TrustedKeys& keys) {
    std::lock_guard lock(mutex_);
    auto kept = LoadLocked();
    if (!kept) {
        return kept.error();
    }
    std::size_t raised = 0;
    for (const auto& signed_floor : floors) {
        auto floor = keys.VerifyFloor({signed_floor.statement, signed_floor.signature});
        if (!floor) {
            log::Warn("floor ignored: {}", floor.error().message);
            continue;
        }
        auto current = kept->find(floor->Component());
        if (current != kept->end() && !release::RaisesFloor(*floor, current->second.floor)) {
            continue;
        }
        if (current == kept->end() && kept->size() >= kMaxFloors) {
            log::Warn("floor ignored: this host keeps at most {} floors", kMaxFloors);
            continue;
        }
        log::Info("floor raised component={} min_version={} reason=\"{}\"", floor->Component(),
                  floor->min_version, floor->reason);
        (*kept)[floor->Component()] = {*floor, signed_floor};
        ++raised;
    }
    if (raised > 0) {
        if (auto saved = SaveLocked(*kept); !saved) {
            return saved.error();
        }
    }
    return Statements(*kept);
}

Expected<FloorStore::FloorMap> FloorStore::Floors() const {
    std::lock_guard lock(mutex_);
    auto kept = LoadLocked();
    if (!kept) {
        return kept.error();
    }
    return Statements(*kept);
}

Expected<void> CheckAboveFloor(const model::ComponentChange& change,
                               const FloorStore::FloorMap& floors) {
    auto floor = floors.find(change.Key());
    if (floor == floors.end() || !release::IsBelowFloor(change.to_version, floor->second)) {
        return {};
    }
    return MakeError(Errc::kInvalidArgument, "release " + change.Key() + " " + change.to_version +
                                                 " refused: below the floor " +
                                                 floor->second.min_version + " (" +
                                                 floor->second.reason + ")");
}

}  // namespace waka::agent::install
