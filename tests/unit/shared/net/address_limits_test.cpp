#include "shared/net/address_limits.hpp"

#include <gtest/gtest.h>

#include "shared/net/peer_gate.hpp"

namespace waka::net {
namespace {

namespace ip = boost::asio::ip;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A clock the test moves by hand.
struct FakeClock {
    std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
    AddressLimits::Clock Function() {
        return [this] { return now; };
    }
};

const ip::address kA = ip::make_address("192.0.2.1");
const ip::address kB = ip::make_address("192.0.2.2");

AddressLimitSettings Cap(std::size_t n) {
    AddressLimitSettings s;
    s.max_connections_per_address = n;
    return s;
}

AddressLimitSettings Rate(double per_second, std::uint32_t burst) {
    AddressLimitSettings s;
    s.connections_per_second = per_second;
    s.connection_burst = burst;
    return s;
}

TEST(AddressLimits, NoLimitsAdmitEveryoneAndKeepNoState) {
    AddressLimits limits(AddressLimitSettings{});
    EXPECT_FALSE(limits.Enabled());
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);
    }
    EXPECT_EQ(limits.TrackedAddresses(), 0u);
}

TEST(AddressLimits, CapCountsConnectionsPerAddressUntilTheyLeave) {
    AddressLimits limits(Cap(2));
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kOverConnectionCap);
    EXPECT_EQ(limits.Enter(kB), AddressVerdict::kAdmitted);  // another address is not affected
    EXPECT_EQ(limits.ConnectionsFrom(kA), 2u);
    limits.Leave(kA);
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);
    limits.Leave(kA);
    limits.Leave(kA);
    limits.Leave(kB);
    EXPECT_EQ(limits.TrackedAddresses(), 0u);  // nothing held: forgotten at once
}

TEST(AddressLimits, Ipv4MappedIpv6IsTheSameAddress) {
    AddressLimits limits(Cap(1));
    EXPECT_EQ(limits.Enter(ip::make_address("::ffff:192.0.2.1")), AddressVerdict::kAdmitted);
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kOverConnectionCap);
    EXPECT_EQ(limits.Enter(ip::make_address("2001:db8::1")), AddressVerdict::kAdmitted);
}

TEST(AddressLimits, TokenBucketAllowsTheBurstThenTheRate) {
    FakeClock clock;
    AddressLimits limits(Rate(2, 3), clock.Function());
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted) << i;
    }
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kOverRate);
    EXPECT_EQ(limits.Enter(kB), AddressVerdict::kAdmitted);
    clock.now += milliseconds(250);  // half a token
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kOverRate);
    clock.now += milliseconds(250);  // 0.5 s at 2/s: one token
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kOverRate);
    clock.now += seconds(60);  // refills to the burst, never beyond
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted) << i;
    }
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kOverRate);
}

TEST(AddressLimits, ARefusalForTheCapUsesNoToken) {
    FakeClock clock;
    AddressLimitSettings settings = Rate(1, 2);
    settings.max_connections_per_address = 1;
    AddressLimits limits(settings, clock.Function());
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kOverConnectionCap);
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kOverConnectionCap);
    limits.Leave(kA);
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);  // the second token is still there
}

TEST(AddressLimits, AnIdleAddressIsForgottenOnceItsBucketIsFull) {
    FakeClock clock;
    AddressLimits limits(Rate(1, 2), clock.Function());
    ASSERT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);
    limits.Leave(kA);
    EXPECT_EQ(limits.TrackedAddresses(), 1u);  // its bucket is not full yet: remembered
    clock.now += seconds(1);
    ASSERT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);
    clock.now += seconds(1);
    limits.Leave(kA);
    EXPECT_EQ(limits.TrackedAddresses(), 0u);
}

TEST(AddressLimits, AFullTableForgetsIdleAddressesThenRefusesNewOnes) {
    FakeClock clock;
    AddressLimitSettings settings = Rate(1, 1);
    settings.max_tracked_addresses = 2;
    AddressLimits limits(settings, clock.Function());
    ASSERT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);  // held open
    ASSERT_EQ(limits.Enter(kB), AddressVerdict::kAdmitted);
    limits.Leave(kB);  // closed, but its bucket is empty: still tracked
    const ip::address c = ip::make_address("192.0.2.3");
    EXPECT_EQ(limits.Enter(c), AddressVerdict::kTableFull);
    EXPECT_EQ(limits.TrackedAddresses(), 2u);
    clock.now += seconds(2);  // b is idle now, and a sweep is due
    EXPECT_EQ(limits.Enter(c), AddressVerdict::kAdmitted);
    EXPECT_EQ(limits.TrackedAddresses(), 2u);  // a (held) and c
    EXPECT_EQ(limits.ConnectionsFrom(kA), 1u);
    EXPECT_EQ(limits.ConnectionsFrom(kB), 0u);
    clock.now += milliseconds(100);
    EXPECT_EQ(limits.Enter(kB), AddressVerdict::kTableFull);  // nothing idle: refused
    EXPECT_EQ(limits.Enter(kA), AddressVerdict::kAdmitted);   // tracked ones are still served
}

TEST(PeerGate, SlotsHoldTheAddressUntilDestroyedAndRefusalsAreCounted) {
    PeerGate gate("gateway", AllowedNetworks{}, Cap(1));
    {
        auto first = gate.Admit(kA);
        ASSERT_TRUE(first);
        EXPECT_FALSE(gate.Admit(kA));
        EXPECT_EQ(gate.Refused(RefusalReason::kAddressLimit), 1u);
        auto moved = std::move(*first);
        first.reset();  // the moved-from slot gives nothing back
        EXPECT_FALSE(gate.Admit(kA));
        EXPECT_EQ(gate.Limits().ConnectionsFrom(kA), 1u);
    }
    EXPECT_EQ(gate.Limits().ConnectionsFrom(kA), 0u);
    EXPECT_TRUE(gate.Admit(kA));
    EXPECT_EQ(gate.Refused(RefusalReason::kAddressLimit), 2u);
    EXPECT_EQ(gate.Refused(RefusalReason::kNetwork), 0u);
}

TEST(PeerGate, RateRefusalsAreCountedAsHandshakeRate) {
    FakeClock clock;
    PeerGate gate("gateway", AllowedNetworks{}, Rate(1, 1), clock.Function());
    EXPECT_TRUE(gate.Admit(kA));
    EXPECT_FALSE(gate.Admit(kA));
    EXPECT_EQ(gate.Refused(RefusalReason::kHandshakeRate), 1u);
    EXPECT_EQ(ToString(RefusalReason::kHandshakeRate), "handshake_rate");
    EXPECT_EQ(ToString(RefusalReason::kAddressLimit), "address_limit");
    EXPECT_EQ(ToString(RefusalReason::kAddressTable), "address_table_full");
}

}  // namespace
}  // namespace waka::net
