#include "shared/net/address_limits.hpp"

#include <algorithm>

namespace waka::net {
namespace {

namespace ip = boost::asio::ip;

// A full table is swept for idle addresses at most this often: a sweep walks every entry, and a
// flood of new addresses must not make each accept walk the table.
constexpr std::chrono::seconds kSweepInterval{1};

}  // namespace

std::size_t AddressLimits::KeyHash::operator()(const Key& key) const {
    // FNV-1a: addresses are not secret and the table is bounded, so a plain hash will do.
    std::uint64_t hash = 1469598103934665603ULL;
    for (const unsigned char byte : key) {
        hash = (hash ^ byte) * 1099511628211ULL;
    }
    return static_cast<std::size_t>(hash);
}

AddressLimits::AddressLimits(AddressLimitSettings settings, Clock clock)
    : settings_(settings),
      enabled_(settings.max_connections_per_address > 0 || settings.connections_per_second > 0),
      burst_(std::max<double>(1.0, settings.connection_burst)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

AddressLimits::Key AddressLimits::KeyOf(const ip::address& peer) {
    if (peer.is_v4()) {
        return ip::make_address_v6(ip::v4_mapped, peer.to_v4()).to_bytes();
    }
    return peer.to_v6().to_bytes();  // a mapped IPv4 address has the same bytes as above
}

bool AddressLimits::Idle(const Entry& entry, std::chrono::steady_clock::time_point now) const {
    if (entry.connections > 0) {
        return false;
    }
    if (settings_.connections_per_second <= 0) {
        return true;
    }
    TokenBucket refilled = entry.bucket;
    refilled.Refill(now, settings_.connections_per_second, burst_);
    return refilled.tokens >= burst_;
}

void AddressLimits::SweepIdle(std::chrono::steady_clock::time_point now) {
    if (swept_ && now - last_sweep_ < kSweepInterval) {
        return;
    }
    swept_ = true;
    last_sweep_ = now;
    std::erase_if(entries_, [&](const auto& item) { return Idle(item.second, now); });
}

AddressVerdict AddressLimits::Enter(const ip::address& peer) {
    if (!enabled_) {
        return AddressVerdict::kAdmitted;
    }
    const Key key = KeyOf(peer);
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        if (entries_.size() >= settings_.max_tracked_addresses) {
            SweepIdle(now);
            if (entries_.size() >= settings_.max_tracked_addresses) {
                return AddressVerdict::kTableFull;
            }
        }
        it = entries_.emplace(key, Entry{0, TokenBucket{burst_, now}}).first;
    }
    Entry& entry = it->second;
    if (settings_.max_connections_per_address > 0 &&
        entry.connections >= settings_.max_connections_per_address) {
        return AddressVerdict::kOverConnectionCap;
    }
    if (settings_.connections_per_second > 0) {
        entry.bucket.Refill(now, settings_.connections_per_second, burst_);
        if (!entry.bucket.TryTake()) {
            return AddressVerdict::kOverRate;
        }
    }
    ++entry.connections;
    return AddressVerdict::kAdmitted;
}

void AddressLimits::Leave(const ip::address& peer) {
    if (!enabled_) {
        return;
    }
    const Key key = KeyOf(peer);
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.connections == 0) {
        return;
    }
    --it->second.connections;
    if (Idle(it->second, now)) {
        entries_.erase(it);
    }
}

std::size_t AddressLimits::ConnectionsFrom(const ip::address& peer) const {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(KeyOf(peer));
    return it == entries_.end() ? 0 : it->second.connections;
}

std::size_t AddressLimits::TrackedAddresses() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace waka::net
