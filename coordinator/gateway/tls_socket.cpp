#include "coordinator/gateway/tls_socket.hpp"

#include <openssl/err.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <stdexcept>

namespace waka::coordinator::gateway {
namespace {

boost::system::error_code SslError(unsigned long code) {
    if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return boost::asio::ssl::error::stream_truncated;  // what asio::ssl::stream reports
    }
    return {static_cast<int>(code), boost::asio::error::get_ssl_category()};
}

}  // namespace

TlsSocket::TlsSocket(next_layer_type socket, SSL_CTX* context) {
    SSL* ssl = SSL_new(context);
    if (ssl == nullptr) {
        throw std::runtime_error("SSL_new failed");
    }
    state_ = std::make_shared<State>(std::move(socket), ssl);
}

TlsSocket::State::State(next_layer_type s, SSL* ssl_object)
    : socket(std::move(s)), ssl(ssl_object), deadline(socket.get_executor()) {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    // The fd is the socket's (BIO_NOCLOSE): asio closes it, never OpenSSL. A write that could
    // not finish is retried with the same bytes from another address (Flatten's scratch).
    SSL_set_fd(ssl, static_cast<int>(socket.native_handle()));
    SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
    SSL_set_accept_state(ssl);
}

TlsSocket::State::~State() { SSL_free(ssl); }

void TlsSocket::expires_after(std::chrono::steady_clock::duration timeout) {
    state_->timed_out = false;
    state_->deadline.expires_after(timeout);
    state_->deadline.async_wait(
        [weak = std::weak_ptr<State>(state_)](boost::system::error_code ec) {
            auto state = weak.lock();
            // A deadline moved or cancelled since (expires_after, expires_never) has not passed.
            if (ec || !state || state->deadline.expiry() > std::chrono::steady_clock::now()) {
                return;
            }
            state->timed_out = true;
            boost::system::error_code ignored;
            state->socket.close(ignored);
        });
}

void TlsSocket::expires_never() {
    state_->deadline.expires_at(std::chrono::steady_clock::time_point::max());
}

void TlsSocket::ShutdownNow() {
    if (state_->socket.is_open() && SSL_is_init_finished(state_->ssl) == 1) {
        ERR_clear_error();
        SSL_shutdown(state_->ssl);
    }
}

boost::system::error_code TlsSocket::State::WaitFailed(boost::system::error_code ec) const {
    return timed_out ? boost::system::error_code(boost::asio::error::timed_out) : ec;
}

TlsStep TlsSocket::State::Attempt(TlsCall call, const void* data, std::size_t size) {
    // Closed (by a deadline, a shutdown or the watchdog): the fd number may already belong to
    // another connection, so OpenSSL must not touch it.
    if (!socket.is_open()) {
        return {TlsWant::kNothing, WaitFailed(boost::asio::error::bad_descriptor), 0};
    }
    if (size == 0 && (call == TlsCall::kRead || call == TlsCall::kWrite)) {
        return {};
    }
    ERR_clear_error();
    std::size_t bytes = 0;
    int rc = 0;
    switch (call) {
        case TlsCall::kHandshake:
            rc = SSL_do_handshake(ssl);
            break;
        case TlsCall::kRead:
            rc = SSL_read_ex(ssl, const_cast<void*>(data), size, &bytes);
            break;
        case TlsCall::kWrite:
            rc = SSL_write_ex(ssl, data, size, &bytes);
            break;
        case TlsCall::kShutdown:
            // 0: our close_notify is out; the peer's is not awaited.
            rc = SSL_shutdown(ssl) >= 0 ? 1 : -1;
            break;
    }
    if (rc == 1) {
        return {TlsWant::kNothing, {}, bytes};
    }
    const int saved_errno = errno;
    switch (SSL_get_error(ssl, rc)) {
        case SSL_ERROR_WANT_READ:
            return {call == TlsCall::kShutdown ? TlsWant::kNothing : TlsWant::kRead, {}, 0};
        case SSL_ERROR_WANT_WRITE:
            return {TlsWant::kWrite, {}, 0};
        case SSL_ERROR_ZERO_RETURN:
            return {TlsWant::kNothing, boost::asio::error::eof, 0};
        case SSL_ERROR_SYSCALL:
            if (const auto code = ERR_get_error(); code != 0) {
                return {TlsWant::kNothing, SslError(code), 0};
            }
            return {TlsWant::kNothing,
                    saved_errno == 0
                        ? boost::system::error_code(boost::asio::error::eof)
                        : boost::system::error_code(saved_errno, boost::system::system_category()),
                    0};
        default:
            return {TlsWant::kNothing, SslError(ERR_get_error()), 0};
    }
}

}  // namespace waka::coordinator::gateway
