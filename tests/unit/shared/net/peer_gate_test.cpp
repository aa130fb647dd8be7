#include "shared/net/peer_gate.hpp"

#include <gtest/gtest.h>

namespace waka::net {
namespace {

namespace ip = boost::asio::ip;

AllowedNetworks ParseOk(std::string_view list) {
    auto parsed = AllowedNetworks::Parse(list);
    EXPECT_TRUE(parsed) << parsed.error().message;
    return parsed ? *parsed : AllowedNetworks{};
}

TEST(AllowedNetworks, EmptyAllowsEveryone) {
    const AllowedNetworks any = ParseOk(" ");
    EXPECT_TRUE(any.AllowsAll());
    EXPECT_TRUE(any.Allows(ip::make_address("203.0.113.9")));
    EXPECT_EQ(any.Describe(), "any");
}

TEST(AllowedNetworks, MatchesBlocksAndSingleAddressesOfBothFamilies) {
    const AllowedNetworks networks = ParseOk("10.0.0.0/8, 192.168.1.7 fd00::/8,::1");
    EXPECT_TRUE(networks.Allows(ip::make_address("10.200.3.4")));
    EXPECT_TRUE(networks.Allows(ip::make_address("192.168.1.7")));
    EXPECT_FALSE(networks.Allows(ip::make_address("192.168.1.8")));
    EXPECT_FALSE(networks.Allows(ip::make_address("11.0.0.1")));
    EXPECT_TRUE(networks.Allows(ip::make_address("fd12:3456::1")));
    EXPECT_TRUE(networks.Allows(ip::make_address("::1")));
    EXPECT_FALSE(networks.Allows(ip::make_address("2001:db8::1")));
    EXPECT_EQ(networks.Describe(), "10.0.0.0/8,192.168.1.7/32,fd00::/8,::1/128");
}

// A dual-stack listener on "::" sees IPv4 clients as ::ffff:a.b.c.d.
TEST(AllowedNetworks, MatchesIpv4MappedPeersAsIpv4) {
    const AllowedNetworks networks = ParseOk("10.0.0.0/8");
    EXPECT_TRUE(networks.Allows(ip::make_address("::ffff:10.1.2.3")));
    EXPECT_FALSE(networks.Allows(ip::make_address("::ffff:11.1.2.3")));
}

TEST(AllowedNetworks, RefusesWhatIsNotANetworkNamingTheEntry) {
    for (const auto& [list, expected] :
         {std::pair{"10.0.0.0/8,not-an-address", "'not-an-address' is not an IP address"},
          std::pair{"10.0.0.0/33", "'10.0.0.0/33' is not an IP address"},
          std::pair{"10.0.0.1/8", "'10.0.0.1/8' has host bits set"},
          std::pair{"fd00::1/8", "'fd00::1/8' has host bits set"}}) {
        auto parsed = AllowedNetworks::Parse(list);
        ASSERT_FALSE(parsed) << list;
        EXPECT_NE(parsed.error().message.find(expected), std::string::npos)
            << parsed.error().message;
    }
}

TEST(PeerGate, CountsRefusalsByReason) {
    PeerGate gate("http", ParseOk("127.0.0.2"));
    EXPECT_TRUE(gate.Admit(ip::make_address("127.0.0.2")));
    EXPECT_FALSE(gate.Admit(ip::make_address("127.0.0.1")));
    EXPECT_FALSE(gate.Admit(ip::make_address("::1")));
    EXPECT_EQ(gate.Refused(RefusalReason::kNetwork), 2u);
    EXPECT_EQ(gate.Listener(), "http");
    EXPECT_EQ(ToString(RefusalReason::kNetwork), "network");
}

}  // namespace
}  // namespace waka::net
