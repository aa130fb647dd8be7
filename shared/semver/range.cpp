#include "shared/semver/range.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <utility>

#include "shared/semver/identifiers.hpp"

namespace waka::semver {
namespace {

// A version whose trailing parts may be wildcards; `known` counts the leading numeric parts.
struct Partial {
    int known = 0;
    Version version;  // parts past `known` are 0; pre-release only when known == 3
};

Error Fault(std::string message) { return MakeError(Errc::kInvalidArgument, std::move(message)); }

bool IsWildcard(std::string_view part) { return part == "x" || part == "X" || part == "*"; }

Expected<Partial> ParsePartial(std::string_view token) {
    if (token.empty()) {
        return Fault("a comparator has no version");
    }
    if (token.find_first_of("-+") != std::string_view::npos) {
        auto full = ParseVersion(token);
        if (!full) {
            return full.error();
        }
        return Partial{3, std::move(*full)};
    }
    const std::vector<std::string_view> parts = detail::SplitDots(token);
    if (parts.size() > 3) {
        return Fault("'" + std::string(token) + "' has more than three parts");
    }
    Partial p;
    std::array<std::uint64_t*, 3> fields = {&p.version.major, &p.version.minor, &p.version.patch};
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (IsWildcard(parts[i])) {
            continue;
        }
        if (p.known != static_cast<int>(i)) {
            return Fault("'" + std::string(token) + "' has a number after a wildcard");
        }
        auto number = detail::ParseNumericIdentifier(parts[i]);
        if (!number) {
            return Fault("'" + std::string(token) + "': " + number.error().message);
        }
        *fields[i] = *number;
        ++p.known;
    }
    return p;
}

Expected<std::uint64_t> Next(std::uint64_t n) {
    if (n == std::numeric_limits<std::uint64_t>::max()) {
        return Fault("a bound of this range would exceed 2^64-1");
    }
    return n + 1;
}

// M.m.p-0: the lowest version with that core, below all of its pre-releases.
Version Floor(std::uint64_t major, std::uint64_t minor, std::uint64_t patch) {
    return Version{major, minor, patch, {"0"}, {}};
}

Version Release(std::uint64_t major, std::uint64_t minor, std::uint64_t patch) {
    return Version{major, minor, patch, {}, {}};
}

// The first version past the wildcard part of p: 1.2 -> 1.3.0-0, 1 -> 2.0.0-0.
Expected<Version> UpperFloor(const Partial& p) {
    const Version& v = p.version;
    auto bumped = Next(p.known == 1 ? v.major : v.minor);
    if (!bumped) {
        return bumped.error();
    }
    return p.known == 1 ? Floor(*bumped, 0, 0) : Floor(v.major, *bumped, 0);
}

// Lower bound of a partial: 1.2 -> 1.2.0; a full version as written.
Version Lower(const Partial& p) {
    return p.known == 3 ? p.version : Release(p.version.major, p.version.minor, p.version.patch);
}

const Comparator kNothing{Op::kLess, Floor(0, 0, 0)};

using Comparators = std::vector<Comparator>;

Expected<void> AddXRange(const Partial& p, Comparators& out) {
    if (p.known == 3) {
        out.push_back({Op::kEqual, p.version});
    } else if (p.known > 0) {
        auto upper = UpperFloor(p);
        if (!upper) {
            return upper.error();
        }
        out.push_back({Op::kGreaterEqual, Lower(p)});
        out.push_back({Op::kLess, *upper});
    }
    return {};
}

Expected<void> AddGreater(const Partial& p, Comparators& out) {
    if (p.known == 0) {
        out.push_back(kNothing);
    } else if (p.known == 3) {
        out.push_back({Op::kGreater, p.version});
    } else {
        auto upper = UpperFloor(p);
        if (!upper) {
            return upper.error();
        }
        upper->prerelease.clear();  // >1.2 means >=1.3.0: no 1.3.0 pre-release
        out.push_back({Op::kGreaterEqual, *upper});
    }
    return {};
}

Expected<void> AddLessEqual(const Partial& p, Comparators& out) {
    if (p.known == 3) {
        out.push_back({Op::kLessEqual, p.version});
    } else if (p.known > 0) {
        auto upper = UpperFloor(p);
        if (!upper) {
            return upper.error();
        }
        out.push_back({Op::kLess, *upper});
    }
    return {};
}

void AddGreaterEqual(const Partial& p, Comparators& out) {
    if (p.known > 0) {
        out.push_back({Op::kGreaterEqual, Lower(p)});
    }
}

void AddLess(const Partial& p, Comparators& out) {
    if (p.known == 0) {
        out.push_back(kNothing);
    } else if (p.known == 3) {
        out.push_back({Op::kLess, p.version});
    } else {
        out.push_back({Op::kLess, Floor(p.version.major, p.version.minor, 0)});
    }
}

Expected<void> AddTilde(const Partial& p, Comparators& out) {
    if (p.known == 0) {
        return {};
    }
    Partial scope = p;
    scope.known = std::min(p.known, 2);
    auto upper = UpperFloor(scope);
    if (!upper) {
        return upper.error();
    }
    out.push_back({Op::kGreaterEqual, Lower(p)});
    out.push_back({Op::kLess, *upper});
    return {};
}

// ^ allows changes that keep the left-most non-zero part: the scope is the parts up to it.
Expected<void> AddCaret(const Partial& p, Comparators& out) {
    if (p.known == 0) {
        return {};
    }
    const Version& v = p.version;
    Partial scope = p;
    if (v.major > 0 || p.known == 1) {
        scope.known = 1;
    } else if (v.minor > 0 || p.known == 2) {
        scope.known = 2;
    }
    Expected<Version> upper = Version{};
    if (scope.known == 3) {
        auto patch = Next(v.patch);
        upper = patch ? Expected<Version>(Floor(0, 0, *patch)) : Expected<Version>(patch.error());
    } else {
        upper = UpperFloor(scope);
    }
    if (!upper) {
        return upper.error();
    }
    out.push_back({Op::kGreaterEqual, Lower(p)});
    out.push_back({Op::kLess, *upper});
    return {};
}

struct OpToken {
    std::string_view text;
    char kind;  // the operator as one letter: 'l' <, 'L' <=, 'g' >, 'G' >=, '=' '^' '~', 0 none
};

constexpr std::array<OpToken, 7> kOperators = {
    {{"<=", 'L'}, {">=", 'G'}, {"<", 'l'}, {">", 'g'}, {"=", '='}, {"^", '^'}, {"~", '~'}}};

OpToken SplitOperator(std::string_view token) {
    for (const OpToken& op : kOperators) {
        if (token.starts_with(op.text)) {
            return op;
        }
    }
    return {"", 0};
}

Expected<void> AddComparator(std::string_view token, Comparators& out) {
    const OpToken op = SplitOperator(token);
    auto partial = ParsePartial(token.substr(op.text.size()));
    if (!partial) {
        return partial.error();
    }
    switch (op.kind) {
        case 'l':
            AddLess(*partial, out);
            return {};
        case 'L':
            return AddLessEqual(*partial, out);
        case 'g':
            return AddGreater(*partial, out);
        case 'G':
            AddGreaterEqual(*partial, out);
            return {};
        case '^':
            return AddCaret(*partial, out);
        case '~':
            return AddTilde(*partial, out);
        default:
            return AddXRange(*partial, out);
    }
}

std::vector<std::string> SplitSpaces(std::string_view text) {
    std::vector<std::string> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t start = text.find_first_not_of(" \t", i);
        if (start == std::string_view::npos) {
            break;
        }
        const std::size_t end = std::min(text.find_first_of(" \t", start), text.size());
        tokens.emplace_back(text.substr(start, end - start));
        i = end;
    }
    return tokens;
}

// ">= 1.2.3" is one comparator: glue a bare operator to the token after it.
Expected<std::vector<std::string>> GlueOperators(std::vector<std::string> tokens) {
    std::vector<std::string> glued;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const bool bare = SplitOperator(tokens[i]).text.size() == tokens[i].size();
        if (!bare) {
            glued.push_back(std::move(tokens[i]));
        } else if (i + 1 < tokens.size()) {
            glued.push_back(tokens[i] + tokens[i + 1]);
            ++i;
        } else {
            return Fault("operator '" + tokens[i] + "' has no version");
        }
    }
    return glued;
}

struct Alternative {
    std::string text;
    Comparators comparators;
};

Expected<Alternative> ParseHyphen(const std::vector<std::string>& tokens) {
    if (tokens.size() != 3 || tokens[1] != "-") {
        return Fault("a hyphen range is written 'A - B'");
    }
    Alternative alt{tokens[0] + " - " + tokens[2], {}};
    auto low = ParsePartial(tokens[0]);
    auto high = ParsePartial(tokens[2]);
    if (!low || !high) {
        return low ? high.error() : low.error();
    }
    AddGreaterEqual(*low, alt.comparators);
    if (auto added = AddLessEqual(*high, alt.comparators); !added) {
        return added.error();
    }
    return alt;
}

Expected<Alternative> ParseAlternative(std::string_view text) {
    std::vector<std::string> tokens = SplitSpaces(text);
    if (tokens.empty()) {
        return Fault("an alternative is empty (write '*' for any version)");
    }
    if (std::find(tokens.begin(), tokens.end(), "-") != tokens.end()) {
        return ParseHyphen(tokens);
    }
    auto glued = GlueOperators(std::move(tokens));
    if (!glued) {
        return glued.error();
    }
    Alternative alt;
    for (const std::string& token : *glued) {
        if (auto added = AddComparator(token, alt.comparators); !added) {
            return added.error();
        }
        alt.text += (alt.text.empty() ? "" : " ") + token;
    }
    return alt;
}

std::string_view OpText(Op op) {
    switch (op) {
        case Op::kLess:
            return "<";
        case Op::kLessEqual:
            return "<=";
        case Op::kGreater:
            return ">";
        case Op::kGreaterEqual:
            return ">=";
        case Op::kEqual:
            return "=";
    }
    return "?";
}

bool SameCore(const Version& a, const Version& b) {
    return a.major == b.major && a.minor == b.minor && a.patch == b.patch;
}

bool AlternativeAccepts(const Comparators& set, const Version& v) {
    if (!std::all_of(set.begin(), set.end(), [&v](const Comparator& c) { return c.Matches(v); })) {
        return false;
    }
    if (!v.IsPrerelease()) {
        return true;
    }
    return std::any_of(set.begin(), set.end(), [&v](const Comparator& c) {
        return c.version.IsPrerelease() && SameCore(c.version, v);
    });
}

}  // namespace

bool Comparator::Matches(const Version& v) const {
    const auto c = v <=> version;
    switch (op) {
        case Op::kLess:
            return c < 0;
        case Op::kLessEqual:
            return c <= 0;
        case Op::kGreater:
            return c > 0;
        case Op::kGreaterEqual:
            return c >= 0;
        case Op::kEqual:
            return c == 0;
    }
    return false;
}

std::string Comparator::ToString() const { return std::string(OpText(op)) + version.ToString(); }

bool Range::Satisfies(const Version& v) const {
    return std::any_of(alternatives_.begin(), alternatives_.end(),
                       [&v](const Comparators& set) { return AlternativeAccepts(set, v); });
}

std::string Range::ToPrimitiveString() const {
    std::string out;
    for (const Comparators& set : alternatives_) {
        std::string alt;
        for (const Comparator& c : set) {
            alt += (alt.empty() ? "" : " ") + c.ToString();
        }
        out += (out.empty() ? "" : " || ") + (alt.empty() ? std::string("*") : alt);
    }
    return out;
}

Expected<Range> ParseRange(std::string_view text) {
    Range range;
    std::size_t start = 0;
    while (true) {
        const std::size_t bar = text.find("||", start);
        auto alt =
            ParseAlternative(text.substr(start, bar == std::string_view::npos ? bar : bar - start));
        if (!alt) {
            return MakeError(
                Errc::kInvalidArgument,
                "'" + std::string(text) + "' is not a valid version range: " + alt.error().message);
        }
        range.text_ += (range.text_.empty() ? "" : " || ") + alt->text;
        range.alternatives_.push_back(std::move(alt->comparators));
        if (bar == std::string_view::npos) {
            return range;
        }
        start = bar + 2;
    }
}

Expected<bool> Satisfies(std::string_view version, std::string_view range) {
    auto v = ParseVersion(version);
    if (!v) {
        return v.error();
    }
    auto r = ParseRange(range);
    if (!r) {
        return r.error();
    }
    return r->Satisfies(*v);
}

}  // namespace waka::semver
