#include <algorithm>

#include "coordinator/resolver/solver.hpp"

namespace waka::coordinator::resolver {

std::size_t Solver::SatisfierOf(std::size_t pkg, const VersionSet& allowed) const {
    for (const auto& [global, running] : packages_[pkg].stack) {
        if (running.IsSubsetOf(allowed)) {
            return global;
        }
    }
    return assignments_.size();  // unreachable for a satisfied term
}

bool Solver::IsFailure(const Incompatibility& incompatibility) const {
    const auto& terms = incompatibility.terms;
    return terms.empty() ||
           (terms.size() == 1 && terms[0].pkg == root_ && !terms[0].allowed.HasAbsent());
}

std::pair<int, bool> Solver::ResolveConflict(int id) {
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

std::string Solver::Explain(int failure) const {
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

}  // namespace waka::coordinator::resolver
