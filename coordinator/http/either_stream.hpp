#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstddef>
#include <optional>
#include <utility>

// Internal to the HTTP server (connection.cpp, its only includer): the byte stream of one
// connection, plain TCP or TLS over TCP, chosen when the connection is accepted. Beast's parsers
// and serializers see this one stream type, so the HTTP code is instantiated once and serves
// both; only the two async_*_some calls below branch.
namespace waka::coordinator::http {

class EitherStream {
public:
    using executor_type = boost::beast::tcp_stream::executor_type;
    using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    // tls: the server's identity for this connection, or null for plain HTTP.
    EitherStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls)
        : plain_(std::move(socket)) {
        if (tls != nullptr) {
            tls_.emplace(std::move(plain_), *tls);
        }
    }

    [[nodiscard]] executor_type get_executor() { return Tcp().get_executor(); }
    // The TCP layer: deadlines, cancel, shutdown.
    [[nodiscard]] boost::beast::tcp_stream& Tcp() {
        return tls_ ? boost::beast::get_lowest_layer(*tls_) : plain_;
    }
    [[nodiscard]] bool IsTls() const { return tls_.has_value(); }
    // Only when IsTls().
    [[nodiscard]] TlsStream& Tls() { return *tls_; }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& b) {
                if (tls_) {
                    tls_->async_read_some(b, std::move(handler));
                } else {
                    plain_.async_read_some(b, std::move(handler));
                }
            },
            token, buffers);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& b) {
                if (tls_) {
                    tls_->async_write_some(b, std::move(handler));
                } else {
                    plain_.async_write_some(b, std::move(handler));
                }
            },
            token, buffers);
    }

private:
    boost::beast::tcp_stream plain_;  // moved into tls_ when the connection is TLS
    std::optional<TlsStream> tls_;
};

}  // namespace waka::coordinator::http
