#include "coordinator/resolver/resolver.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "coordinator/resolver/version_set.hpp"

namespace waka::coordinator::resolver {

namespace {

// A term holds when the package's assignment (a release index or the absent slot) is in `allowed`.
struct Term {
    std::size_t pkg = 0;
    VersionSet allowed;
};

// An incompatibility: its terms must not all hold. External ones carry the sentence that explains
// them; derived ones point at the two incompatibilities they were resolved from.
struct Incompatibility {
    std::vector<Term> terms;
    std::string text;  // empty for derived ones
    int left = -1;
    int right = -1;
};

struct Assignment {
    std::size_t pkg = 0;
    VersionSet allowed;
    int level = 0;
    int cause = -1;  // -1 for a decision
};

struct PackageState {
    // Assignments of this package in order: global index and the running intersection.
    std::vector<std::pair<std::size_t, VersionSet>> stack;
    int decisions = 0;
    bool dependencies_added = false;
};

enum class Relation { kSatisfied, kContradicted, kInconclusive };

std::string JoinVersions(const IndexedComponent& c, std::size_t first, std::size_t last) {
    if (first == last) {
        return c.releases[first].version.ToString() + " needs";
    }
    // Releases are newest first: `last` is the oldest of the group.
    return c.releases[last].version.ToString() + " to " + c.releases[first].version.ToString() +
           " (" + std::to_string(last - first + 1) + " releases) need";
}

class Solver {
public:
    explicit Solver(const Index& index) : index_(index), root_(index.components.size()) {
        packages_.resize(root_ + 1);
        by_pkg_.resize(root_ + 1);
    }

    Expected<Resolution> Run(const Request& request) {
        if (auto added = AddRequest(request); !added) {
            return added.error();
        }
        Decide(root_, 0);
        std::size_t next = root_;
        for (;;) {
            if (auto failure = Propagate(next)) {
                return MakeError(Errc::kConflict, Explain(*failure));
            }
            auto candidate = NextPackage();
            if (!candidate) {
                return Collect();
            }
            next = *candidate;
            if (!packages_[next].dependencies_added) {
                // Learn the package's dependencies first, so that the choice below already knows
                // which releases cannot work.
                AddDependencies(next);
                continue;
            }
            Decide(next, Current(next).FirstRelease());
        }
    }

private:
    std::size_t Releases(std::size_t pkg) const {
        return pkg == root_ ? 1 : index_.components[pkg].releases.size();
    }
    std::string Name(std::size_t pkg) const {
        return pkg == root_ ? "the request" : index_.components[pkg].key;
    }
    VersionSet Current(std::size_t pkg) const {
        const auto& stack = packages_[pkg].stack;
        return stack.empty() ? VersionSet::All(Releases(pkg)) : stack.back().second;
    }
    const VersionSet* CurrentRef(std::size_t pkg) const {
        const auto& stack = packages_[pkg].stack;
        return stack.empty() ? nullptr : &stack.back().second;
    }

    Relation Relate(const Term& term) const {
        const VersionSet* current = CurrentRef(term.pkg);
        if (current == nullptr) {
            return term.allowed.Full() ? Relation::kSatisfied : Relation::kInconclusive;
        }
        if (current->IsSubsetOf(term.allowed)) {
            return Relation::kSatisfied;
        }
        return current->Disjoint(term.allowed) ? Relation::kContradicted : Relation::kInconclusive;
    }

    int AddIncompatibility(Incompatibility incompatibility) {
        // A term that always holds (a dependency on a component without releases) says nothing.
        incompatibility.terms = Merge(std::move(incompatibility.terms));
        incompatibilities_.push_back(std::move(incompatibility));
        const int id = static_cast<int>(incompatibilities_.size()) - 1;
        for (const auto& term : incompatibilities_.back().terms) {
            by_pkg_[term.pkg].push_back(id);
        }
        return id;
    }

    // A set of releases of `pkg` (absent slot excluded) from a predicate on release indexes.
    template <class Pred>
    VersionSet ReleasesWhere(std::size_t pkg, Pred pred) const {
        VersionSet set(Releases(pkg));
        for (std::size_t i = 0; i < Releases(pkg); ++i) {
            if (pred(index_.components[pkg].releases[i])) {
                set.Set(i);
            }
        }
        return set;
    }

    Term RootTerm() const {
        VersionSet root(1);
        root.Set(0);
        return Term{root_, root};
    }

    Expected<std::size_t> Lookup(const std::string& key, const char* what) const {
        if (auto pkg = index_.Find(key)) {
            return *pkg;
        }
        return MakeError(Errc::kInvalidArgument,
                         std::string(what) + " component " + key + " is not in the catalog");
    }

    Expected<void> AddRequest(const Request& request) {
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
                                pin.component + " is pinned to " + pin.pinned_version + " (" +
                                    pin.id + ": \"" + pin.reason + "\")"});
        }
        AddQuarantines(request);
        AddUnstable(named);
        return {};
    }

    static VersionSet WithoutAbsent(VersionSet set) {
        VersionSet absent_only(set.Releases());
        absent_only.Set(set.AbsentSlot());
        return set.Intersect(absent_only.Complement());
    }

    // The releases a request or pin accepts ("latest" = any); records exactly named releases.
    Expected<VersionSet> AddConstraint(std::size_t pkg, const std::string& text,
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
        return ReleasesWhere(pkg,
                             [&](const IndexedRelease& r) { return range->Satisfies(r.version); });
    }

    void AddQuarantines(const Request& request) {
        for (const auto& [key, versions] : request.quarantined) {
            auto pkg = index_.Find(key);
            if (!pkg) {
                continue;  // nothing of an unknown component can be chosen anyway
            }
            for (const auto& text : versions) {
                auto version = semver::ParseVersion(text);
                auto set = ReleasesWhere(*pkg, [&](const IndexedRelease& r) {
                    return version && r.version == *version;
                });
                if (!set.Empty()) {
                    AddIncompatibility(
                        {{Term{*pkg, set}}, key + " " + text + " is quarantined on this instance"});
                }
            }
        }
    }

    void AddUnstable(const std::map<std::size_t, std::set<std::size_t>>& named) {
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
                                    index_.components[pkg].key + " " +
                                        releases[i].version.ToString() +
                                        " is not a stable release (name it exactly to use it)"});
            }
        }
    }

    // One incompatibility per run of consecutive releases depending on the same range.
    void AddDependencies(std::size_t pkg) {
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

    void AddDependency(std::size_t pkg, std::size_t dep, std::size_t first, std::size_t last) {
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

    void Assign(std::size_t pkg, VersionSet allowed, int cause) {
        VersionSet running = Current(pkg).Intersect(allowed);
        assignments_.push_back(Assignment{pkg, std::move(allowed), level_, cause});
        packages_[pkg].stack.emplace_back(assignments_.size() - 1, std::move(running));
        if (cause < 0) {
            ++packages_[pkg].decisions;
        }
        if (packages_[pkg].stack.size() == 1) {
            touched_.push_back(pkg);
        }
    }

    void Decide(std::size_t pkg, std::size_t release) {
        ++level_;
        VersionSet only(Releases(pkg));
        only.Set(release);
        Assign(pkg, std::move(only), -1);
    }

    void Backtrack(int level) {
        while (!assignments_.empty() && assignments_.back().level > level) {
            auto& state = packages_[assignments_.back().pkg];
            if (assignments_.back().cause < 0) {
                --state.decisions;
            }
            state.stack.pop_back();
            assignments_.pop_back();
        }
        level_ = level;
        std::erase_if(touched_, [&](std::size_t p) { return packages_[p].stack.empty(); });
    }

    // The index of the package whose assignment this incompatibility now forces, -1 when it
    // forces nothing, -2 on a conflict (all terms hold).
    long PropagateOne(int id) {
        const auto& terms = incompatibilities_[static_cast<std::size_t>(id)].terms;
        const Term* unsatisfied = nullptr;
        for (const auto& term : terms) {
            switch (Relate(term)) {
                case Relation::kContradicted:
                    return -1;
                case Relation::kInconclusive:
                    if (unsatisfied != nullptr) {
                        return -1;
                    }
                    unsatisfied = &term;
                    break;
                case Relation::kSatisfied:
                    break;
            }
        }
        if (unsatisfied == nullptr) {
            return -2;
        }
        const std::size_t pkg = unsatisfied->pkg;
        Assign(pkg, unsatisfied->allowed.Complement(), id);
        return static_cast<long>(pkg);
    }

    // Unit propagation from `pkg`; the root incompatibility when the request cannot be met.
    std::optional<int> Propagate(std::size_t pkg) {
        std::vector<std::size_t> changed{pkg};
        while (!changed.empty()) {
            const std::size_t p = changed.back();
            changed.pop_back();
            for (std::size_t k = by_pkg_[p].size(); k-- > 0;) {
                const int id = by_pkg_[p][k];
                const long forced = PropagateOne(id);
                if (forced == -2) {
                    auto learned = ResolveConflict(id);
                    if (!learned.second) {
                        return learned.first;
                    }
                    changed.clear();
                    const long again = PropagateOne(learned.first);
                    if (again >= 0) {
                        changed.push_back(static_cast<std::size_t>(again));
                    }
                    break;
                }
                if (forced >= 0 && std::find(changed.begin(), changed.end(),
                                             static_cast<std::size_t>(forced)) == changed.end()) {
                    changed.push_back(static_cast<std::size_t>(forced));
                }
            }
        }
        return std::nullopt;
    }

    // The global index of the earliest assignment of `pkg` after which `allowed` holds.
    std::size_t SatisfierOf(std::size_t pkg, const VersionSet& allowed) const {
        for (const auto& [global, running] : packages_[pkg].stack) {
            if (running.IsSubsetOf(allowed)) {
                return global;
            }
        }
        return assignments_.size();  // unreachable for a satisfied term
    }

    bool IsFailure(const Incompatibility& incompatibility) const {
        const auto& terms = incompatibility.terms;
        return terms.empty() ||
               (terms.size() == 1 && terms[0].pkg == root_ && !terms[0].allowed.HasAbsent());
    }

    // Terms of the same package combine by intersection; always-true terms are dropped.
    static std::vector<Term> Merge(std::vector<Term> terms) {
        std::vector<Term> merged;
        for (auto& term : terms) {
            auto it = std::find_if(merged.begin(), merged.end(),
                                   [&](const Term& t) { return t.pkg == term.pkg; });
            if (it == merged.end()) {
                merged.push_back(std::move(term));
            } else {
                it->allowed = it->allowed.Intersect(term.allowed);
            }
        }
        std::erase_if(merged, [](const Term& t) { return t.allowed.Full(); });
        return merged;
    }

    // PubGrub conflict resolution: derive the root cause, learn it, backjump. Returns the learned
    // incompatibility and whether solving can go on (false: the request is unsatisfiable).
    std::pair<int, bool> ResolveConflict(int id) {
        bool is_new = false;
        Incompatibility current = incompatibilities_[static_cast<std::size_t>(id)];
        while (!IsFailure(current)) {
            std::size_t satisfier = 0;
            std::size_t recent = 0;
            for (std::size_t t = 0; t < current.terms.size(); ++t) {
                const std::size_t s = SatisfierOf(current.terms[t].pkg, current.terms[t].allowed);
                if (t == 0 || s > satisfier) {
                    satisfier = s;
                    recent = t;
                }
            }
            int previous_level = 1;
            for (std::size_t t = 0; t < current.terms.size(); ++t) {
                if (t != recent) {
                    const auto s = SatisfierOf(current.terms[t].pkg, current.terms[t].allowed);
                    previous_level = std::max(previous_level, assignments_[s].level);
                }
            }
            const Assignment& sat = assignments_[satisfier];
            const Term& term = current.terms[recent];
            const VersionSet difference = sat.allowed.Intersect(term.allowed.Complement());
            if (!difference.Empty()) {
                const auto s = SatisfierOf(term.pkg, difference.Complement());
                previous_level = std::max(previous_level, assignments_[s].level);
            }
            if (sat.cause < 0 || previous_level < sat.level) {
                const int learned = is_new ? AddIncompatibility(std::move(current)) : id;
                Backtrack(previous_level);
                return {learned, true};
            }
            const auto& cause = incompatibilities_[static_cast<std::size_t>(sat.cause)];
            std::vector<Term> terms;
            for (std::size_t t = 0; t < current.terms.size(); ++t) {
                if (t != recent) {
                    terms.push_back(current.terms[t]);
                }
            }
            for (const auto& t : cause.terms) {
                if (t.pkg != sat.pkg) {
                    terms.push_back(t);
                }
            }
            if (!difference.Empty()) {
                terms.push_back(Term{sat.pkg, difference.Complement()});
            }
            const int left = is_new ? AddIncompatibility(std::move(current)) : id;
            current = Incompatibility{Merge(std::move(terms)), "", left, sat.cause};
            id = -1;
            is_new = true;
        }
        const int failure = is_new ? AddIncompatibility(std::move(current)) : id;
        return {failure, false};
    }

    std::optional<std::size_t> NextPackage() const {
        std::optional<std::size_t> best;
        std::size_t best_count = 0;
        for (std::size_t pkg : touched_) {
            if (packages_[pkg].decisions > 0) {
                continue;
            }
            const VersionSet& current = packages_[pkg].stack.back().second;
            if (current.HasAbsent()) {
                continue;
            }
            const std::size_t count = current.CountReleases();
            if (!best || count < best_count || (count == best_count && pkg < *best)) {
                best = pkg;
                best_count = count;
            }
        }
        return best;
    }

    Resolution Collect() const {
        Resolution out;
        for (std::size_t pkg : touched_) {
            if (pkg == root_) {
                continue;
            }
            const VersionSet& current = packages_[pkg].stack.back().second;
            const std::size_t release = current.FirstRelease();
            if (!current.HasAbsent() && release < Releases(pkg)) {
                out.versions.emplace(index_.components[pkg].key,
                                     index_.components[pkg].releases[release].version.ToString());
            }
        }
        return out;
    }

    // The external facts behind a failure, in derivation order, each once.
    std::string Explain(int failure) const {
        std::vector<std::string> facts;
        std::set<int> seen;
        std::vector<std::pair<int, bool>> stack{{failure, false}};
        while (!stack.empty()) {
            auto [id, expanded] = stack.back();
            stack.pop_back();
            const auto& inc = incompatibilities_[static_cast<std::size_t>(id)];
            if (!expanded && !seen.insert(id).second) {
                continue;
            }
            if (inc.left < 0) {
                facts.push_back(inc.text);
            } else if (!expanded) {
                stack.emplace_back(id, true);
                stack.emplace_back(inc.right, false);
                stack.emplace_back(inc.left, false);
            }
        }
        std::string out;
        for (const auto& fact : facts) {
            out += (out.empty() ? "" : "; ") + fact;
        }
        return out + "; so no set of versions satisfies the request";
    }

    const Index& index_;
    const std::size_t root_;
    std::vector<PackageState> packages_;
    std::vector<std::vector<int>> by_pkg_;
    std::vector<Incompatibility> incompatibilities_;
    std::vector<Assignment> assignments_;
    std::vector<std::size_t> touched_;
    int level_ = 0;
};

}  // namespace

Expected<Resolution> Resolve(const Index& index, const Request& request) {
    Solver solver(index);
    return solver.Run(request);
}

Expected<std::optional<std::string>> WhyNot(const Index& index, Request request,
                                            const std::string& component,
                                            const std::string& version) {
    request.constraints[component] = version;
    auto result = Resolve(index, request);
    if (result) {
        return std::optional<std::string>();
    }
    if (result.error().Is(Errc::kConflict)) {
        return std::optional<std::string>(result.error().message);
    }
    return result.error();
}

Expected<Resolution> Resolve(const Catalog& catalog, const Request& request) {
    auto index = BuildIndex(catalog);
    if (!index) {
        return index.error();
    }
    return Resolve(*index, request);
}

}  // namespace waka::coordinator::resolver
