#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

// A set of release indexes of one component, plus one extra slot meaning "not selected at all".
// The resolver works on finite catalogs, so every set of versions is a bitset over the component's
// releases (sorted newest first); this makes the PubGrub term algebra plain bit operations.
namespace waka::coordinator::resolver {

class VersionSet {
public:
    VersionSet() = default;
    // An empty set over `releases` releases (+ the absent slot at index `releases`).
    explicit VersionSet(std::size_t releases);

    [[nodiscard]] static VersionSet All(std::size_t releases);

    [[nodiscard]] std::size_t Releases() const { return releases_; }
    [[nodiscard]] std::size_t AbsentSlot() const { return releases_; }
    void Set(std::size_t slot);
    [[nodiscard]] bool Has(std::size_t slot) const;
    [[nodiscard]] bool HasAbsent() const { return Has(releases_); }

    [[nodiscard]] VersionSet Complement() const;
    [[nodiscard]] VersionSet Intersect(const VersionSet& other) const;
    [[nodiscard]] bool IsSubsetOf(const VersionSet& other) const;
    [[nodiscard]] bool Disjoint(const VersionSet& other) const;
    [[nodiscard]] bool Empty() const;
    [[nodiscard]] bool Full() const;
    // Lowest release index in the set (the newest release), or Releases() when it holds none.
    [[nodiscard]] std::size_t FirstRelease() const;
    [[nodiscard]] std::size_t CountReleases() const;

private:
    // Up to 127 releases fit in the inline words (no allocation, one indirection less in the
    // propagation loop); larger components use the heap.
    static constexpr std::size_t kInlineWords = 2;

    void ClearPadding();
    [[nodiscard]] std::size_t WordCount() const { return words_count_; }
    [[nodiscard]] std::uint64_t* Words() { return heap_.empty() ? inline_ : heap_.data(); }
    [[nodiscard]] const std::uint64_t* Words() const {
        return heap_.empty() ? inline_ : heap_.data();
    }

    std::size_t releases_ = 0;
    std::size_t words_count_ = 0;
    std::uint64_t inline_[kInlineWords] = {0, 0};
    std::vector<std::uint64_t> heap_;
};

}  // namespace waka::coordinator::resolver
