#include "ctl/follow.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "ctl/output.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr const char* kClearLine = "\r\033[K";

// Prints the events from index `printed` on; answers the step of the last one ("" when none).
std::string PrintNewEvents(const Globals& globals, const json::object& deployment, bool tty,
                           std::size_t& printed) {
    std::string step;
    const auto* events = deployment.if_contains("events");
    if (events == nullptr || !events->is_array()) {
        return step;
    }
    const auto& list = events->as_array();
    for (; printed < list.size(); ++printed) {
        const auto& e = list[printed].as_object();
        step = Text(e.at("step"));
        if (tty) {
            std::cout << kClearLine;
        }
        if (!globals.json_output) {
            std::cout << Text(e.at("at")) << "  " << Text(e.at("status")) << "  " << step << "  "
                      << Text(e.at("message")) << "\n";
        }
    }
    return step;
}

void PrintOutcome(const Globals& globals, const json::value& deployment, const std::string& id,
                  const std::string& status, const std::string& noun) {
    if (globals.json_output) {
        PrintPretty(deployment, std::cout);
        std::cout << "\n";
        return;
    }
    std::cout << noun << " " << id << " " << status;
    if (const auto* error = deployment.as_object().if_contains("error_message");
        error != nullptr && error->is_string()) {
        std::cout << ": " << std::string(error->as_string());
    }
    std::cout << "\n";
}

}  // namespace

bool IsTerminalStatus(const std::string& status) {
    return status == "deployed" || status == "failed" || status == "rolled_back" ||
           status == "rejected" || status == "expired" || status == "cancelled";
}

int WaitDeployment(const Globals& globals, const Client& client, const std::string& id,
                   int timeout_seconds, const std::string& noun) {
    const bool tty = ::isatty(STDOUT_FILENO) == 1 && !globals.json_output;
    std::size_t printed = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    for (;;) {
        json::value deployment = client.Call("GET", "/api/v1/deployments/" + UrlEncode(id));
        const std::string status(deployment.as_object().at("status").as_string());
        const std::string step = PrintNewEvents(globals, deployment.as_object(), tty, printed);
        if (tty) {
            std::cout << kClearLine << "[" << status << "] " << id
                      << (step.empty() ? "" : "  " + step) << std::flush;
        }
        if (IsTerminalStatus(status)) {
            if (tty) {
                std::cout << kClearLine;
            }
            PrintOutcome(globals, deployment, id, status, noun);
            return status == "deployed" ? 0 : 1;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw Failure{"wakactl: " + noun + " " + id + " still " + status + " after " +
                          std::to_string(timeout_seconds) + " s"};
        }
        // Polling is how the API offers progress today (no event stream); twice a second is
        // live enough for a person and light for the coordinator.
        std::this_thread::sleep_for(kPollInterval);
    }
}

void ShowDeploymentSummary(const Globals& globals, const json::value& deployment,
                           const std::string& noun) {
    if (globals.json_output || !deployment.is_object()) {
        PrintPretty(deployment, std::cout);
        std::cout << "\n";
        return;
    }
    const auto& object = deployment.as_object();
    const auto field = [&](const char* key) {
        const auto* value = object.if_contains(key);
        return value != nullptr ? Text(*value) : std::string("-");
    };
    std::cout << noun << " " << field("id") << " " << field("status") << "\n";
    if (const auto* events = object.if_contains("events");
        events != nullptr && events->is_array() && !events->as_array().empty()) {
        const auto& last = events->as_array().back();
        if (last.is_object() && last.as_object().contains("message")) {
            std::cout << "  " << Text(last.at("message")) << "\n";
        }
    }
    if (const auto* error = object.if_contains("error_message"); error && error->is_string()) {
        std::cout << "  error: " << std::string(error->as_string()) << "\n";
    }
}

}  // namespace waka::ctl
