// Every Beast instantiation of the agent gateway lives in this one translation unit: TLS, the HTTP
// requests of artifact downloads, and the agent WebSocket with its writer and watchdog.
#include "coordinator/gateway/connection.hpp"

#include <algorithm>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <optional>
#include <tuple>
#include <vector>

#include "coordinator/gateway/agent_session.hpp"
#include "coordinator/gateway/artifact_request.hpp"
#include "coordinator/gateway/connection_beast.hpp"
#include "coordinator/gateway/gateway_context.hpp"
#include "coordinator/gateway/outbound_queue.hpp"
#include "coordinator/gateway/session_deadline.hpp"
#include "coordinator/http/byte_range.hpp"
#include "coordinator/http/peer.hpp"
#include "coordinator/http/range_file.hpp"
#include "coordinator/http/serializer_buffers.hpp"
#include "shared/core/log.hpp"
#include "shared/pki/agent_certificates.hpp"

namespace waka::coordinator::gateway {
namespace {

using namespace beast_types;  // the stream types and limits of connection_beast.hpp

std::optional<ports::PeerCertificate> PeerCertificateOf(SSL* ssl) {
    auto facts = pki::VerifiedPeerCertificate(ssl);
    if (!facts) {
        return std::nullopt;
    }
    return ports::PeerCertificate{std::move(facts->common_name), std::move(facts->serial)};
}

// One accepted TCP connection: TLS, then HTTP requests (artifact downloads, keep-alive) or one
// upgrade to the agent WebSocket, whose protocol is the AgentSession's. Everything runs on the
// connection's strand (executor_); the Post* functions are the only entry points from other
// threads.
class GatewayConnection final : public Connection, public SessionLink {
public:
    GatewayConnection(std::shared_ptr<GatewayContext> context, tcp::socket socket,
                      net::ConnectionSlot slot)
        : slot_(std::move(slot)),
          context_(std::move(context)),
          executor_(socket.get_executor()),
          peer_(http::FormatPeer(socket)),
          session_(*context_, *this, *this, peer_),
          outbound_(executor_, context_->options.max_queued_messages),
          deadline_(executor_) {
        // Instructions are small and latency matters more than packet count (fan-out target).
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        tls_.emplace(std::move(socket), context_->tls.Current()->native_handle());
    }

    // The whole life of the connection; never throws (the last-resort catch lives here).
    static asio::awaitable<void> AsyncRun(std::shared_ptr<GatewayConnection> self);

    void PostSend(OutboundMessage message) override {
        asio::post(executor_, [self = Self(), m = std::move(message)]() mutable {
            self->Enqueue(std::move(m));
        });
    }
    void PostClose(CloseCode code, std::string reason) override {
        asio::post(executor_, [self = Self(), code, r = std::move(reason)] {
            self->RequestClose(code, r, false);
        });
    }
    void PostShutdown() override {
        asio::post(executor_, [self = Self()] {
            if (self->ws_) {
                self->RequestClose(CloseCode::kGoingAway, kShutdownReason, false);
            } else if (self->tls_) {
                DropSocket(*self->tls_);
            }
        });
    }

    void Enqueue(OutboundMessage message) override;
    void RequestClose(CloseCode code, std::string_view reason, bool flush_queue) override;
    void SetDeadline(unsigned seconds, std::string reason) override {
        deadline_.Set(seconds, std::move(reason));
    }
    [[nodiscard]] bool Closing() const override { return close_request_.has_value(); }
    void HelloAccepted() override { ws_->read_message_max(context_->options.max_message_bytes); }

private:
    std::shared_ptr<GatewayConnection> Self() {
        return std::static_pointer_cast<GatewayConnection>(shared_from_this());
    }

    asio::awaitable<void> AsyncServe();
    asio::awaitable<bool> AsyncHandleHttp(const Request& req);
    asio::awaitable<bool> AsyncServeArtifact(const Request& req, std::string_view sha256);
    asio::awaitable<bool> AsyncSendFile(const Request& req, const std::string& sha256,
                                        const std::filesystem::path& path);
    asio::awaitable<bool> AsyncJsonError(const Request& req, const HttpError& error);
    template <class Body>
    asio::awaitable<bool> AsyncWriteResponse(bhttp::response<Body>& res, bool keep_alive);
    // One instantiation of the TLS write for every body type (http/serializer_buffers.hpp).
    asio::awaitable<std::tuple<beast::error_code, std::size_t>> AsyncWriteSome(
        const std::vector<asio::const_buffer>& buffers);
    void AbortSocket();

    asio::awaitable<void> AsyncWebSocket(const Request& req);
    // Runs a helper coroutine of the session; an exception there drops the connection instead of
    // silently leaving a session without writer or watchdog.
    static asio::awaitable<void> AsyncGuarded(std::shared_ptr<GatewayConnection> self,
                                              asio::awaitable<void> body, const char* what);
    static asio::awaitable<void> AsyncWriter(std::shared_ptr<GatewayConnection> self);
    static asio::awaitable<void> AsyncWatchdog(std::shared_ptr<GatewayConnection> self);
    asio::awaitable<void> AsyncReadLoop();
    asio::awaitable<void> AsyncFinish();

    net::ConnectionSlot slot_;  // the peer's place in the per-address cap, given back last
    std::shared_ptr<GatewayContext> context_;
    asio::any_io_executor executor_;  // the connection's strand
    std::string peer_;
    std::optional<ports::PeerCertificate> peer_certificate_;  // verified in the TLS handshake
    AgentSession session_;
    std::optional<TlsStream> tls_;  // until the upgrade
    std::optional<WsStream> ws_;    // after it
    beast::flat_buffer http_buffer_;

    bool finished_ = false;  // the read loop ended: the writer and the watchdog stop
    std::string close_cause_;

    OutboundQueue outbound_;
    std::optional<websocket::close_reason> close_request_;

    SessionDeadline deadline_;  // the watchdog's
};

asio::awaitable<void> GatewayConnection::AsyncRun(std::shared_ptr<GatewayConnection> self) {
    self->context_->registry.Track(self);
    std::string failure;
    try {
        co_await self->AsyncServe();
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "unknown exception";
    }
    if (!failure.empty()) {
        log::Error("gateway connection failed peer={} instance_id={} error={}", self->peer_,
                   self->session_.instance_id(), failure);
        self->AbortSocket();
        try {
            co_await self->AsyncFinish();
        } catch (...) {
            log::Error("gateway connection cleanup failed peer={}", self->peer_);
        }
    }
    self->context_->registry.Untrack(self.get());
}

void GatewayConnection::AbortSocket() {
    if (ws_) {
        DropSocket(*ws_);
    } else if (tls_) {
        DropSocket(*tls_);
    }
    finished_ = true;
    outbound_.Wake();
    deadline_.Cancel();
}

asio::awaitable<void> GatewayConnection::AsyncServe() {
    const auto& options = context_->options;
    tls_->expires_after(std::chrono::seconds(options.handshake_timeout_seconds));
    auto [hec] = co_await tls_->async_handshake(kNoThrow);
    if (hec) {
        log::Debug("gateway TLS handshake failed peer={} error={}", peer_, hec.message());
        co_return;
    }
    peer_certificate_ = PeerCertificateOf(tls_->native_handle());
    session_.SetPeerCertificate(peer_certificate_);
    for (bool first = true;; first = false) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(kMaxRequestBodyBytes);
        parser.header_limit(kMaxRequestHeaderBytes);
        tls_->expires_after(std::chrono::seconds(first ? options.handshake_timeout_seconds
                                                       : options.idle_timeout_seconds));
        auto [ec, n] = co_await bhttp::async_read(*tls_, http_buffer_, parser, kNoThrow);
        if (ec) {
            if (ec != bhttp::error::end_of_stream) {
                log::Debug("gateway request read failed peer={} error={}", peer_, ec.message());
                co_return;
            }
            break;
        }
        Request req = parser.release();
        if (websocket::is_upgrade(req) && IsConnectPath(req.target())) {
            tls_->expires_never();  // the WebSocket keeps its own deadlines from here
            co_await AsyncWebSocket(req);
            co_return;
        }
        if (!co_await AsyncHandleHttp(req)) {
            break;
        }
    }
    tls_->expires_after(std::chrono::seconds(options.handshake_timeout_seconds));
    co_await tls_->async_shutdown(kNoThrow);
}

asio::awaitable<bool> GatewayConnection::AsyncHandleHttp(const Request& req) {
    if (const auto sha256 = ArtifactName(req.target())) {
        co_return co_await AsyncServeArtifact(req, *sha256);
    }
    const HttpError error = NotAnArtifact(req.target());
    co_return co_await AsyncJsonError(req, error);
}

asio::awaitable<bool> GatewayConnection::AsyncServeArtifact(const Request& req,
                                                            std::string_view sha256) {
    ArtifactRequest request;
    request.get_or_head = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;
    request.sha256 = std::string(sha256);
    request.instance_id = std::string(req["X-Waka-Instance"]);
    request.authorization = std::string(req[bhttp::field::authorization]);
    request.peer_certificate = peer_certificate_;
    request.certificate_required = context_->options.require_client_certificate;
    auto located = co_await AsyncLocateArtifact(context_->Directory(), request, peer_);
    if (const auto* error = std::get_if<HttpError>(&located)) {
        co_return co_await AsyncJsonError(req, *error);
    }
    co_return co_await AsyncSendFile(req, request.sha256, std::get<std::filesystem::path>(located));
}

asio::awaitable<bool> GatewayConnection::AsyncSendFile(const Request& req,
                                                       const std::string& sha256,
                                                       const std::filesystem::path& path) {
    beast::error_code ec;
    http::RangeFile file;
    file.open(path.c_str(), beast::file_mode::scan, ec);
    const std::uint64_t size = ec ? 0 : file.size(ec);
    if (ec) {
        log::Warn("artifact file unreadable sha256={} path={} error={}", sha256, path.string(),
                  ec.message());
        co_return co_await AsyncJsonError(req, ArtifactFileMissing());
    }
    const auto planned = PlanArtifactWindow(req[bhttp::field::range], size);
    if (const auto* refusal = std::get_if<HttpError>(&planned)) {
        co_return co_await AsyncJsonError(req, *refusal);
    }
    const ArtifactWindow& window = std::get<ArtifactWindow>(planned);
    bhttp::response<bhttp::empty_body> head(static_cast<bhttp::status>(window.status),
                                            req.version());
    head.set(bhttp::field::server, kServerName);
    head.set(bhttp::field::content_type, "application/octet-stream");
    head.set(bhttp::field::accept_ranges, "bytes");
    head.set(bhttp::field::etag, "\"" + sha256 + "\"");
    if (!window.content_range.empty()) {
        head.set(bhttp::field::content_range, window.content_range);
    }
    head.content_length(window.length);
    if (req.method() == bhttp::verb::head) {
        co_return co_await AsyncWriteResponse(head, req.keep_alive());
    }
    file.Restrict(window.first, window.length, ec);
    bhttp::response<bhttp::basic_file_body<http::RangeFile>> res(std::move(head.base()));
    if (!ec) {
        res.body().reset(std::move(file), ec);
    }
    if (ec) {
        co_return co_await AsyncJsonError(req, ArtifactFileUnreadable());
    }
    co_return co_await AsyncWriteResponse(res, req.keep_alive());
}

asio::awaitable<bool> GatewayConnection::AsyncJsonError(const Request& req,
                                                        const HttpError& error) {
    bhttp::response<bhttp::string_body> res(static_cast<bhttp::status>(error.status),
                                            req.version());
    res.set(bhttp::field::server, kServerName);
    res.set(bhttp::field::content_type, "application/json");
    if (res.result() == bhttp::status::unauthorized) {
        res.set(bhttp::field::www_authenticate, "Bearer");
    }
    if (error.unsatisfied_size) {
        res.set(bhttp::field::content_range,
                http::UnsatisfiedContentRange(*error.unsatisfied_size));
    }
    res.body() = ErrorBody(error);
    res.prepare_payload();
    const bool keep_alive = req.keep_alive() && KeepsConnection(error);
    if (req.method() == bhttp::verb::head) {
        bhttp::response<bhttp::empty_body> head(std::move(res.base()));
        co_return co_await AsyncWriteResponse(head, keep_alive);
    }
    co_return co_await AsyncWriteResponse(res, keep_alive);
}

template <class Body>
asio::awaitable<bool> GatewayConnection::AsyncWriteResponse(bhttp::response<Body>& res,
                                                            bool keep_alive) {
    res.keep_alive(keep_alive);
    bhttp::response_serializer<Body> serializer(res);
    std::vector<asio::const_buffer> buffers;
    while (!serializer.is_done()) {
        beast::error_code ec;
        std::size_t n = 0;
        if (http::NextBuffers(serializer, buffers, ec)) {
            std::tie(ec, n) = co_await AsyncWriteSome(buffers);
        }
        if (ec) {
            log::Debug("gateway response write failed peer={} error={}", peer_, ec.message());
            co_return false;
        }
        serializer.consume(n);
    }
    co_return keep_alive;
}

asio::awaitable<std::tuple<beast::error_code, std::size_t>> GatewayConnection::AsyncWriteSome(
    const std::vector<asio::const_buffer>& buffers) {
    // A deadline per chunk rather than per response: a big artifact on a slow link is fine as long
    // as it keeps moving.
    tls_->expires_after(std::chrono::seconds(context_->options.idle_timeout_seconds));
    co_return co_await tls_->async_write_some(buffers, kNoThrow);
}

asio::awaitable<void> GatewayConnection::AsyncWebSocket(const Request& req) {
    const auto& options = context_->options;
    ws_.emplace(std::move(*tls_));
    tls_.reset();
    // Idle sessions are the common case (docs/design.md §7, ≤ 8 KiB each): keep no request buffer
    // around.
    http_buffer_.clear();
    http_buffer_.shrink_to_fit();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(options.handshake_timeout_seconds);
    // Idleness is judged by our watchdog, which closes with a reason instead of dropping the
    // socket.
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_->set_option(timeouts);
    ws_->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, kServerName); }));
    ws_->binary(true);
    // Without fragmentation (or compression) Beast writes a frame straight from the message and
    // keeps no write buffer per session; messages are bounded by max_message_bytes anyway.
    ws_->auto_fragment(false);
    ws_->read_message_max(std::min(options.max_pre_hello_bytes, options.max_message_bytes));
    if (context_->registry.Stopping()) {
        co_return;
    }
    auto [ec] = co_await ws_->async_accept(req, kNoThrow);
    if (ec) {
        log::Debug("gateway WebSocket handshake failed peer={} error={}", peer_, ec.message());
        co_return;
    }
    SetDeadline(options.handshake_timeout_seconds,
                NoHelloReason(options.handshake_timeout_seconds));
    auto self = Self();
    asio::co_spawn(executor_, AsyncGuarded(self, AsyncWriter(self), "writer"), asio::detached);
    asio::co_spawn(executor_, AsyncGuarded(self, AsyncWatchdog(self), "watchdog"), asio::detached);
    co_await AsyncReadLoop();
    co_await AsyncFinish();
}

asio::awaitable<void> GatewayConnection::AsyncReadLoop() {
    beast::flat_buffer buffer;
    for (;;) {
        // An idle session keeps no message buffer (≤ 8 KiB each, docs/design.md §7): one
        // allocation per message is cheap at heartbeat rates.
        buffer.clear();
        buffer.shrink_to_fit();
        auto [ec, n] = co_await ws_->async_read(buffer, kNoThrow);
        if (ec) {
            if (close_cause_.empty()) {
                const auto& peer_reason = ws_->reason();
                close_cause_ = ec == websocket::error::closed
                                   ? ClosedByAgentCause(peer_reason.code,
                                                        std::string_view(peer_reason.reason.data(),
                                                                         peer_reason.reason.size()))
                                   : ec.message();
            }
            co_return;
        }
        if (close_request_) {
            continue;  // closing: frames still in flight are dropped
        }
        session_.OnFrame();
        if (!ws_->got_binary()) {
            RequestClose(CloseCode::kUnknownData, kTextFrameReason, false);
            continue;
        }
        const auto data = buffer.cdata();
        co_await session_.AsyncHandleFrame(
            std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
}

asio::awaitable<void> GatewayConnection::AsyncFinish() {
    finished_ = true;
    outbound_.Wake();
    deadline_.Cancel();
    co_await session_.AsyncClosed(close_cause_);
}

void GatewayConnection::Enqueue(OutboundMessage message) {
    if (finished_ || close_request_ || !ws_) {
        return;  // the session is going away; undelivered work is re-sent on reconnect
    }
    if (!outbound_.Push(std::move(message))) {
        log::Warn("agent outbound queue full instance_id={} session_id={} limit={}",
                  session_.instance_id(), session_.session_id(), outbound_.limit());
        RequestClose(CloseCode::kPolicyError, kQueueOverflowReason, false);
    }
}

void GatewayConnection::RequestClose(CloseCode code, std::string_view reason, bool flush_queue) {
    if (close_request_ || finished_ || !ws_) {
        return;
    }
    close_request_ = MakeCloseReason(code, reason);
    if (close_cause_.empty()) {
        close_cause_ = std::string(reason);
    }
    if (!flush_queue) {
        outbound_.Clear();
    }
    // The closing handshake (and a writer stuck on a peer that stopped reading) gets a bound too.
    SetDeadline(context_->options.handshake_timeout_seconds, std::string(kClosingTimeoutReason));
    outbound_.Wake();
}

asio::awaitable<void> GatewayConnection::AsyncGuarded(std::shared_ptr<GatewayConnection> self,
                                                      asio::awaitable<void> body,
                                                      const char* what) {
    try {
        co_await std::move(body);
    } catch (const std::exception& e) {
        log::Error("agent session {} failed instance_id={} peer={} error={}", what,
                   self->session_.instance_id(), self->peer_, e.what());
        self->AbortSocket();
    }
}

asio::awaitable<void> GatewayConnection::AsyncWriter(std::shared_ptr<GatewayConnection> self) {
    while (!self->finished_) {
        while (!self->outbound_.Empty()) {
            const std::string bytes = self->outbound_.PopEncoded();
            auto [ec, n] = co_await self->ws_->async_write(asio::buffer(bytes), kNoThrow);
            if (ec) {
                // The read side fails too and runs the cleanup; make sure it does not wait.
                DropSocket(*self->ws_);
                co_return;
            }
        }
        if (self->close_request_) {
            auto [ec] = co_await self->ws_->async_close(*self->close_request_, kNoThrow);
            if (ec) {
                DropSocket(*self->ws_);
            }
            co_return;
        }
        co_await self->outbound_.AsyncSleep();
    }
}

asio::awaitable<void> GatewayConnection::AsyncWatchdog(std::shared_ptr<GatewayConnection> self) {
    while (!self->finished_) {
        const bool expired = co_await self->deadline_.AsyncWait();
        if (self->finished_) {
            co_return;
        }
        if (!expired) {
            continue;
        }
        if (self->close_request_) {
            log::Info("agent connection dropped peer={} instance_id={} reason={}", self->peer_,
                      self->session_.instance_id(), self->deadline_.reason());
            DropSocket(*self->ws_);
            co_return;
        }
        const std::string reason = self->deadline_.reason();
        self->RequestClose(CloseCode::kPolicyError, reason, false);
    }
}

}  // namespace

void StartConnection(std::shared_ptr<GatewayContext> context, tcp::socket socket,
                     net::ConnectionSlot slot) {
    const asio::any_io_executor strand = socket.get_executor();
    auto connection =
        std::make_shared<GatewayConnection>(std::move(context), std::move(socket), std::move(slot));
    asio::co_spawn(strand, GatewayConnection::AsyncRun(connection), asio::detached);
}

}  // namespace waka::coordinator::gateway
