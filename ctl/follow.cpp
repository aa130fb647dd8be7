#include "ctl/follow.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "ctl/output.hpp"
#include "ctl/progress.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr const char* kClearLine = "\r\033[K";

// Where the agent is: its latest step and the component it names.
struct Position {
    std::string step;
    std::string component;  // "type:name", or empty
};

// The agent's progress events read "<step> <type:name>[ (N bytes)]".
std::string ComponentOf(const std::string& step, const std::string& message) {
    if (!message.starts_with(step + " ")) {
        return {};
    }
    const std::string rest = message.substr(step.size() + 1);
    const auto space = rest.find(' ');
    const std::string word = rest.substr(0, space);
    return word.find(':') != std::string::npos ? word : std::string();
}

struct Event {
    std::string at;
    std::string status;
    std::string step;
    std::string message;
};

Expected<Event> ReadEvent(const json::value& e) {
    Event event;
    for (auto [key, field] :
         {std::pair{"at", &event.at}, std::pair{"status", &event.status},
          std::pair{"step", &event.step}, std::pair{"message", &event.message}}) {
        auto text = Field(e, key);
        if (!text) {
            return text.error();
        }
        *field = std::move(*text);
    }
    return event;
}

// Prints the events from index `printed` on; moves `position` to the last one.
Expected<void> PrintNewEvents(const Globals& globals, const json::object& deployment, bool tty,
                              std::size_t& printed, Position& position) {
    const auto* events = deployment.if_contains("events");
    if (events == nullptr || !events->is_array()) {
        return {};
    }
    const auto& list = events->get_array();
    for (; printed < list.size(); ++printed) {
        auto e = ReadEvent(list[printed]);
        if (!e) {
            return e.error();
        }
        if (!e->step.empty() && e->step != "-") {  // status changes carry no step: keep the agent's
            position = {e->step, ComponentOf(e->step, e->message)};
        }
        if (tty) {
            std::cout << kClearLine;
        }
        if (!globals.json_output) {
            std::cout << e->at << "  " << e->status << "  " << e->step << "  " << e->message
                      << "\n";
        }
    }
    return {};
}

// "[deploying] deploy-...  [#####---------------]  25%  download platform:x  (of 1.2 MB)"
void PrintLiveLine(const json::value& deployment, const std::string& id, const std::string& status,
                   const Position& position) {
    std::cout << kClearLine << "[" << status << "] " << id;
    if (const auto fraction = ProgressFraction(deployment, position.step, position.component)) {
        std::cout << "  " << ProgressBar(*fraction);
    }
    if (!position.step.empty()) {
        std::cout << "  " << position.step
                  << (position.component.empty() ? "" : " " + position.component);
        if (const std::string transfer = TransferText(deployment, position.step);
            !transfer.empty()) {
            std::cout << "  " << transfer;
        }
    }
    if (const std::string size = PlanSize(deployment); !size.empty() && status == "deploying") {
        std::cout << "  (of " << size << ")";
    }
    std::cout << std::flush;
}

void PrintOutcome(const Globals& globals, const json::value& deployment, const std::string& id,
                  const std::string& status, const std::string& noun) {
    if (globals.json_output) {
        PrintPretty(deployment, std::cout);
        std::cout << "\n";
        return;
    }
    std::cout << noun << " " << id << " " << status;
    const auto* object = deployment.if_object();
    if (const auto* error = object != nullptr ? object->if_contains("error_message") : nullptr;
        error != nullptr && error->is_string()) {
        std::cout << ": " << std::string(error->get_string());
    }
    std::cout << "\n";
}

}  // namespace

bool IsTerminalStatus(const std::string& status) {
    return status == "deployed" || status == "failed" || status == "rolled_back" ||
           status == "rejected" || status == "expired" || status == "cancelled";
}

Expected<int> WaitDeployment(const Globals& globals, const Client& client, const std::string& id,
                             int timeout_seconds, const std::string& noun) {
    const bool tty = ::isatty(STDOUT_FILENO) == 1 && !globals.json_output;
    std::size_t printed = 0;
    Position position;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    for (;;) {
        auto deployment = client.Call("GET", "/api/v1/deployments/" + UrlEncode(id));
        if (!deployment) {
            return deployment.error();
        }
        auto status = Field(*deployment, "status");
        if (!status) {
            return status.error();
        }
        if (auto shown = PrintNewEvents(globals, deployment->get_object(), tty, printed, position);
            !shown) {
            return shown.error();
        }
        if (tty) {
            PrintLiveLine(*deployment, id, *status, position);
        }
        if (IsTerminalStatus(*status)) {
            if (tty) {
                std::cout << kClearLine;
            }
            PrintOutcome(globals, *deployment, id, *status, noun);
            return *status == "deployed" ? 0 : 1;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            return Fail("wakactl: " + noun + " " + id + " still " + *status + " after " +
                            std::to_string(timeout_seconds) + " s",
                        Errc::kTimeout);
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
