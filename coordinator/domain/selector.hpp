#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/error.hpp"

// Label selectors (ADR 0036): which instances an operation targets, written in the Kubernetes
// syntax. Pure, no storage; pg/selector_sql evaluates the same semantics in PostgreSQL.
namespace waka::coordinator::domain {

// "k=v" and "k==v" are kIn with one value; "k!=v" is kNotIn with one value.
enum class SelectorOp { kIn, kNotIn, kExists, kNotExists };

struct LabelRequirement {
    std::string key;
    SelectorOp op = SelectorOp::kIn;
    std::vector<std::string> values;  // sorted, unique; empty for kExists/kNotExists
    bool operator==(const LabelRequirement&) const = default;
};

struct Selector {
    std::vector<LabelRequirement> requirements;  // all must hold (AND); empty = every instance
    bool operator==(const Selector&) const = default;
};

inline constexpr std::size_t kMaxSelectorLength = 4096;  // characters in all
inline constexpr std::size_t kMaxSelectorRequirements = 64;
inline constexpr std::size_t kMaxSelectorValues = 256;  // values in one set
inline constexpr std::size_t kMaxSelectorValueLength = 256;

// Kubernetes-style syntax: "env=prod,region in (lagos,abuja),tier!=db,canary,!legacy,zone notin
// (x)". Blanks around tokens are ignored; an empty text selects every instance. Keys follow the id
// rule of instance labels (waka::IsValidId: [A-Za-z0-9._-], starting with a letter or digit);
// values are 0-256 printable characters other than blanks and , ( ) = ! (a set needs at least one
// value). At most 64 requirements, 256 values per set, 4096 characters in all.
// The answer is normalised: requirements sorted by key (then operator, then values), exact
// duplicates dropped, values sorted and unique, so equal meanings written differently compare
// equal. Errors: kInvalidArgument whose message names the problem and the 1-based character
// position or the requirement, e.g. "at character 9: expected '(' after 'in'".
[[nodiscard]] Expected<Selector> ParseSelector(std::string_view text);

// The canonical form ("canary,env=prod,region in (abuja,lagos)"); ParseSelector(ToString(s)) == s
// for every s that ParseSelector answered.
[[nodiscard]] std::string ToString(const Selector& selector);

// Every requirement holds for `labels`. kNotIn and kNotExists match instances without the key
// (Kubernetes semantics).
[[nodiscard]] bool Matches(const Selector& selector,
                           const std::map<std::string, std::string>& labels);

}  // namespace waka::coordinator::domain
