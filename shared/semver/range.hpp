#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/core/error.hpp"
#include "shared/semver/version.hpp"

// Version ranges with node-semver (npm) syntax and semantics.
//
// Grammar: alternatives separated by "||"; each alternative is either a hyphen range "A - B" or a
// space-separated conjunction of comparators. A comparator is an optional operator (one of
// < <= > >= = ^ ~) followed by a full or partial version; whitespace between the operator and the
// version is allowed (">= 1.2.3"). Partial versions use x, X or * (or omission) for missing parts.
//
//   1.2.3, =1.2.3   exactly that version (build metadata ignored)
//   1.2, 1.2.x      >=1.2.0 <1.3.0-0
//   1, 1.x          >=1.0.0 <2.0.0-0
//   *, x            any release
//   >1.2            >=1.3.0
//   <=1.2           <1.3.0-0
//   <1.2            <1.2.0-0
//   ~1.5.2          >=1.5.2 <1.6.0-0
//   ~1.5            >=1.5.0 <1.6.0-0
//   ~1              >=1.0.0 <2.0.0-0
//   ^1.5            >=1.5.0 <2.0.0-0
//   ^0.2.3          >=0.2.3 <0.3.0-0
//   ^0.0.3          >=0.0.3 <0.0.4-0
//   ^0.0            >=0.0.0 <0.1.0-0
//   ^0              >=0.0.0 <1.0.0-0
//   1.2.3 - 2.3.4   >=1.2.3 <=2.3.4
//   1.2 - 2.3       >=1.2.0 <2.4.0-0
//
// Pre-release rule (as npm): a version with a pre-release tag satisfies an alternative only if it
// satisfies every comparator AND some comparator of that alternative names the same
// [major, minor, patch] with a pre-release tag. So ">=1.2.3-beta.1" accepts 1.2.3-beta.2 but not
// 1.2.4-alpha, and "^1.0" / "*" never accept a pre-release. Opting into pre-releases therefore
// means writing one in the range.
//
// Strictness: numeric parts follow SemVer (no leading zeros, 64 bits); a part after a wildcard must
// be a wildcard too ("1.x.3" is refused); pre-release tags only on full versions; the empty range
// is refused (write "*"). Ranges whose bounds would need a version past 2^64-1 are refused.
namespace waka::semver {

enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual };

// One primitive bound. Every range form is reduced to a list of these.
struct Comparator {
    Op op = Op::kGreaterEqual;
    Version version;

    [[nodiscard]] bool Matches(const Version& v) const;
    // ">=1.2.0", "<2.0.0-0".
    [[nodiscard]] std::string ToString() const;
};

class Range {
public:
    // True when some alternative accepts v (see the pre-release rule above).
    [[nodiscard]] bool Satisfies(const Version& v) const;
    // The range as written, whitespace normalised: "^1.5 || >=2.0.0 <3.0.0".
    [[nodiscard]] std::string ToString() const { return text_; }
    // The reduced primitive form, for explanations: ">=1.5.0 <2.0.0-0 || >=2.0.0 <3.0.0".
    [[nodiscard]] std::string ToPrimitiveString() const;
    [[nodiscard]] const std::vector<std::vector<Comparator>>& Alternatives() const {
        return alternatives_;
    }

private:
    friend Expected<Range> ParseRange(std::string_view text);

    std::string text_;
    // An empty inner list accepts every release.
    std::vector<std::vector<Comparator>> alternatives_;
};

// Errors are Errc::kInvalidArgument naming the range and the faulty part.
[[nodiscard]] Expected<Range> ParseRange(std::string_view text);

// Convenience: parses both and tests; a parse error of either is returned.
[[nodiscard]] Expected<bool> Satisfies(std::string_view version, std::string_view range);

}  // namespace waka::semver
