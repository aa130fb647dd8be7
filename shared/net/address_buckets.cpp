#include "shared/net/address_buckets.hpp"

#include <algorithm>
#include <cmath>

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

AddressBuckets::Bucket& AddressBuckets::Find(const std::string& key, Clock::time_point now) {
    auto found = buckets_.find(key);
    if (found != buckets_.end()) {
        recency_.splice(recency_.begin(), recency_, found->second.recency);
        return found->second;
    }
    if (buckets_.size() >= max_addresses_) {
        buckets_.erase(recency_.back());
        recency_.pop_back();
    }
    recency_.push_front(key);
    Bucket& bucket = buckets_[key];
    bucket.tokens = rate_.burst;
    bucket.refilled = now;
    bucket.recency = recency_.begin();
    return bucket;
}

void AddressBuckets::Refill(Bucket& bucket, Clock::time_point now) const {
    if (now <= bucket.refilled) {
        return;
    }
    const std::chrono::duration<double> elapsed = now - bucket.refilled;
    bucket.tokens = std::min(rate_.burst, bucket.tokens + elapsed.count() * rate_.per_second);
    bucket.refilled = now;
}

std::chrono::milliseconds AddressBuckets::UntilNextToken(const Bucket& bucket) const {
    const double seconds = (1.0 - bucket.tokens) / rate_.per_second;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0)));
}

std::optional<std::chrono::milliseconds> AddressBuckets::Take(const ip::address& peer,
                                                              Clock::time_point now) {
    if (Unlimited()) {
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    Bucket& bucket = Find(KeyOf(peer), now);
    Refill(bucket, now);
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return std::nullopt;
    }
    return UntilNextToken(bucket);
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
    Refill(found->second, now);
    if (found->second.tokens >= 1.0) {
        return std::nullopt;
    }
    return UntilNextToken(found->second);
}

std::size_t AddressBuckets::Size() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

}  // namespace waka::net
