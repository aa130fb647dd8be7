#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <vector>

// For the Beast translation units of both listeners (http/connection.cpp, gateway/connection.cpp).
namespace waka::coordinator::http {

// The serializer's next buffers (header and/or the next piece of the body) as plain buffers: what
// beast::http::async_write_some hands to the stream, without the stream. Writing them with one
// stream.async_write_some(std::vector<const_buffer>) for every body type instantiates the stream's
// composed operations (TLS, deadlines, the coroutine's handler) once instead of once per body
// type, which was a third of a listener's compile time. Answers false (and leaves buffers empty)
// when there is nothing left to write; after writing n bytes, call serializer.consume(n).
template <class Serializer>
[[nodiscard]] bool NextBuffers(Serializer& serializer,
                               std::vector<boost::asio::const_buffer>& buffers,
                               boost::beast::error_code& ec) {
    buffers.clear();
    bool invoked = false;
    serializer.next(ec, [&](boost::beast::error_code& next_ec, const auto& next) {
        invoked = true;
        next_ec = {};
        buffers.assign(boost::asio::buffer_sequence_begin(next),
                       boost::asio::buffer_sequence_end(next));
    });
    return invoked;
}

}  // namespace waka::coordinator::http
