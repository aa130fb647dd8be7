#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "shared/core/error.hpp"

namespace waka::agent::link {

// Opens `socket` for `target` and binds it to `local_address` (an IP literal), port left to the
// kernel at connect time (IP_BIND_ADDRESS_NO_PORT on Linux, so that each source address has its
// own ephemeral ports: the load tool spreads tens of thousands of links over 127.0.0.x this way).
// Errc::kInvalidArgument for an address that does not parse or is of another family than the
// target; Errc::kIo when the socket cannot be opened or bound.
[[nodiscard]] Expected<void> OpenFrom(boost::asio::ip::tcp::socket& socket,
                                      const boost::asio::ip::tcp::endpoint& target,
                                      const std::string& local_address);

}  // namespace waka::agent::link
