#pragma once

#include <array>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "shared/net/token_bucket.hpp"

// Per-client-address limits of one listener, decided at accept: how many connections one address
// may hold at once, and how fast it may open new ones (a token bucket). Pure bookkeeping: no
// sockets, no logging (net::PeerGate counts and logs the refusals). Free of Beast.
namespace waka::net {

// Addresses one listener keeps state for at most (~100 bytes each, so a few MiB). See Enter().
inline constexpr std::size_t kMaxTrackedAddresses = 65536;

struct AddressLimitSettings {
    // Connections one address may hold open at once (0: no cap).
    std::size_t max_connections_per_address = 0;
    // New connections one address may open per second on average (0: no rate limit), and how many
    // it may open at once after a quiet spell (the bucket size; at least 1 when the rate is set).
    double connections_per_second = 0;
    std::uint32_t connection_burst = 0;
    std::size_t max_tracked_addresses = kMaxTrackedAddresses;
};

enum class AddressVerdict { kAdmitted, kOverConnectionCap, kOverRate, kTableFull };

// Thread-safe (one mutex; every call is O(1) except the sweep described at Enter()).
class AddressLimits {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    // clock: injected by tests; default std::chrono::steady_clock::now.
    explicit AddressLimits(AddressLimitSettings settings, Clock clock = {});

    // False when neither limit is set: Enter() then admits everyone and keeps no state.
    [[nodiscard]] bool Enabled() const { return enabled_; }
    [[nodiscard]] const AddressLimitSettings& Settings() const { return settings_; }

    // A new connection from peer (IPv4-mapped IPv6 counts as the IPv4 address). Admitted: it
    // holds one of the address's connections until Leave(peer) and has used one token. The cap
    // is checked first, so a connection refused for the cap uses no token. A new address when
    // max_tracked_addresses are tracked: addresses with no connection and a full bucket are
    // forgotten first (a sweep, at most once a second); if the table is still full the new
    // address is refused (kTableFull) while the addresses already tracked keep being served.
    [[nodiscard]] AddressVerdict Enter(const boost::asio::ip::address& peer);
    // The connection Enter() admitted has closed.
    void Leave(const boost::asio::ip::address& peer);

    // For tests and diagnostics.
    [[nodiscard]] std::size_t ConnectionsFrom(const boost::asio::ip::address& peer) const;
    [[nodiscard]] std::size_t TrackedAddresses() const;

private:
    using Key = std::array<unsigned char, 16>;
    struct KeyHash {
        std::size_t operator()(const Key& key) const;
    };
    struct Entry {
        std::size_t connections = 0;
        TokenBucket bucket;
    };

    static Key KeyOf(const boost::asio::ip::address& peer);
    [[nodiscard]] bool Idle(const Entry& entry, std::chrono::steady_clock::time_point now) const;
    void SweepIdle(std::chrono::steady_clock::time_point now);

    const AddressLimitSettings settings_;
    const bool enabled_;
    const double burst_;
    const Clock clock_;
    mutable std::mutex mutex_;  // guards the members below
    std::unordered_map<Key, Entry, KeyHash> entries_;
    std::chrono::steady_clock::time_point last_sweep_{};
    bool swept_ = false;
};

}  // namespace waka::net
