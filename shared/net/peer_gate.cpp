#include "shared/net/peer_gate.hpp"

#include <boost/asio/ip/address_v4.hpp>

#include "shared/core/log.hpp"

namespace waka::net {
namespace {

namespace ip = boost::asio::ip;

// At most one log line per listener per this long; the next says how many it stands for.
constexpr std::chrono::seconds kLogInterval{1};

std::vector<std::string> SplitEntries(std::string_view list) {
    std::vector<std::string> entries;
    std::string current;
    for (const char c : list) {
        if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
            if (!current.empty()) {
                entries.push_back(std::move(current));
                current.clear();
            }
        } else {
            current.push_back(c);
        }
    }
    if (!current.empty()) {
        entries.push_back(std::move(current));
    }
    return entries;
}

// "a.b.c.d" or "a::b" alone: the block of that one address.
std::string WithPrefix(const std::string& entry) {
    if (entry.find('/') != std::string::npos) {
        return entry;
    }
    return entry + (entry.find(':') != std::string::npos ? "/128" : "/32");
}

ip::address Unmapped(const ip::address& peer) {
    if (peer.is_v6() && peer.to_v6().is_v4_mapped()) {
        return ip::make_address_v4(ip::v4_mapped, peer.to_v6());
    }
    return peer;
}

}  // namespace

Expected<AllowedNetworks> AllowedNetworks::Parse(std::string_view list) {
    AllowedNetworks networks;
    for (const std::string& entry : SplitEntries(list)) {
        const std::string block = WithPrefix(entry);
        boost::system::error_code ec;
        if (block.find(':') == std::string::npos) {
            const ip::network_v4 network = ip::make_network_v4(block, ec);
            if (!ec && network.network() == network.address()) {
                networks.v4_.push_back(network);
                continue;
            }
        } else {
            const ip::network_v6 network = ip::make_network_v6(block, ec);
            if (!ec && network.network() == network.address()) {
                networks.v6_.push_back(network);
                continue;
            }
        }
        return MakeError(Errc::kInvalidArgument,
                         ec ? "'" + entry + "' is not an IP address or CIDR block"
                            : "'" + entry + "' has host bits set: write the network address");
    }
    return networks;
}

bool AllowedNetworks::Allows(const ip::address& peer) const {
    if (AllowsAll()) {
        return true;
    }
    const ip::address address = Unmapped(peer);
    if (address.is_v4()) {
        const ip::network_v4 host(address.to_v4(), 32);
        for (const auto& network : v4_) {
            if (host == network || host.is_subnet_of(network)) {
                return true;
            }
        }
        return false;
    }
    const ip::network_v6 host(address.to_v6(), 128);
    for (const auto& network : v6_) {
        if (host == network || host.is_subnet_of(network)) {
            return true;
        }
    }
    return false;
}

std::string AllowedNetworks::Describe() const {
    if (AllowsAll()) {
        return "any";
    }
    std::string out;
    for (const auto& network : v4_) {
        out += (out.empty() ? "" : ",") + network.to_string();
    }
    for (const auto& network : v6_) {
        out += (out.empty() ? "" : ",") + network.to_string();
    }
    return out;
}

std::string_view ToString(RefusalReason reason) {
    switch (reason) {
        case RefusalReason::kNetwork:
            return "network";
        case RefusalReason::kAddressLimit:
            return "address_limit";
        case RefusalReason::kHandshakeRate:
            return "handshake_rate";
        case RefusalReason::kAddressTable:
            return "address_table_full";
        case RefusalReason::kCount_:
            break;
    }
    return "unknown";
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
        Release();
        limits_ = std::move(other.limits_);
        peer_ = other.peer_;
    }
    return *this;
}

void ConnectionSlot::Release() {
    if (limits_) {
        limits_->Leave(peer_);
        limits_.reset();
    }
}

PeerGate::PeerGate(std::string listener, AllowedNetworks networks, AddressLimitSettings limits,
                   AddressLimits::Clock clock)
    : listener_(std::move(listener)),
      networks_(std::move(networks)),
      limits_(std::make_shared<AddressLimits>(limits, std::move(clock))) {}

std::optional<ConnectionSlot> PeerGate::Admit(const ip::address& peer) {
    if (!networks_.Allows(peer)) {
        Refuse(RefusalReason::kNetwork, peer);
        return std::nullopt;
    }
    if (!limits_->Enabled()) {
        return ConnectionSlot{};
    }
    switch (limits_->Enter(peer)) {
        case AddressVerdict::kAdmitted:
            return ConnectionSlot(limits_, peer);
        case AddressVerdict::kOverConnectionCap:
            Refuse(RefusalReason::kAddressLimit, peer);
            break;
        case AddressVerdict::kOverRate:
            Refuse(RefusalReason::kHandshakeRate, peer);
            break;
        case AddressVerdict::kTableFull:
            Refuse(RefusalReason::kAddressTable, peer);
            break;
    }
    return std::nullopt;
}

void PeerGate::Refuse(RefusalReason reason, const ip::address& peer) {
    refused_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
    std::uint64_t standing_for = 0;
    {
        std::lock_guard lock(log_mutex_);
        const auto now = std::chrono::steady_clock::now();
        ++unlogged_;
        if (now - last_log_ < kLogInterval) {
            return;
        }
        last_log_ = now;
        standing_for = unlogged_;
        unlogged_ = 0;
    }
    log::Warn("connection refused listener={} reason={} peer={} refused_since_last_line={}",
              listener_, ToString(reason), Unmapped(peer).to_string(), standing_for);
}

std::uint64_t PeerGate::Refused(RefusalReason reason) const {
    return refused_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
}

}  // namespace waka::net
