#include "coordinator/resolver/version_set.hpp"

#include <bit>

namespace waka::coordinator::resolver {

namespace {

constexpr std::size_t kBits = 64;

}  // namespace

VersionSet::VersionSet(std::size_t releases)
    : releases_(releases), words_((releases + 1 + kBits - 1) / kBits, 0) {}

VersionSet VersionSet::All(std::size_t releases) {
    VersionSet set(releases);
    for (auto& w : set.words_) {
        w = ~std::uint64_t{0};
    }
    set.ClearPadding();
    return set;
}

void VersionSet::Set(std::size_t slot) {
    words_[slot / kBits] |= std::uint64_t{1} << (slot % kBits);
}

bool VersionSet::Has(std::size_t slot) const {
    return ((words_[slot / kBits] >> (slot % kBits)) & 1U) != 0;
}

void VersionSet::ClearPadding() {
    const std::size_t used = (releases_ + 1) % kBits;
    if (used != 0 && !words_.empty()) {
        words_.back() &= (std::uint64_t{1} << used) - 1;
    }
}

VersionSet VersionSet::Complement() const {
    VersionSet out = *this;
    for (auto& w : out.words_) {
        w = ~w;
    }
    out.ClearPadding();
    return out;
}

VersionSet VersionSet::Intersect(const VersionSet& other) const {
    VersionSet out = *this;
    for (std::size_t i = 0; i < out.words_.size(); ++i) {
        out.words_[i] &= other.words_[i];
    }
    return out;
}

bool VersionSet::IsSubsetOf(const VersionSet& other) const {
    for (std::size_t i = 0; i < words_.size(); ++i) {
        if ((words_[i] & ~other.words_[i]) != 0) {
            return false;
        }
    }
    return true;
}

bool VersionSet::Disjoint(const VersionSet& other) const {
    for (std::size_t i = 0; i < words_.size(); ++i) {
        if ((words_[i] & other.words_[i]) != 0) {
            return false;
        }
    }
    return true;
}

bool VersionSet::Empty() const {
    for (auto w : words_) {
        if (w != 0) {
            return false;
        }
    }
    return true;
}

bool VersionSet::Full() const { return All(releases_).IsSubsetOf(*this); }

std::size_t VersionSet::FirstRelease() const {
    for (std::size_t i = 0; i < words_.size(); ++i) {
        if (words_[i] != 0) {
            const std::size_t slot =
                i * kBits + static_cast<std::size_t>(std::countr_zero(words_[i]));
            return slot < releases_ ? slot : releases_;
        }
    }
    return releases_;
}

std::size_t VersionSet::CountReleases() const {
    std::size_t n = 0;
    for (auto w : words_) {
        n += static_cast<std::size_t>(std::popcount(w));
    }
    return HasAbsent() ? n - 1 : n;
}

}  // namespace waka::coordinator::resolver
