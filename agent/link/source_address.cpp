#include "agent/link/source_address.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>

namespace waka::agent::link {

namespace asio = boost::asio;

Expected<void> OpenFrom(asio::ip::tcp::socket& socket, const asio::ip::tcp::endpoint& target,
                        const std::string& local_address) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(local_address, ec);
    if (ec) {
        return MakeError(Errc::kInvalidArgument,
                         "source address '" + local_address + "' is no IP address");
    }
    if (address.is_v4() != target.address().is_v4()) {
        return MakeError(Errc::kInvalidArgument, "source address '" + local_address +
                                                     "' is not of the coordinator's family");
    }
    socket.open(target.protocol(), ec);
    if (ec) {
        return MakeError(Errc::kIo, "open socket: " + ec.message());
    }
#ifdef IP_BIND_ADDRESS_NO_PORT
    const int on = 1;
    // Best effort: without it bind() picks the port now, from the same range for every address.
    (void)::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
#endif
    socket.bind(asio::ip::tcp::endpoint(address, 0), ec);
    if (ec) {
        socket.close();
        return MakeError(Errc::kIo, "bind to " + local_address + ": " + ec.message());
    }
    return {};
}

}  // namespace waka::agent::link
