#include "ctl/rollout_follow.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "ctl/output.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr int kBarWidth = 20;

std::int64_t CountOf(const json::object& phase, std::string_view key) {
    const auto* value = phase.if_contains(key);
    return value != nullptr && value->is_int64() ? value->as_int64() : 0;
}

// S succeeded, F failed, R running, W waiting, '.' the rest, scaled to kBarWidth.
std::string Bar(const json::object& phase) {
    const std::int64_t members = CountOf(phase, "members");
    std::string bar;
    if (members > 0) {
        for (auto [key, mark] : {std::pair{"succeeded", 'S'}, std::pair{"failed", 'F'},
                                 std::pair{"running", 'R'}, std::pair{"waiting", 'W'}}) {
            const auto cells = static_cast<std::size_t>(CountOf(phase, key) * kBarWidth / members);
            bar.append(cells, mark);
        }
    }
    bar.resize(kBarWidth, '.');
    return "[" + bar + "]";
}

std::string StateOf(const json::value& rollout) {
    auto state = Field(rollout, "state");
    return state ? *state : std::string();
}

}  // namespace

std::string PhaseLines(const json::value& rollout) {
    std::ostringstream out;
    const auto* object = rollout.if_object();
    const auto* phases = object != nullptr ? object->if_contains("phases") : nullptr;
    if (phases == nullptr || !phases->is_array()) {
        return {};
    }
    for (const auto& item : phases->as_array()) {
        if (!item.is_object()) {
            continue;
        }
        const auto& phase = item.as_object();
        const auto* current = phase.if_contains("current");
        const bool is_current = current != nullptr && current->is_bool() && current->as_bool();
        out << (is_current ? "> " : "  ") << std::left << std::setw(12)
            << Text(phase.contains("name") ? phase.at("name") : json::value()) << " " << Bar(phase)
            << "  " << CountOf(phase, "succeeded") << "/" << CountOf(phase, "members")
            << " succeeded  " << CountOf(phase, "failed") << " failed  "
            << CountOf(phase, "running") << " running  " << CountOf(phase, "waiting")
            << " waiting  " << CountOf(phase, "pending") << " pending";
        if (const auto skipped = CountOf(phase, "skipped"); skipped > 0) {
            out << "  " << skipped << " skipped";
        }
        out << "\n";
    }
    return out.str();
}

Expected<int> WaitRollout(const Globals& globals, const Client& client, const std::string& id,
                          int timeout_seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    std::string shown;
    while (true) {
        auto rollout = client.Call("GET", "/api/v1/rollouts/" + UrlEncode(id) + "?member_limit=0");
        if (!rollout) {
            return rollout.error();
        }
        const std::string state = StateOf(*rollout);
        const std::string lines = PhaseLines(*rollout);
        if (!globals.json_output && lines != shown) {
            std::cout << "[" << state << "] rollout " << id << "\n" << lines << std::flush;
            shown = lines;
        }
        if (state != "running" && state != "reverting") {
            if (globals.json_output) {
                PrintPretty(*rollout, std::cout);
                std::cout << "\n";
            } else {
                auto reason = Field(*rollout, "state_reason");
                std::cout << "rollout " << id << " " << state
                          << (reason && !reason->empty() ? ": " + *reason : std::string()) << "\n";
            }
            return state == "succeeded" ? 0 : 1;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return MakeError(Errc::kTimeout, "wakactl: rollout " + id + " still " + state +
                                                 " after " + std::to_string(timeout_seconds) +
                                                 " s");
        }
        // Polling, as for deployments (no event stream); twice a second is live enough.
        std::this_thread::sleep_for(kPollInterval);
    }
}

}  // namespace waka::ctl
