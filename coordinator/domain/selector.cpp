#include "coordinator/domain/selector.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <tuple>

#include "shared/core/ids.hpp"

namespace waka::coordinator::domain {
namespace {

bool IsKeyChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

// Printable, not a blank, and not one of the selector's own punctuation marks; bytes of UTF-8
// sequences are allowed, as in label values.
bool IsValueChar(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
        return false;
    }
    return std::string_view(",()=!").find(c) == std::string_view::npos;
}

std::string Describe(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
        constexpr std::string_view kHex = "0123456789abcdef";
        return std::string("a control character (0x") + kHex[byte >> 4] + kHex[byte & 0xf] + ")";
    }
    return "'" + std::string(1, c) + "'";
}

class SelectorParser {
public:
    explicit SelectorParser(std::string_view text) : text_(text) {}

    Expected<Selector> Parse() {
        Selector selector;
        SkipBlanks();
        if (AtEnd()) {
            return selector;
        }
        while (true) {
            auto requirement = Requirement();
            if (!requirement) {
                return requirement.error();
            }
            selector.requirements.push_back(std::move(*requirement));
            if (selector.requirements.size() > kMaxSelectorRequirements) {
                return MakeError(Errc::kInvalidArgument, "a selector has at most 64 requirements");
            }
            SkipBlanks();
            if (AtEnd()) {
                return selector;
            }
            if (!Consume(",")) {
                return Fail("expected ',' between requirements, found " + Describe(Peek()));
            }
        }
    }

private:
    Expected<LabelRequirement> Requirement() {
        SkipBlanks();
        const bool negated = Consume("!");
        SkipBlanks();
        const std::size_t key_pos = pos_;
        std::string key = Word(IsKeyChar);
        if (key.empty()) {
            return Fail(AtEnd() ? "expected a label key"
                                : "expected a label key, found " + Describe(Peek()));
        }
        if (!IsValidId(key)) {
            return Fail(key_pos, "label key '" + key +
                                     "' breaks the id rule (1-128 characters of [A-Za-z0-9._-], "
                                     "starting with a letter or digit)");
        }
        if (negated) {
            return LabelRequirement{key, SelectorOp::kNotExists, {}};
        }
        SkipBlanks();
        if (AtEnd() || Peek() == ',') {
            return LabelRequirement{key, SelectorOp::kExists, {}};
        }
        return Operation(std::move(key));
    }

    Expected<LabelRequirement> Operation(std::string key) {
        std::optional<SelectorOp> single;
        if (Consume("==") || Consume("=")) {
            single = SelectorOp::kIn;
        } else if (Consume("!=")) {
            single = SelectorOp::kNotIn;
        }
        if (single) {
            auto value = Value(key);
            if (!value) {
                return value.error();
            }
            return LabelRequirement{std::move(key), *single, {std::move(*value)}};
        }
        const std::size_t word_pos = pos_;
        const std::string word = Word(IsKeyChar);
        if (word != "in" && word != "notin") {
            return Fail(word_pos, "expected an operator (=, ==, !=, in, notin) or ',' after key '" +
                                      key + "'");
        }
        auto values = ValueSet(key, word);
        if (!values) {
            return values.error();
        }
        return LabelRequirement{std::move(key), word == "in" ? SelectorOp::kIn : SelectorOp::kNotIn,
                                std::move(*values)};
    }

    Expected<std::vector<std::string>> ValueSet(const std::string& key, const std::string& word) {
        SkipBlanks();
        if (!Consume("(")) {
            return Fail("expected '(' after '" + word + "' for key '" + key + "'");
        }
        std::vector<std::string> values;
        while (true) {
            SkipBlanks();
            const std::size_t value_pos = pos_;
            auto value = Value(key);
            if (!value) {
                return value.error();
            }
            if (value->empty()) {
                return Fail(value_pos, "empty value in the set of key '" + key + "'");
            }
            values.push_back(std::move(*value));
            if (values.size() > kMaxSelectorValues) {
                return Fail(value_pos, "more than 256 values in the set of key '" + key + "'");
            }
            SkipBlanks();
            if (Consume(")")) {
                return values;
            }
            if (!Consume(",")) {
                return Fail(AtEnd() ? "missing ')' closing the set of key '" + key + "'"
                                    : "expected ',' or ')' in the set of key '" + key +
                                          "', found " + Describe(Peek()));
            }
        }
    }

    Expected<std::string> Value(const std::string& key) {
        SkipBlanks();
        const std::size_t value_pos = pos_;
        std::string value = Word(IsValueChar);
        if (value.size() > kMaxSelectorValueLength) {
            return Fail(value_pos, "a value for key '" + key + "' is longer than 256 characters");
        }
        return value;
    }

    std::string Word(const std::function<bool(char)>& allowed) {
        const std::size_t start = pos_;
        while (!AtEnd() && allowed(Peek())) {
            ++pos_;
        }
        return std::string(text_.substr(start, pos_ - start));
    }

    void SkipBlanks() {
        while (!AtEnd() && (Peek() == ' ' || Peek() == '\t')) {
            ++pos_;
        }
    }

    bool Consume(std::string_view token) {
        if (text_.substr(pos_).starts_with(token)) {
            pos_ += token.size();
            return true;
        }
        return false;
    }

    [[nodiscard]] bool AtEnd() const { return pos_ >= text_.size(); }
    [[nodiscard]] char Peek() const { return text_[pos_]; }

    [[nodiscard]] Error Fail(std::string problem) const { return Fail(pos_, std::move(problem)); }
    [[nodiscard]] static Error Fail(std::size_t at, std::string problem) {
        return MakeError(Errc::kInvalidArgument,
                         "at character " + std::to_string(at + 1) + ": " + problem);
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

void Normalise(Selector& selector) {
    auto& requirements = selector.requirements;
    for (auto& requirement : requirements) {
        std::sort(requirement.values.begin(), requirement.values.end());
        requirement.values.erase(std::unique(requirement.values.begin(), requirement.values.end()),
                                 requirement.values.end());
    }
    auto order = [](const LabelRequirement& a, const LabelRequirement& b) {
        return std::tie(a.key, a.op, a.values) < std::tie(b.key, b.op, b.values);
    };
    std::sort(requirements.begin(), requirements.end(), order);
    requirements.erase(std::unique(requirements.begin(), requirements.end()), requirements.end());
}

std::string JoinValues(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& value : values) {
        out += (out.empty() ? "" : ",") + value;
    }
    return out;
}

std::string ToString(const LabelRequirement& requirement) {
    const bool single = requirement.values.size() == 1;
    switch (requirement.op) {
        case SelectorOp::kIn:
            return requirement.key + (single ? "=" + requirement.values[0]
                                             : " in (" + JoinValues(requirement.values) + ")");
        case SelectorOp::kNotIn:
            return requirement.key + (single ? "!=" + requirement.values[0]
                                             : " notin (" + JoinValues(requirement.values) + ")");
        case SelectorOp::kExists:
            return requirement.key;
        case SelectorOp::kNotExists:
            return "!" + requirement.key;
    }
    return requirement.key;
}

bool Holds(const LabelRequirement& requirement, const std::map<std::string, std::string>& labels) {
    const auto found = labels.find(requirement.key);
    const bool listed =
        found != labels.end() &&
        std::binary_search(requirement.values.begin(), requirement.values.end(), found->second);
    switch (requirement.op) {
        case SelectorOp::kIn:
            return listed;
        case SelectorOp::kNotIn:
            return !listed;
        case SelectorOp::kExists:
            return found != labels.end();
        case SelectorOp::kNotExists:
            return found == labels.end();
    }
    return false;
}

}  // namespace

Expected<Selector> ParseSelector(std::string_view text) {
    if (text.size() > kMaxSelectorLength) {
        return MakeError(Errc::kInvalidArgument,
                         "a selector is at most 4096 characters (this one has " +
                             std::to_string(text.size()) + ")");
    }
    auto selector = SelectorParser(text).Parse();
    if (selector) {
        Normalise(*selector);
    }
    return selector;
}

std::string ToString(const Selector& selector) {
    std::string out;
    for (const auto& requirement : selector.requirements) {
        out += (out.empty() ? "" : ",") + ToString(requirement);
    }
    return out;
}

bool Matches(const Selector& selector, const std::map<std::string, std::string>& labels) {
    return std::all_of(
        selector.requirements.begin(), selector.requirements.end(),
        [&labels](const LabelRequirement& requirement) { return Holds(requirement, labels); });
}

}  // namespace waka::coordinator::domain
