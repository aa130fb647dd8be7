#include "coordinator/resolver/solver.hpp"

#include <algorithm>

namespace waka::coordinator::resolver {

Expected<Resolution> Solver::Run(const Request& request) {
    max_steps_ = request.max_steps;
    if (auto added = AddRequest(request); !added) {
        return added.error();
    }
    Decide(root_, 0);
    std::size_t next = root_;
    for (;;) {
        auto failure = Propagate(next);
        if (exhausted_ || Step()) {
            return BudgetError();
        }
        if (failure) {
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

int Solver::AddIncompatibility(Incompatibility incompatibility) {
    // A term that always holds (a dependency on a component without releases) says nothing.
    incompatibility.terms = Merge(std::move(incompatibility.terms));
    incompatibilities_.push_back(std::move(incompatibility));
    const int id = static_cast<int>(incompatibilities_.size()) - 1;
    for (const auto& term : incompatibilities_.back().terms) {
        by_pkg_[term.pkg].push_back(id);
    }
    return id;
}

void Solver::Assign(std::size_t pkg, VersionSet allowed, int cause) {
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

void Solver::Decide(std::size_t pkg, std::size_t release) {
    ++level_;
    VersionSet only(Releases(pkg));
    only.Set(release);
    Assign(pkg, std::move(only), -1);
}

void Solver::Backtrack(int level) {
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

long Solver::PropagateOne(int id) {
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

std::optional<int> Solver::Propagate(std::size_t pkg) {
    std::vector<std::size_t> changed{pkg};
    while (!changed.empty()) {
        const std::size_t p = changed.back();
        changed.pop_back();
        for (std::size_t k = by_pkg_[p].size(); k-- > 0;) {
            const int id = by_pkg_[p][k];
            const long forced = PropagateOne(id);
            if (forced == -2) {
                // Conflicts are where the search's cost hides (each one backjumps and may undo
                // many decisions), so each one spends a step too.
                if (Step()) {
                    return std::nullopt;
                }
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

std::vector<Term> Solver::Merge(std::vector<Term> terms) {
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

std::optional<std::size_t> Solver::NextPackage() const {
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

Error Solver::BudgetError() const {
    return MakeError(Errc::kTooComplex,
                     "the resolution is too complex: it needs more than " +
                         std::to_string(max_steps_) +
                         " solver steps (the step budget, resolver.max_steps); narrow the "
                         "constraints or pin some components");
}

Resolution Solver::Collect() const {
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

}  // namespace waka::coordinator::resolver
