#include "ctl/progress.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <vector>

namespace waka::ctl {
namespace {

namespace json = boost::json;

std::vector<std::string> PlanComponents(const json::value& deployment) {
    std::vector<std::string> components;
    const auto* plan =
        deployment.is_object() ? deployment.as_object().if_contains("plan") : nullptr;
    if (plan == nullptr || !plan->is_array()) {
        return components;
    }
    for (const auto& step : plan->as_array()) {
        const auto* type =
            step.is_object() ? step.as_object().if_contains("component_type") : nullptr;
        const auto* name =
            step.is_object() ? step.as_object().if_contains("component_name") : nullptr;
        if (type != nullptr && name != nullptr && type->is_string() && name->is_string()) {
            components.push_back(std::string(type->as_string()) + ":" +
                                 std::string(name->as_string()));
        }
    }
    return components;
}

// Units done once `step` of component number `i` of `n` has started (each step counts one unit).
std::optional<int> UnitsDone(const std::string& step, int i, int n) {
    if (step == "download") return 2 * i + 1;
    if (step == "unpack") return 2 * i + 2;
    if (step == "pre_activate") return 2 * n + 3 * i + 1;
    if (step == "switch") return 2 * n + 3 * i + 2;
    if (step == "post_activate") return 2 * n + 3 * i + 3;
    if (step == "health_check") return 5 * n + i + 1;
    return std::nullopt;
}

}  // namespace

std::optional<double> ProgressFraction(const json::value& deployment, const std::string& step,
                                       const std::string& component) {
    const auto components = PlanComponents(deployment);
    const int n = static_cast<int>(components.size());
    const int total = 6 * n + 1;
    if (step == "commit") {
        return 1.0;
    }
    for (int i = 0; i < n; ++i) {
        if (components[static_cast<std::size_t>(i)] == component) {
            const auto done = UnitsDone(step, i, n);
            return done ? std::optional(static_cast<double>(*done) / total) : std::nullopt;
        }
    }
    return std::nullopt;
}

std::string ProgressBar(double fraction, int width) {
    fraction = std::clamp(fraction, 0.0, 1.0);
    const int filled = static_cast<int>(std::lround(fraction * width));
    char percent[8];
    std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(std::lround(fraction * 100)));
    return "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(width - filled), '-') + "] " + percent;
}

std::string PlanSize(const json::value& deployment) {
    const auto* plan =
        deployment.is_object() ? deployment.as_object().if_contains("plan") : nullptr;
    if (plan == nullptr || !plan->is_array()) {
        return {};
    }
    double bytes = 0;
    bool any = false;
    for (const auto& step : plan->as_array()) {
        const auto* size = step.is_object() ? step.as_object().if_contains("size") : nullptr;
        if (size != nullptr && size->is_number()) {
            bytes += size->to_number<double>();
            any = true;
        }
    }
    if (!any) {
        return {};
    }
    return HumanBytes(bytes);
}

std::string HumanBytes(double bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int unit = 0;
    while (bytes >= 1000 && unit < 4) {
        bytes /= 1000;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
    return text;
}

std::string TransferText(const json::value& deployment, const std::string& step) {
    const auto* progress =
        deployment.is_object() ? deployment.as_object().if_contains("progress") : nullptr;
    if (progress == nullptr || !progress->is_object()) {
        return {};
    }
    const auto& report = progress->as_object();
    const auto* reported_step = report.if_contains("step");
    const auto* done = report.if_contains("bytes_done");
    const auto* total = report.if_contains("bytes_total");
    if (reported_step == nullptr || !reported_step->is_string() ||
        reported_step->as_string() != step || done == nullptr || !done->is_number() ||
        total == nullptr || !total->is_number() || total->to_number<double>() <= 0) {
        return {};
    }
    return HumanBytes(done->to_number<double>()) + " / " + HumanBytes(total->to_number<double>());
}

}  // namespace waka::ctl
