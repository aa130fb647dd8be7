#include "coordinator/api/router.hpp"

#include <algorithm>

namespace waka::coordinator::api {
namespace {

bool IsParam(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Specificity as a string: '1' for a literal segment, '0' for a parameter, so that the greater
// rank is the one with literal segments further left.
std::optional<std::string> Match(const std::vector<std::string>& pattern,
                                 const std::vector<std::string>& segments,
                                 std::map<std::string, std::string, std::less<>>& params) {
    if (pattern.size() != segments.size()) {
        return std::nullopt;
    }
    std::string rank;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (IsParam(pattern[i])) {
            if (segments[i].empty()) {
                return std::nullopt;
            }
            params[pattern[i].substr(1, pattern[i].size() - 2)] = segments[i];
            rank += '0';
        } else if (pattern[i] == segments[i]) {
            rank += '1';
        } else {
            return std::nullopt;
        }
    }
    return rank;
}

}  // namespace

const std::string& Call::Param(std::string_view name) const {
    static const std::string kEmpty;
    auto it = params.find(name);
    return it == params.end() ? kEmpty : it->second;
}

std::vector<std::string> SplitPath(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = path.starts_with('/') ? 1 : 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        segments.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    // "/api/v1/versions/" names the same resource as "/api/v1/versions".
    if (segments.size() > 1 && segments.back().empty()) {
        segments.pop_back();
    }
    return segments;
}

void Router::Add(Route route) {
    std::vector<std::string> segments = SplitPath(route.pattern);
    routes_.push_back({std::move(route), std::move(segments)});
}

RouteMatch Router::Find(std::string_view method, std::string_view path) const {
    std::vector<std::string> segments = SplitPath(path);
    RouteMatch best;
    std::string best_rank;
    std::vector<std::string> methods_of_best;
    for (const Compiled& compiled : routes_) {
        std::map<std::string, std::string, std::less<>> params;
        auto rank = Match(compiled.segments, segments, params);
        if (!rank || *rank < best_rank) {
            continue;
        }
        if (*rank > best_rank) {
            best_rank = *rank;
            best = RouteMatch{};
            methods_of_best.clear();
        }
        methods_of_best.push_back(compiled.route.method);
        if (compiled.route.method == method) {
            best.route = &compiled.route;
            best.params = std::move(params);
        }
    }
    if (best.route == nullptr) {
        std::sort(methods_of_best.begin(), methods_of_best.end());
        methods_of_best.erase(std::unique(methods_of_best.begin(), methods_of_best.end()),
                              methods_of_best.end());
        best.allowed = std::move(methods_of_best);
    }
    return best;
}

}  // namespace waka::coordinator::api
