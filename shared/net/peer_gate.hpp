#pragma once

#include <array>
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/core/error.hpp"
#include "shared/net/address_limits.hpp"

// Who may open a connection to a coordinator listener, decided right after accept and before any
// byte is read (so before TLS): the listener's allowed networks, then its per-address limits
// (connections held at once, new connections per second; ADR 0031). Refusals are counted by reason
// for /metrics and logged without flooding the log. Free of Beast; Asio's address types only.
namespace waka::net {

// The networks of a "10.0.0.0/8, 192.168.1.7, fd00::/8" list (CIDR blocks or single addresses,
// IPv4 or IPv6, separated by commas and/or spaces). Empty: every address is allowed.
class AllowedNetworks {
public:
    // Errc::kInvalidArgument naming the entry that is not an address or CIDR block, or a block
    // with host bits set ("10.0.0.1/8": write 10.0.0.0/8).
    [[nodiscard]] static Expected<AllowedNetworks> Parse(std::string_view list);

    [[nodiscard]] bool AllowsAll() const { return v4_.empty() && v6_.empty(); }
    // IPv4-mapped IPv6 peers (::ffff:10.1.2.3, seen on a dual-stack "::" listener) are matched
    // as the IPv4 address they carry.
    [[nodiscard]] bool Allows(const boost::asio::ip::address& peer) const;
    // The canonical list, for the start-up log: "10.0.0.0/8,::1/128", or "any".
    [[nodiscard]] std::string Describe() const;

private:
    std::vector<boost::asio::ip::network_v4> v4_;
    std::vector<boost::asio::ip::network_v6> v6_;
};

// Why a listener closed a connection it had just accepted.
enum class RefusalReason : std::size_t {
    kNetwork,        // outside the allowed networks
    kAddressLimit,   // the address holds max_connections_per_address already
    kHandshakeRate,  // the address opened connections faster than its token bucket allows
    kAddressTable,   // kMaxTrackedAddresses are tracked and none is idle
    kCount_
};
[[nodiscard]] std::string_view ToString(RefusalReason reason);

// An admitted connection's hold on its address's connection count, released when destroyed (the
// connection closed). Empty when the listener has no per-address limits. Move-only; keeps the
// limits alive. Thread-safe like AddressLimits.
class ConnectionSlot {
public:
    ConnectionSlot() = default;
    ConnectionSlot(std::shared_ptr<AddressLimits> limits, boost::asio::ip::address peer)
        : limits_(std::move(limits)), peer_(peer) {}
    ConnectionSlot(ConnectionSlot&& other) noexcept
        : limits_(std::move(other.limits_)), peer_(other.peer_) {}
    ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot() { Release(); }

private:
    void Release();

    std::shared_ptr<AddressLimits> limits_;
    boost::asio::ip::address peer_;
};

// One listener's gate: its allowed networks, its per-address limits and its refusal counters.
// Thread-safe.
class PeerGate {
public:
    PeerGate(std::string listener, AllowedNetworks networks, AddressLimitSettings limits = {},
             AddressLimits::Clock clock = {});

    // A slot when the peer may connect (keep it for as long as the connection is open: dropping
    // it gives the address's place back); otherwise nullopt, and the refusal is counted and
    // (rate-limited) logged.
    [[nodiscard]] std::optional<ConnectionSlot> Admit(const boost::asio::ip::address& peer);
    // Counts and logs a refusal decided elsewhere.
    void Refuse(RefusalReason reason, const boost::asio::ip::address& peer);

    [[nodiscard]] const std::string& Listener() const { return listener_; }
    [[nodiscard]] const AllowedNetworks& Networks() const { return networks_; }
    [[nodiscard]] const AddressLimits& Limits() const { return *limits_; }
    [[nodiscard]] std::uint64_t Refused(RefusalReason reason) const;

private:
    const std::string listener_;
    const AllowedNetworks networks_;
    const std::shared_ptr<AddressLimits> limits_;
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(RefusalReason::kCount_)>
        refused_{};
    std::mutex log_mutex_;  // guards the two members below
    std::chrono::steady_clock::time_point last_log_{};
    std::uint64_t unlogged_ = 0;
};

}  // namespace waka::net
