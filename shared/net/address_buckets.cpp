#include "shared/net/address_buckets.hpp"

#include <algorithm>

namespace waka::net {
namespace {

namespace ip = boost::asio::ip;

}  // namespace

AddressBuckets::AddressBuckets(BucketRate rate, std::size_t max_addresses)
    : rate_(rate), max_addresses_(std::max<std::size_t>(max_addresses, 1)) {}

std::string AddressBuckets::KeyOf(const ip::address& peer) {
    if (peer.is_v4()) {
        return peer.to_string();
    }
    const ip::address_v6 v6 = peer.to_v6();
    if (v6.is_v4_mapped()) {
        return ip::make_address_v4(ip::v4_mapped, v6).to_string();
    }
    ip::address_v6::bytes_type bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return ip::address_v6(bytes).to_string() + "/64";
}

TokenBucket& AddressBuckets::Find(const std::string& key, Clock::time_point now) {
    auto found = buckets_.find(key);
    if (found != buckets_.end()) {
        recency_.splice(recency_.begin(), recency_, found->second.recency);
        found->second.tokens.Refill(now, rate_.per_second, rate_.burst);
        return found->second.tokens;
    }
    if (buckets_.size() >= max_addresses_) {
        buckets_.erase(recency_.back());
        recency_.pop_back();
    }
    recency_.push_front(key);
    Bucket& bucket = buckets_[key];
    bucket.tokens = TokenBucket{.tokens = rate_.burst, .refilled = now};
    bucket.recency = recency_.begin();
    return bucket.tokens;
}

std::optional<std::chrono::milliseconds> AddressBuckets::Take(const ip::address& peer,
                                                              Clock::time_point now) {
    if (Unlimited()) {
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    TokenBucket& bucket = Find(KeyOf(peer), now);
    if (bucket.TryTake()) {
        return std::nullopt;
    }
    return bucket.UntilNextToken(rate_.per_second);
}

std::optional<std::chrono::milliseconds> AddressBuckets::Exhausted(const ip::address& peer,
                                                                   Clock::time_point now) {
    if (Unlimited()) {
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    const auto found = buckets_.find(KeyOf(peer));
    if (found == buckets_.end()) {
        return std::nullopt;
    }
    TokenBucket& bucket = found->second.tokens;
    bucket.Refill(now, rate_.per_second, rate_.burst);
    if (bucket.tokens >= 1.0) {
        return std::nullopt;
    }
    return bucket.UntilNextToken(rate_.per_second);
}

std::size_t AddressBuckets::Size() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

}  // namespace waka::net
