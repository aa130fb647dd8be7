#include "coordinator/resolver/catalog.hpp"

#include <algorithm>
#include <functional>

namespace waka::coordinator::resolver {

std::vector<Pin> FilterActivePins(const std::vector<Pin>& pins,
                                  std::chrono::system_clock::time_point now) {
    std::vector<Pin> active;
    for (const auto& pin : pins) {
        if (!pin.expires_at || *pin.expires_at > now) {
            active.push_back(pin);
        }
    }
    return active;
}

namespace {

enum class Mark { kNew, kOnPath, kDone };

// Depth-first search; the path holds the keys currently on the stack.
bool Visit(const std::string& key, const std::map<std::string, std::vector<std::string>>& edges,
           std::map<std::string, Mark>& marks, std::vector<std::string>& path) {
    marks[key] = Mark::kOnPath;
    path.push_back(key);
    if (auto it = edges.find(key); it != edges.end()) {
        for (const auto& next : it->second) {
            const Mark mark = marks.contains(next) ? marks[next] : Mark::kNew;
            if (mark == Mark::kOnPath) {
                path.erase(path.begin(), std::find(path.begin(), path.end(), next));
                path.push_back(next);
                return true;
            }
            if (mark == Mark::kNew && Visit(next, edges, marks, path)) {
                return true;
            }
        }
    }
    path.pop_back();
    marks[key] = Mark::kDone;
    return false;
}

}  // namespace

std::optional<std::vector<std::string>> FindCycle(const Catalog& catalog) {
    std::map<std::string, std::vector<std::string>> edges;
    for (const auto& [key, releases] : catalog.components) {
        auto& out = edges[key];
        for (const auto& release : releases) {
            for (const auto& [dep, range] : release.dependencies) {
                if (std::find(out.begin(), out.end(), dep) == out.end()) {
                    out.push_back(dep);
                }
            }
        }
    }
    std::map<std::string, Mark> marks;
    for (const auto& [key, unused] : edges) {
        std::vector<std::string> path;
        if (!marks.contains(key) && Visit(key, edges, marks, path)) {
            return path;
        }
    }
    return std::nullopt;
}

std::optional<std::size_t> Index::Find(std::string_view key) const {
    if (auto it = by_key.find(key); it != by_key.end()) {
        return it->second;
    }
    return std::nullopt;
}

namespace {

std::size_t Intern(Index& index, const std::string& key) {
    if (auto found = index.Find(key)) {
        return *found;
    }
    index.components.push_back(IndexedComponent{key, {}});
    index.by_key.emplace(key, index.components.size() - 1);
    return index.components.size() - 1;
}

Expected<IndexedRelease> IndexRelease(Index& index, const std::string& key,
                                      const Release& release) {
    auto version = semver::ParseVersion(release.version);
    if (!version) {
        return version.error().WithContext(key);
    }
    IndexedRelease out{*version, release.stable, {}};
    for (const auto& [dep, text] : release.dependencies) {
        if (auto range = semver::ParseRange(text); !range) {
            return range.error().WithContext(key + " " + release.version + " dependency " + dep);
        }
        out.dependencies.push_back(IndexedDependency{Intern(index, dep), text, 0});
    }
    return out;
}

VersionSet AcceptedBy(const IndexedComponent& target, const semver::Range& range) {
    VersionSet set(target.releases.size());
    for (std::size_t i = 0; i < target.releases.size(); ++i) {
        if (range.Satisfies(target.releases[i].version)) {
            set.Set(i);
        }
    }
    return set;
}

// Ranges were validated while indexing, so parsing cannot fail here.
void ComputeRangeSets(Index& index) {
    std::map<std::pair<std::size_t, std::string>, std::size_t> seen;
    for (auto& component : index.components) {
        for (auto& release : component.releases) {
            for (auto& dep : release.dependencies) {
                const auto key = std::make_pair(dep.component, dep.range);
                if (auto it = seen.find(key); it != seen.end()) {
                    dep.range_set = it->second;
                    continue;
                }
                const auto range = semver::ParseRange(dep.range);
                index.range_sets.push_back(AcceptedBy(index.components[dep.component], *range));
                dep.range_set = index.range_sets.size() - 1;
                seen.emplace(key, dep.range_set);
            }
        }
    }
}

}  // namespace

Expected<Index> BuildIndex(const Catalog& catalog) {
    Index index;
    for (const auto& [key, releases] : catalog.components) {
        Intern(index, key);
    }
    for (const auto& [key, releases] : catalog.components) {
        std::vector<IndexedRelease> indexed;
        for (const auto& release : releases) {
            auto r = IndexRelease(index, key, release);
            if (!r) {
                return r.error();
            }
            indexed.push_back(std::move(*r));
        }
        std::sort(indexed.begin(), indexed.end(),
                  [](const auto& a, const auto& b) { return b.version < a.version; });
        for (std::size_t i = 1; i < indexed.size(); ++i) {
            if (indexed[i].version == indexed[i - 1].version) {
                return MakeError(
                    Errc::kInvalidArgument,
                    key + " lists release " + indexed[i].version.ToString() + " twice");
            }
        }
        index.components[*index.Find(key)].releases = std::move(indexed);
    }
    ComputeRangeSets(index);
    return index;
}

}  // namespace waka::coordinator::resolver
