#include "coordinator/resolver/solver.hpp"

namespace waka::coordinator::resolver {

namespace {

std::string JoinVersions(const IndexedComponent& c, std::size_t first, std::size_t last) {
    if (first == last) {
        return c.releases[first].version.ToString() + " needs";
    }
    // Releases are newest first: `last` is the oldest of the group.
    return c.releases[last].version.ToString() + " to " + c.releases[first].version.ToString() +
           " (" + std::to_string(last - first + 1) + " releases) need";
}

}  // namespace

Expected<std::size_t> Solver::Lookup(const std::string& key, const char* what) const {
    if (auto pkg = index_.Find(key)) {
        return *pkg;
    }
    return MakeError(Errc::kInvalidArgument,
                     std::string(what) + " component " + key + " is not in the catalog");
}

Expected<void> Solver::AddRequest(const Request& request) {
    std::map<std::size_t, std::set<std::size_t>> named;  // releases named exactly
    for (const auto& [key, text] : request.constraints) {
        auto pkg = Lookup(key, "requested");
        if (!pkg) {
            return pkg.error();
        }
        auto accepted = AddConstraint(*pkg, text, named);
        if (!accepted) {
            return accepted.error();
        }
        std::vector<Term> terms{RootTerm(), Term{*pkg, accepted->Complement()}};
        AddIncompatibility({std::move(terms), "requested " + key + " " + text});
    }
    for (const auto& pin : request.pins) {
        auto pkg = Lookup(pin.component, "pinned");
        if (!pkg) {
            return pkg.error();
        }
        auto accepted = AddConstraint(*pkg, pin.pinned_version, named);
        if (!accepted) {
            return accepted.error().WithContext("pin " + pin.id);
        }
        AddIncompatibility({{Term{*pkg, WithoutAbsent(accepted->Complement())}},
                            pin.component + " is pinned to " + pin.pinned_version + " (" + pin.id +
                                ": \"" + pin.reason + "\")"});
    }
    AddQuarantines(request);
    AddUnstable(named);
    return {};
}

Expected<VersionSet> Solver::AddConstraint(std::size_t pkg, const std::string& text,
                                           std::map<std::size_t, std::set<std::size_t>>& named) {
    auto range = semver::ParseRange(text == "latest" ? "*" : text);
    if (!range) {
        return range.error().WithContext(index_.components[pkg].key);
    }
    if (auto exact = semver::ParseVersion(text)) {
        const auto& releases = index_.components[pkg].releases;
        for (std::size_t i = 0; i < releases.size(); ++i) {
            if (releases[i].version == *exact) {
                named[pkg].insert(i);
            }
        }
    }
    return ReleasesWhere(pkg, [&](const IndexedRelease& r) { return range->Satisfies(r.version); });
}

void Solver::AddQuarantines(const Request& request) {
    for (const auto& [key, versions] : request.quarantined) {
        auto pkg = index_.Find(key);
        if (!pkg) {
            continue;  // nothing of an unknown component can be chosen anyway
        }
        for (const auto& text : versions) {
            auto version = semver::ParseVersion(text);
            auto set = ReleasesWhere(
                *pkg, [&](const IndexedRelease& r) { return version && r.version == *version; });
            if (!set.Empty()) {
                AddIncompatibility(
                    {{Term{*pkg, set}}, key + " " + text + " is quarantined on this instance"});
            }
        }
    }
}

void Solver::AddUnstable(const std::map<std::size_t, std::set<std::size_t>>& named) {
    for (std::size_t pkg = 0; pkg < root_; ++pkg) {
        const auto& releases = index_.components[pkg].releases;
        for (std::size_t i = 0; i < releases.size(); ++i) {
            const auto it = named.find(pkg);
            if (releases[i].stable || (it != named.end() && it->second.contains(i))) {
                continue;
            }
            VersionSet set(releases.size());
            set.Set(i);
            AddIncompatibility({{Term{pkg, set}},
                                index_.components[pkg].key + " " + releases[i].version.ToString() +
                                    " is not a stable release (name it exactly to use it)"});
        }
    }
}

void Solver::AddDependencies(std::size_t pkg) {
    packages_[pkg].dependencies_added = true;
    const auto& component = index_.components[pkg];
    std::map<std::size_t, std::pair<std::size_t, std::size_t>> open;  // dep -> (first, set)
    for (std::size_t i = 0; i <= component.releases.size(); ++i) {
        std::map<std::size_t, std::size_t> here;
        if (i < component.releases.size()) {
            for (const auto& dep : component.releases[i].dependencies) {
                here.emplace(dep.component, dep.range_set);
            }
        }
        for (auto it = open.begin(); it != open.end();) {
            auto h = here.find(it->first);
            if (h != here.end() && h->second == it->second.second) {
                ++it;
                continue;
            }
            AddDependency(pkg, it->first, it->second.first, i - 1);
            it = open.erase(it);
        }
        for (const auto& [dep, set] : here) {
            open.try_emplace(dep, i, set);
        }
    }
}

void Solver::AddDependency(std::size_t pkg, std::size_t dep, std::size_t first, std::size_t last) {
    const auto& component = index_.components[pkg];
    const IndexedDependency* spec = nullptr;
    for (const auto& d : component.releases[first].dependencies) {
        if (d.component == dep) {
            spec = &d;
        }
    }
    VersionSet group(component.releases.size());
    for (std::size_t i = first; i <= last; ++i) {
        group.Set(i);
    }
    const VersionSet& accepted = index_.range_sets[spec->range_set];
    std::string text = component.key + " " + JoinVersions(component, first, last) + " " +
                       index_.components[dep].key + " " + spec->range;
    if (index_.components[dep].releases.empty()) {
        text += ", which is not in the catalog";
    } else if (accepted.Empty()) {
        text += ", which no release of it matches";
    }
    AddIncompatibility({{Term{pkg, group}, Term{dep, accepted.Complement()}}, std::move(text)});
}

}  // namespace waka::coordinator::resolver
