#include "coordinator/resolver/version_set.hpp"

#include <bit>

namespace waka::coordinator::resolver {

namespace {

constexpr std::size_t kBits = 64;

}  // namespace

VersionSet::VersionSet(std::size_t releases)
    : releases_(releases), words_count_((releases + 1 + kBits - 1) / kBits) {
    if (words_count_ > kInlineWords) {
        heap_.assign(words_count_, 0);
    }
}

VersionSet VersionSet::All(std::size_t releases) {
    VersionSet set(releases);
    std::uint64_t* words = set.Words();
    for (std::size_t i = 0; i < set.WordCount(); ++i) {
        words[i] = ~std::uint64_t{0};
    }
    set.ClearPadding();
    return set;
}

void VersionSet::Set(std::size_t slot) {
    Words()[slot / kBits] |= std::uint64_t{1} << (slot % kBits);
}

bool VersionSet::Has(std::size_t slot) const {
    return ((Words()[slot / kBits] >> (slot % kBits)) & 1U) != 0;
}

void VersionSet::ClearPadding() {
    const std::size_t used = (releases_ + 1) % kBits;
    if (used != 0 && words_count_ != 0) {
        Words()[words_count_ - 1] &= (std::uint64_t{1} << used) - 1;
    }
}

VersionSet VersionSet::Complement() const {
    VersionSet out = *this;
    std::uint64_t* words = out.Words();
    for (std::size_t i = 0; i < out.WordCount(); ++i) {
        words[i] = ~words[i];
    }
    out.ClearPadding();
    return out;
}

VersionSet VersionSet::Intersect(const VersionSet& other) const {
    VersionSet out = *this;
    std::uint64_t* words = out.Words();
    const std::uint64_t* theirs = other.Words();
    for (std::size_t i = 0; i < out.WordCount(); ++i) {
        words[i] &= theirs[i];
    }
    return out;
}

bool VersionSet::IsSubsetOf(const VersionSet& other) const {
    const std::uint64_t* mine = Words();
    const std::uint64_t* theirs = other.Words();
    for (std::size_t i = 0; i < words_count_; ++i) {
        if ((mine[i] & ~theirs[i]) != 0) {
            return false;
        }
    }
    return true;
}

bool VersionSet::Disjoint(const VersionSet& other) const {
    const std::uint64_t* mine = Words();
    const std::uint64_t* theirs = other.Words();
    for (std::size_t i = 0; i < words_count_; ++i) {
        if ((mine[i] & theirs[i]) != 0) {
            return false;
        }
    }
    return true;
}

bool VersionSet::Empty() const {
    const std::uint64_t* words = Words();
    for (std::size_t i = 0; i < words_count_; ++i) {
        if (words[i] != 0) {
            return false;
        }
    }
    return true;
}

bool VersionSet::Full() const { return All(releases_).IsSubsetOf(*this); }

std::size_t VersionSet::FirstRelease() const {
    const std::uint64_t* words = Words();
    for (std::size_t i = 0; i < words_count_; ++i) {
        if (words[i] != 0) {
            const std::size_t slot =
                i * kBits + static_cast<std::size_t>(std::countr_zero(words[i]));
            return slot < releases_ ? slot : releases_;
        }
    }
    return releases_;
}

std::size_t VersionSet::CountReleases() const {
    std::size_t n = 0;
    const std::uint64_t* words = Words();
    for (std::size_t i = 0; i < words_count_; ++i) {
        n += static_cast<std::size_t>(std::popcount(words[i]));
    }
    return HasAbsent() ? n - 1 : n;
}

}  // namespace waka::coordinator::resolver
