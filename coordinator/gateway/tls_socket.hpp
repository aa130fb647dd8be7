#pragma once

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

// TLS straight on a connection's socket (ADR 0040). OpenSSL reads and writes the non-blocking
// socket itself (a socket BIO) and, with SSL_MODE_RELEASE_BUFFERS, holds no record buffer while
// the connection is idle. asio::ssl::stream keeps four 17 KiB buffers per connection for its whole
// life (two in its stream core, two in its BIO pair): 68 KiB, eight times the budget of an idle
// agent connection (docs/design.md §7).
namespace waka::coordinator::gateway {

// What one OpenSSL call asks for next: nothing (done, with ec and bytes), or the socket ready.
enum class TlsWant { kNothing, kRead, kWrite };
enum class TlsCall { kHandshake, kRead, kWrite, kShutdown };

struct TlsStep {
    TlsWant want = TlsWant::kNothing;
    boost::system::error_code ec;
    std::size_t bytes = 0;
};

// A server-side TLS stream for Beast (an AsyncStream): one read and one write may be outstanding
// at once, both on the connection's strand, which every call must be made from. A deadline
// (expires_after) closes the socket when it passes, like beast::tcp_stream's: the operations
// under way end with asio's timed_out.
class TlsSocket {
public:
    using executor_type = boost::asio::any_io_executor;
    using next_layer_type = boost::asio::ip::tcp::socket;

    // Takes the accepted socket (made non-blocking) and a new SSL object of context for it.
    // Throws std::runtime_error when OpenSSL cannot make one.
    TlsSocket(next_layer_type socket, SSL_CTX* context);
    TlsSocket(const TlsSocket&) = delete;
    TlsSocket& operator=(const TlsSocket&) = delete;
    TlsSocket(TlsSocket&&) noexcept = default;
    TlsSocket& operator=(TlsSocket&&) noexcept = default;
    ~TlsSocket() = default;

    executor_type get_executor() { return state_->socket.get_executor(); }
    next_layer_type& next_layer() { return state_->socket; }
    SSL* native_handle() { return state_->ssl; }

    void expires_after(std::chrono::steady_clock::duration timeout);
    void expires_never();

    template <class Token>
    auto async_handshake(Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code)>(
            Operation<boost::asio::mutable_buffer, false>{state_.get(), TlsCall::kHandshake, {}},
            token, state_->socket);
    }
    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            Operation<Buffers, true>{state_.get(), TlsCall::kRead, buffers}, token, state_->socket);
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            Operation<Buffers, true>{state_.get(), TlsCall::kWrite, buffers}, token,
            state_->socket);
    }
    // Sends close_notify (waiting for the socket to take it, not for the peer's).
    template <class Token>
    auto async_shutdown(Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code)>(
            Operation<boost::asio::mutable_buffer, false>{state_.get(), TlsCall::kShutdown, {}},
            token, state_->socket);
    }
    // One attempt at close_notify without waiting (the WebSocket's teardown).
    void ShutdownNow();

private:
    // Shared with the deadline's handler (by a weak pointer), so that neither moving the stream
    // into the WebSocket nor destroying it leaves that handler with a dangling pointer.
    struct State {
        State(next_layer_type s, SSL* ssl_object);
        ~State();
        State(const State&) = delete;
        State& operator=(const State&) = delete;
        TlsStep Attempt(TlsCall call, const void* data, std::size_t size);
        boost::system::error_code WaitFailed(boost::system::error_code ec) const;

        next_layer_type socket;
        SSL* ssl;
        boost::asio::steady_timer deadline;
        bool timed_out = false;
    };

    // The first non-empty buffer, or up to 16 KiB of a sequence of small ones copied into
    // scratch (one TLS record for a WebSocket frame's header and payload).
    template <class Buffers>
    static boost::asio::const_buffer Flatten(const Buffers& buffers,
                                             std::array<char, 16384>& scratch) {
        const auto end = boost::asio::buffer_sequence_end(buffers);
        auto it = boost::asio::buffer_sequence_begin(buffers);
        while (it != end && boost::asio::buffer_size(*it) == 0) {
            ++it;
        }
        if (it == end) {
            return {};
        }
        const boost::asio::const_buffer first(*it);  // NOLINT: a buffer view, not a copy
        if (std::next(it) == end || first.size() >= scratch.size()) {
            return first;
        }
        const auto copied = boost::asio::buffer_copy(boost::asio::buffer(scratch), buffers);
        return boost::asio::buffer(scratch.data(), copied);
    }

    template <class Buffers, bool kWithBytes>
    struct Operation {
        State* state;
        TlsCall call;
        Buffers buffers;
        bool started = false;
        bool finishing = false;
        TlsStep step{};

        template <class Self>
        void operator()(Self& self, boost::system::error_code wait_ec = {}) {
            if (!finishing) {
                Run(self, wait_ec);
                return;
            }
            if constexpr (kWithBytes) {
                self.complete(step.ec, step.bytes);
            } else {
                self.complete(step.ec);
            }
        }

    private:
        template <class Self>
        void Run(Self& self, boost::system::error_code wait_ec) {
            const bool initiating = !started;
            started = true;
            if (wait_ec) {
                step = {TlsWant::kNothing, state->WaitFailed(wait_ec), 0};
            } else {
                step = Try();
            }
            if (step.want != TlsWant::kNothing) {
                state->socket.async_wait(step.want == TlsWant::kRead ? next_layer_type::wait_read
                                                                     : next_layer_type::wait_write,
                                         std::move(self));
                return;
            }
            finishing = true;
            if (initiating) {
                // Never complete inside the initiating call (the AsyncStream contract).
                boost::asio::post(state->socket.get_executor(), std::move(self));
                return;
            }
            (*this)(self);
        }

        // One OpenSSL call; reads only exist for mutable buffers (Beast's read_some).
        TlsStep Try() {
            if constexpr (boost::asio::is_mutable_buffer_sequence<Buffers>::value) {
                if (call == TlsCall::kRead) {
                    const auto into = FirstNonEmpty(buffers);
                    return state->Attempt(call, into.data(), into.size());
                }
            }
            std::array<char, 16384> scratch;
            const auto from =
                call == TlsCall::kWrite ? Flatten(buffers, scratch) : boost::asio::const_buffer{};
            return state->Attempt(call, from.data(), from.size());
        }

        static boost::asio::mutable_buffer FirstNonEmpty(const Buffers& sequence) {
            for (auto it = boost::asio::buffer_sequence_begin(sequence);
                 it != boost::asio::buffer_sequence_end(sequence); ++it) {
                if (boost::asio::buffer_size(*it) != 0) {
                    return *it;
                }
            }
            return {};
        }
    };

    std::shared_ptr<State> state_;
};

}  // namespace waka::coordinator::gateway
