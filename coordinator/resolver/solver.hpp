#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/resolver/resolver.hpp"
#include "coordinator/resolver/version_set.hpp"

// Internal to the resolver: the PubGrub-style solver behind Resolve (docs/resolution.md). Its
// member functions live in three files by concern: solver.cpp (the search: assignments,
// propagation, decisions), solver_facts.cpp (the incompatibilities a request and the catalog
// start with) and solver_conflict.cpp (conflict resolution and the refusal's explanation).
namespace waka::coordinator::resolver {

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

// One resolution over an Index; single use, not thread-safe.
class Solver {
public:
    explicit Solver(const Index& index) : index_(index), root_(index.components.size()) {
        packages_.resize(root_ + 1);
        by_pkg_.resize(root_ + 1);
    }

    Expected<Resolution> Run(const Request& request);

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

    int AddIncompatibility(Incompatibility incompatibility);

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

    Expected<std::size_t> Lookup(const std::string& key, const char* what) const;

    Expected<void> AddRequest(const Request& request);

    static VersionSet WithoutAbsent(VersionSet set) {
        VersionSet absent_only(set.Releases());
        absent_only.Set(set.AbsentSlot());
        return set.Intersect(absent_only.Complement());
    }

    // The releases a request or pin accepts ("latest" = any); records exactly named releases.
    Expected<VersionSet> AddConstraint(std::size_t pkg, const std::string& text,
                                       std::map<std::size_t, std::set<std::size_t>>& named);

    void AddQuarantines(const Request& request);

    void AddUnstable(const std::map<std::size_t, std::set<std::size_t>>& named);

    // One incompatibility per run of consecutive releases depending on the same range.
    void AddDependencies(std::size_t pkg);

    void AddDependency(std::size_t pkg, std::size_t dep, std::size_t first, std::size_t last);

    void Assign(std::size_t pkg, VersionSet allowed, int cause);

    void Decide(std::size_t pkg, std::size_t release);

    void Backtrack(int level);

    // The index of the package whose assignment this incompatibility now forces, -1 when it
    // forces nothing, -2 on a conflict (all terms hold).
    long PropagateOne(int id);

    // Unit propagation from `pkg`; the root incompatibility when the request cannot be met.
    std::optional<int> Propagate(std::size_t pkg);

    // The global index of the earliest assignment of `pkg` after which `allowed` holds.
    std::size_t SatisfierOf(std::size_t pkg, const VersionSet& allowed) const;

    bool IsFailure(const Incompatibility& incompatibility) const;

    // Terms of the same package combine by intersection; always-true terms are dropped.
    static std::vector<Term> Merge(std::vector<Term> terms);

    // PubGrub conflict resolution: derive the root cause, learn it, backjump. Returns the learned
    // incompatibility and whether solving can go on (false: the request is unsatisfiable).
    std::pair<int, bool> ResolveConflict(int id);

    std::optional<std::size_t> NextPackage() const;

    // Counts one step; true once the budget is spent (then the search stops).
    bool Step() {
        exhausted_ = exhausted_ || (max_steps_ != 0 && ++steps_ > max_steps_);
        return exhausted_;
    }
    Error BudgetError() const;

    Resolution Collect() const;

    // The external facts behind a failure, in derivation order, each once.
    std::string Explain(int failure) const;

    const Index& index_;
    const std::size_t root_;
    std::vector<PackageState> packages_;
    std::vector<std::vector<int>> by_pkg_;
    std::vector<Incompatibility> incompatibilities_;
    std::vector<Assignment> assignments_;
    std::vector<std::size_t> touched_;
    int level_ = 0;
    std::size_t max_steps_ = 0;  // 0: no budget
    std::size_t steps_ = 0;
    bool exhausted_ = false;
};

}  // namespace waka::coordinator::resolver
