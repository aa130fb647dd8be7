#include "coordinator/gateway/gateway_server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "coordinator/gateway/artifact_range.hpp"
#include "coordinator/gateway/wire.hpp"
#include "shared/core/crypto.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using WsStream = websocket::stream<TlsStream>;
using Request = http::request<http::string_body>;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kConnectPath = "/agent/v1/connect";
constexpr std::string_view kArtifactPrefix = "/agent/v1/artifacts/";
constexpr std::string_view kServerName = "waka-coordinator";
constexpr std::string_view kShutdownReason = "coordinator shutting down";
constexpr std::string_view kReplacedReason = "replaced by a newer session";
// Agents only send GET/HEAD and the upgrade request: nothing needs a body or big headers.
constexpr std::uint64_t kMaxRequestBodyBytes = 8 * 1024;
constexpr std::uint32_t kMaxRequestHeaderBytes = 16 * 1024;
// RFC 6455 §5.5: control frame payloads are at most 125 bytes, 2 of them for the code.
constexpr std::size_t kMaxCloseReasonBytes = 123;

std::string FormatPeer(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) {
        return "unknown";
    }
    const auto address = endpoint.address();
    const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

std::string JsonEscape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::string_view PathOf(std::string_view target) {
    return target.substr(0, target.find('?'));
}

websocket::close_reason MakeCloseReason(websocket::close_code code, std::string_view reason) {
    websocket::close_reason cr(code);
    cr.reason = std::string(reason.substr(0, kMaxCloseReasonBytes));
    return cr;
}

class Connection;

// Shared state of one gateway: listener, TLS context, the session registry. Outlives its
// connections (they hold a shared_ptr); the registry is guarded by mutex_ because Send() comes from
// any thread.
class Core : public std::enable_shared_from_this<Core> {
public:
    Core(asio::io_context& io, GatewayOptions options)
        : io_(io),
          options_(std::move(options)),
          tls_(ssl::context::tls_server),
          acceptor_(asio::make_strand(io)) {}

    [[nodiscard]] Expected<std::uint16_t> Start(AgentDirectory& directory);
    void Stop();
    bool Post(const std::string& instance_id, OutboundMessage message);
    [[nodiscard]] bool IsConnected(const std::string& instance_id) const {
        std::lock_guard lock(mutex_);
        return sessions_.contains(instance_id);
    }
    [[nodiscard]] std::size_t ConnectedCount() const {
        std::lock_guard lock(mutex_);
        return sessions_.size();
    }

    const GatewayOptions& options() const { return options_; }
    AgentDirectory& directory() { return *directory_; }
    ssl::context& tls() { return tls_; }
    bool Stopping() const {
        std::lock_guard lock(mutex_);
        return stopping_;
    }

    void Track(const std::shared_ptr<Connection>& connection);
    void Untrack(const Connection* connection);
    // False when stopping. Otherwise the connection is the instance's session and replaced (if
    // any) is the session it displaced, for the caller to close.
    bool Register(const std::string& instance_id, const std::shared_ptr<Connection>& connection,
                  std::shared_ptr<Connection>& replaced);
    // Removes the entry only if it still is this connection (a newer session may have replaced it).
    void Unregister(const std::string& instance_id, const Connection* connection);

private:
    static asio::awaitable<void> AsyncAccept(std::shared_ptr<Core> self);
    [[nodiscard]] Expected<void> LoadTls();
    [[nodiscard]] Expected<void> Listen();

    asio::io_context& io_;
    GatewayOptions options_;
    AgentDirectory* directory_ = nullptr;  // set by Start, before the first connection
    ssl::context tls_;
    tcp::acceptor acceptor_;  // used on its strand only, after Start()

    mutable std::mutex mutex_;
    bool started_ = false;
    bool stopping_ = false;
    std::unordered_map<std::string, std::shared_ptr<Connection>> sessions_;
    std::unordered_map<const Connection*, std::weak_ptr<Connection>> connections_;
};

// One accepted TCP connection: TLS, then HTTP requests (artifact downloads, keep-alive) or one
// upgrade to the agent WebSocket. Everything runs on the connection's strand (executor_); the
// public Post* functions are the only entry points from other threads.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(std::shared_ptr<Core> core, tcp::socket socket)
        : core_(std::move(core)),
          executor_(socket.get_executor()),
          peer_(FormatPeer(socket)),
          wake_timer_(executor_),
          watchdog_timer_(executor_) {
        // Instructions are small and latency matters more than packet count (fan-out target).
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        tls_.emplace(std::move(socket), core_->tls());
    }

    const asio::any_io_executor& executor() const { return executor_; }

    // The whole life of the connection; never throws (the last-resort catch lives here).
    static asio::awaitable<void> AsyncRun(std::shared_ptr<Connection> self);

    void PostSend(OutboundMessage message) {
        asio::post(executor_, [self = shared_from_this(), m = std::move(message)]() mutable {
            self->Enqueue(std::move(m));
        });
    }
    void PostClose(websocket::close_code code, std::string reason) {
        asio::post(executor_, [self = shared_from_this(), code, r = std::move(reason)] {
            self->RequestClose(code, r, false);
        });
    }
    // Stop(): a WebSocket is closed with going_away; anything else is dropped.
    void PostShutdown() {
        asio::post(executor_, [self = shared_from_this()] {
            if (self->ws_) {
                self->RequestClose(websocket::close_code::going_away, kShutdownReason, false);
            } else if (self->tls_) {
                beast::get_lowest_layer(*self->tls_).close();
            }
        });
    }

private:
    enum class State { kAwaitingHello, kOpen };

    asio::awaitable<void> AsyncServe();
    asio::awaitable<bool> AsyncHandleHttp(const Request& req);
    asio::awaitable<bool> AsyncServeArtifact(const Request& req, std::string_view sha256);
    asio::awaitable<bool> AsyncSendFile(const Request& req, const std::string& sha256,
                                        const std::filesystem::path& path);
    asio::awaitable<bool> AsyncJsonError(const Request& req, http::status status,
                                         std::string_view code, std::string_view detail,
                                         std::optional<std::uint64_t> unsatisfied_size = {});
    template <class Body>
    asio::awaitable<bool> AsyncWriteResponse(http::response<Body>& res, bool keep_alive);
    void AbortSocket();

    asio::awaitable<void> AsyncWebSocket(const Request& req);
    // Runs a helper coroutine of the session; an exception there drops the connection instead of
    // silently leaving a session without writer or watchdog.
    static asio::awaitable<void> AsyncGuarded(std::shared_ptr<Connection> self,
                                              asio::awaitable<void> body, const char* what);
    static asio::awaitable<void> AsyncWriter(std::shared_ptr<Connection> self);
    static asio::awaitable<void> AsyncWatchdog(std::shared_ptr<Connection> self);
    asio::awaitable<void> AsyncReadLoop();
    asio::awaitable<void> AsyncHandleFrame(std::string_view bytes);
    asio::awaitable<void> AsyncHello(AgentHello& hello);
    asio::awaitable<void> AsyncDispatch(const InboundMessage& message);
    asio::awaitable<void> AsyncFinish();

    void Enqueue(OutboundMessage message);
    void RequestClose(websocket::close_code code, std::string_view reason, bool flush_queue);
    void SetDeadline(unsigned seconds, std::string reason);

    std::shared_ptr<Core> core_;
    asio::any_io_executor executor_;  // the connection's strand
    std::string peer_;
    std::optional<TlsStream> tls_;  // until the upgrade
    std::optional<WsStream> ws_;    // after it
    beast::flat_buffer http_buffer_;

    State state_ = State::kAwaitingHello;
    std::string instance_id_;
    std::string session_id_;
    bool registered_ = false;
    bool finished_ = false;  // the read loop ended: the writer and the watchdog stop
    std::string close_cause_;

    std::deque<OutboundMessage> queue_;
    std::uint64_t next_seq_ = 0;
    std::optional<websocket::close_reason> close_request_;
    asio::steady_timer wake_timer_;  // cancelled to wake the writer

    asio::steady_timer watchdog_timer_;
    SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
    std::string deadline_reason_;
};

// ---- Connection: HTTP phase ----

asio::awaitable<void> Connection::AsyncRun(std::shared_ptr<Connection> self) {
    self->core_->Track(self);
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
                   self->instance_id_, failure);
        self->AbortSocket();
        try {
            co_await self->AsyncFinish();
        } catch (...) {
            log::Error("gateway connection cleanup failed peer={}", self->peer_);
        }
    }
    self->core_->Untrack(self.get());
}

void Connection::AbortSocket() {
    if (ws_) {
        beast::get_lowest_layer(*ws_).close();
    } else if (tls_) {
        beast::get_lowest_layer(*tls_).close();
    }
    finished_ = true;
    wake_timer_.cancel();
    watchdog_timer_.cancel();
}

asio::awaitable<void> Connection::AsyncServe() {
    const auto& options = core_->options();
    auto& tcp_layer = beast::get_lowest_layer(*tls_);
    tcp_layer.expires_after(std::chrono::seconds(options.handshake_timeout_seconds));
    auto [hec] = co_await tls_->async_handshake(ssl::stream_base::server, kNoThrow);
    if (hec) {
        log::Debug("gateway TLS handshake failed peer={} error={}", peer_, hec.message());
        co_return;
    }
    for (bool first = true;; first = false) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(kMaxRequestBodyBytes);
        parser.header_limit(kMaxRequestHeaderBytes);
        tcp_layer.expires_after(std::chrono::seconds(first ? options.handshake_timeout_seconds
                                                           : options.idle_timeout_seconds));
        auto [ec, n] = co_await http::async_read(*tls_, http_buffer_, parser, kNoThrow);
        if (ec) {
            if (ec != http::error::end_of_stream) {
                log::Debug("gateway request read failed peer={} error={}", peer_, ec.message());
                co_return;
            }
            break;
        }
        Request req = parser.release();
        if (websocket::is_upgrade(req) && PathOf(req.target()) == kConnectPath) {
            tcp_layer.expires_never();  // the WebSocket keeps its own deadlines from here
            co_await AsyncWebSocket(req);
            co_return;
        }
        if (!co_await AsyncHandleHttp(req)) {
            break;
        }
    }
    tcp_layer.expires_after(std::chrono::seconds(options.handshake_timeout_seconds));
    co_await tls_->async_shutdown(kNoThrow);
}

asio::awaitable<bool> Connection::AsyncHandleHttp(const Request& req) {
    const std::string_view path = PathOf(req.target());
    if (path.starts_with(kArtifactPrefix)) {
        co_return co_await AsyncServeArtifact(req, path.substr(kArtifactPrefix.size()));
    }
    if (path == kConnectPath) {
        co_return co_await AsyncJsonError(req, http::status::upgrade_required, "upgrade_required",
                                          "agents connect here with a WebSocket upgrade");
    }
    co_return co_await AsyncJsonError(req, http::status::not_found, "not_found",
                                      "no such endpoint on the agent gateway");
}

asio::awaitable<bool> Connection::AsyncServeArtifact(const Request& req,
                                                     std::string_view sha256) {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        co_return co_await AsyncJsonError(req, http::status::method_not_allowed,
                                          "method_not_allowed", "artifacts allow GET and HEAD");
    }
    if (!IsSha256Hex(sha256)) {
        co_return co_await AsyncJsonError(req, http::status::bad_request, "invalid_sha256",
                                          "an artifact is named by 64 lower-case hex digits");
    }
    const std::string instance_id(req["X-Waka-Instance"]);
    const std::string_view authorization = req[http::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    const bool has_bearer = authorization.starts_with(kBearer);
    const std::string credential(has_bearer ? authorization.substr(kBearer.size()) : "");
    bool allowed = false;
    if (!instance_id.empty() && !credential.empty()) {
        allowed = co_await core_->directory().CheckCredential(instance_id, credential);
    }
    if (!allowed) {
        log::Info("artifact download refused peer={} instance_id={} sha256={}", peer_,
                  instance_id, sha256);
        co_return co_await AsyncJsonError(req, http::status::unauthorized, "unauthenticated",
                                          "a valid instance credential is required");
    }
    const std::string sha(sha256);
    auto path = co_await core_->directory().ArtifactPath(sha);
    if (!path) {
        if (path.error().Is(Errc::kNotFound)) {
            co_return co_await AsyncJsonError(req, http::status::not_found, "artifact_not_found",
                                              "no artifact with this sha256");
        }
        log::Warn("artifact lookup failed sha256={} error={}", sha, path.error().message);
        co_return co_await AsyncJsonError(req, http::status::service_unavailable,
                                          "artifact_store_unavailable",
                                          "the artifact store cannot be read now");
    }
    co_return co_await AsyncSendFile(req, sha, *path);
}

asio::awaitable<bool> Connection::AsyncSendFile(const Request& req, const std::string& sha256,
                                                const std::filesystem::path& path) {
    beast::error_code ec;
    beast::file file;
    file.open(path.c_str(), beast::file_mode::scan, ec);
    const std::uint64_t size = ec ? 0 : file.size(ec);
    if (ec) {
        log::Warn("artifact file unreadable sha256={} path={} error={}", sha256, path.string(),
                  ec.message());
        co_return co_await AsyncJsonError(req, http::status::not_found, "artifact_not_found",
                                          "the artifact file is missing");
    }
    const ByteRange range = ParseByteRange(req[http::field::range], size);
    if (range.kind == RangeKind::kUnsatisfiable) {
        co_return co_await AsyncJsonError(req, http::status::range_not_satisfiable,
                                          "range_not_satisfiable",
                                          "the requested range is outside the artifact", size);
    }
    const bool partial = range.kind == RangeKind::kSatisfiable;
    const std::uint64_t first = partial ? range.first : 0;
    const std::uint64_t length = partial ? range.last - range.first + 1 : size;

    http::response<http::empty_body> head(
        partial ? http::status::partial_content : http::status::ok, req.version());
    head.set(http::field::server, kServerName);
    head.set(http::field::content_type, "application/octet-stream");
    head.set(http::field::accept_ranges, "bytes");
    head.set(http::field::etag, "\"" + sha256 + "\"");
    if (partial) {
        head.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                 std::to_string(range.last) + "/" +
                                                 std::to_string(size));
    }
    head.content_length(length);
    if (req.method() == http::verb::head) {
        co_return co_await AsyncWriteResponse(head, req.keep_alive());
    }
    RangeFile window(std::move(file), first, length, ec);
    http::response<http::basic_file_body<RangeFile>> res(std::move(head.base()));
    if (!ec) {
        res.body().reset(std::move(window), ec);
    }
    if (ec) {
        co_return co_await AsyncJsonError(req, http::status::internal_server_error, "internal",
                                          "the artifact file cannot be read");
    }
    co_return co_await AsyncWriteResponse(res, req.keep_alive());
}

asio::awaitable<bool> Connection::AsyncJsonError(const Request& req, http::status status,
                                                 std::string_view code, std::string_view detail,
                                                 std::optional<std::uint64_t> unsatisfied_size) {
    http::response<http::string_body> res(status, req.version());
    res.set(http::field::server, kServerName);
    res.set(http::field::content_type, "application/json");
    if (status == http::status::unauthorized) {
        res.set(http::field::www_authenticate, "Bearer");
    }
    if (unsatisfied_size) {
        res.set(http::field::content_range, "bytes */" + std::to_string(*unsatisfied_size));
    }
    res.body() = "{\"detail\":\"" + JsonEscape(detail) + "\",\"code\":\"" + JsonEscape(code) +
                 "\"}";
    res.prepare_payload();
    // A client that sent a body we did not read, or an error it cannot recover from on this
    // connection, gets a fresh one; downloads (401/404/416) keep it.
    const bool keep_alive = req.keep_alive() && status != http::status::bad_request;
    if (req.method() == http::verb::head) {
        http::response<http::empty_body> head(std::move(res.base()));
        co_return co_await AsyncWriteResponse(head, keep_alive);
    }
    co_return co_await AsyncWriteResponse(res, keep_alive);
}

template <class Body>
asio::awaitable<bool> Connection::AsyncWriteResponse(http::response<Body>& res,
                                                     bool keep_alive) {
    res.keep_alive(keep_alive);
    http::response_serializer<Body> serializer(res);
    auto& tcp_layer = beast::get_lowest_layer(*tls_);
    // A deadline per chunk rather than per response: a big artifact on a slow link is fine as long
    // as it keeps moving.
    while (!serializer.is_done()) {
        tcp_layer.expires_after(std::chrono::seconds(core_->options().idle_timeout_seconds));
        auto [ec, n] = co_await http::async_write_some(*tls_, serializer, kNoThrow);
        if (ec) {
            log::Debug("gateway response write failed peer={} error={}", peer_, ec.message());
            co_return false;
        }
    }
    co_return keep_alive;
}

// ---- Connection: WebSocket phase ----

asio::awaitable<void> Connection::AsyncWebSocket(const Request& req) {
    const auto& options = core_->options();
    ws_.emplace(std::move(*tls_));
    tls_.reset();
    // Idle sessions are the common case (DESIGN §7, ≤ 8 KiB each): keep no request buffer around.
    http_buffer_.clear();
    http_buffer_.shrink_to_fit();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(options.handshake_timeout_seconds);
    // Idleness is judged by our watchdog, which closes with a reason instead of dropping the socket.
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_->set_option(timeouts);
    ws_->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, kServerName); }));
    ws_->binary(true);
    ws_->read_message_max(options.max_message_bytes);
    if (core_->Stopping()) {
        co_return;
    }
    auto [ec] = co_await ws_->async_accept(req, kNoThrow);
    if (ec) {
        log::Debug("gateway WebSocket handshake failed peer={} error={}", peer_, ec.message());
        co_return;
    }
    SetDeadline(options.handshake_timeout_seconds,
                "no hello within " + std::to_string(options.handshake_timeout_seconds) + " s");
    auto self = shared_from_this();
    asio::co_spawn(executor_, AsyncGuarded(self, AsyncWriter(self), "writer"), asio::detached);
    asio::co_spawn(executor_, AsyncGuarded(self, AsyncWatchdog(self), "watchdog"),
                   asio::detached);
    co_await AsyncReadLoop();
    co_await AsyncFinish();
}

asio::awaitable<void> Connection::AsyncReadLoop() {
    beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        auto [ec, n] = co_await ws_->async_read(buffer, kNoThrow);
        if (ec) {
            if (close_cause_.empty()) {
                const auto& peer_reason = ws_->reason();
                close_cause_ = ec == websocket::error::closed
                                   ? "closed by agent code=" + std::to_string(peer_reason.code) +
                                         " '" +
                                         std::string(peer_reason.reason.data(),
                                                     peer_reason.reason.size()) +
                                         "'"
                                   : ec.message();
            }
            co_return;
        }
        if (close_request_) {
            continue;  // closing: frames still in flight are dropped
        }
        if (state_ == State::kOpen) {
            SetDeadline(core_->options().idle_timeout_seconds,
                        "idle timeout: no frame for " +
                            std::to_string(core_->options().idle_timeout_seconds) + " s");
        }
        if (!ws_->got_binary()) {
            RequestClose(websocket::close_code::unknown_data, "text frames are not supported",
                         false);
            continue;
        }
        const auto data = buffer.cdata();
        co_await AsyncHandleFrame(
            std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
}

asio::awaitable<void> Connection::AsyncHandleFrame(std::string_view bytes) {
    auto decoded = DecodeAgentEnvelope(bytes);
    if (!decoded) {
        RequestClose(websocket::close_code::protocol_error, decoded.error().message, false);
        co_return;
    }
    InboundMessage& message = *decoded;
    if (message.protocol_version != kProtocolVersion) {
        const std::string reason = "unsupported protocol version " +
                                   std::to_string(message.protocol_version) +
                                   "; this coordinator speaks " + std::to_string(kProtocolVersion);
        Enqueue(ErrorMessage{"unsupported_protocol_version", reason});
        RequestClose(websocket::close_code::policy_error, reason, true);
        co_return;
    }
    if (state_ == State::kAwaitingHello) {
        if (message.kind != InboundKind::kHello) {
            RequestClose(websocket::close_code::protocol_error,
                         "expected hello, got " + message.body_name, false);
            co_return;
        }
        // By reference: g++ 12 may destroy non-trivial temporaries of a co_await twice.
        co_await AsyncHello(message.hello);
        co_return;
    }
    co_await AsyncDispatch(message);
}

asio::awaitable<void> Connection::AsyncHello(AgentHello& hello) {
    hello.peer = peer_;
    if (hello.instance_id.empty()) {
        RequestClose(websocket::close_code::policy_error, "hello without instance_id", false);
        co_return;
    }
    const HelloDecision decision = co_await core_->directory().Authenticate(hello);
    if (close_request_) {
        co_return;  // shut down while the directory was deciding
    }
    if (!decision.accepted) {
        log::Info("agent refused instance_id={} peer={} reason={}", hello.instance_id, peer_,
                  decision.reason);
        RequestClose(websocket::close_code::policy_error,
                     decision.reason.empty() ? "refused" : decision.reason, false);
        co_return;
    }
    instance_id_ = hello.instance_id;
    session_id_ = NewId("session");
    std::shared_ptr<Connection> replaced;
    if (!core_->Register(instance_id_, shared_from_this(), replaced)) {
        RequestClose(websocket::close_code::going_away, kShutdownReason, false);
        co_return;
    }
    registered_ = true;
    if (replaced) {
        replaced->PostClose(websocket::close_code::policy_error, std::string(kReplacedReason));
    }
    Enqueue(WelcomeMessage{session_id_, core_->options().heartbeat_seconds,
                           decision.new_credential});
    state_ = State::kOpen;
    SetDeadline(core_->options().idle_timeout_seconds,
                "idle timeout: no frame for " +
                    std::to_string(core_->options().idle_timeout_seconds) + " s");
    log::Info("agent session opened instance_id={} session_id={} peer={} agent_version={}",
              instance_id_, session_id_, peer_, hello.agent_version);
    co_await core_->directory().OnConnected(hello, session_id_);
}

asio::awaitable<void> Connection::AsyncDispatch(const InboundMessage& message) {
    AgentDirectory& directory = core_->directory();
    switch (message.kind) {
        case InboundKind::kHeartbeat:
            co_await directory.OnHeartbeat(instance_id_);
            co_return;
        case InboundKind::kInventory:
            co_await directory.OnInventory(instance_id_, message.inventory);
            co_return;
        case InboundKind::kAck:
            co_await directory.OnAck(instance_id_, message.op_id);
            co_return;
        case InboundKind::kProgress:
            co_await directory.OnProgress(instance_id_, message.progress);
            co_return;
        case InboundKind::kResult:
            co_await directory.OnResult(instance_id_, message.result);
            co_return;
        case InboundKind::kEmpty:
            RequestClose(websocket::close_code::protocol_error, "malformed envelope", false);
            co_return;
        case InboundKind::kHello:
        case InboundKind::kCoordinatorOnly:
            break;
    }
    RequestClose(websocket::close_code::protocol_error,
                 "unexpected " + message.body_name + " from agent", false);
}

asio::awaitable<void> Connection::AsyncFinish() {
    finished_ = true;
    wake_timer_.cancel();
    watchdog_timer_.cancel();
    if (!registered_) {
        co_return;
    }
    registered_ = false;
    core_->Unregister(instance_id_, this);
    log::Info("agent session closed instance_id={} session_id={} peer={} reason={}", instance_id_,
              session_id_, peer_, close_cause_);
    co_await core_->directory().OnDisconnected(instance_id_, session_id_);
}

void Connection::Enqueue(OutboundMessage message) {
    if (finished_ || close_request_ || !ws_) {
        return;  // the session is going away; undelivered work is re-sent on reconnect
    }
    if (queue_.size() >= core_->options().max_queued_messages) {
        log::Warn("agent outbound queue full instance_id={} session_id={} limit={}", instance_id_,
                  session_id_, core_->options().max_queued_messages);
        RequestClose(websocket::close_code::policy_error, "outbound queue overflow", false);
        return;
    }
    queue_.push_back(std::move(message));
    wake_timer_.cancel();
}

void Connection::RequestClose(websocket::close_code code, std::string_view reason,
                              bool flush_queue) {
    if (close_request_ || finished_ || !ws_) {
        return;
    }
    close_request_ = MakeCloseReason(code, reason);
    if (close_cause_.empty()) {
        close_cause_ = std::string(reason);
    }
    if (!flush_queue) {
        queue_.clear();
    }
    // The closing handshake (and a writer stuck on a peer that stopped reading) gets a bound too.
    SetDeadline(core_->options().handshake_timeout_seconds, "closing handshake timed out");
    wake_timer_.cancel();
}

void Connection::SetDeadline(unsigned seconds, std::string reason) {
    const auto deadline = SteadyClock::now() + std::chrono::seconds(seconds);
    const bool earlier = deadline < deadline_;
    deadline_ = deadline;
    deadline_reason_ = std::move(reason);
    if (earlier) {
        watchdog_timer_.cancel();  // re-arm sooner; a later deadline is picked up on expiry
    }
}

asio::awaitable<void> Connection::AsyncGuarded(std::shared_ptr<Connection> self,
                                               asio::awaitable<void> body, const char* what) {
    try {
        co_await std::move(body);
    } catch (const std::exception& e) {
        log::Error("agent session {} failed instance_id={} peer={} error={}", what,
                   self->instance_id_, self->peer_, e.what());
        self->AbortSocket();
    }
}

asio::awaitable<void> Connection::AsyncWriter(std::shared_ptr<Connection> self) {
    while (!self->finished_) {
        while (!self->queue_.empty()) {
            const std::string bytes = EncodeOutbound(self->queue_.front(), ++self->next_seq_);
            self->queue_.pop_front();
            auto [ec, n] = co_await self->ws_->async_write(asio::buffer(bytes), kNoThrow);
            if (ec) {
                // The read side fails too and runs the cleanup; make sure it does not wait.
                beast::get_lowest_layer(*self->ws_).close();
                co_return;
            }
        }
        if (self->close_request_) {
            auto [ec] = co_await self->ws_->async_close(*self->close_request_, kNoThrow);
            if (ec) {
                beast::get_lowest_layer(*self->ws_).close();
            }
            co_return;
        }
        self->wake_timer_.expires_at(SteadyClock::time_point::max());
        co_await self->wake_timer_.async_wait(kNoThrow);
    }
}

asio::awaitable<void> Connection::AsyncWatchdog(std::shared_ptr<Connection> self) {
    while (!self->finished_) {
        self->watchdog_timer_.expires_at(self->deadline_);
        co_await self->watchdog_timer_.async_wait(kNoThrow);
        if (self->finished_) {
            co_return;
        }
        if (SteadyClock::now() < self->deadline_) {
            continue;
        }
        if (self->close_request_) {
            log::Info("agent connection dropped peer={} instance_id={} reason={}", self->peer_,
                      self->instance_id_, self->deadline_reason_);
            beast::get_lowest_layer(*self->ws_).close();
            co_return;
        }
        const std::string reason = self->deadline_reason_;
        self->RequestClose(websocket::close_code::policy_error, reason, false);
    }
}

// ---- Core ----

Expected<void> Core::LoadTls() {
    for (const auto& [what, path] : {std::pair{"certificate", options_.cert_file},
                                     std::pair{"key", options_.key_file}}) {
        std::error_code fs_ec;
        if (path.empty() || !std::filesystem::is_regular_file(path, fs_ec)) {
            return MakeError(Errc::kInvalidArgument, std::string("gateway TLS ") + what +
                                                         " file not found: '" + path.string() +
                                                         "'");
        }
    }
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
    // Tens of thousands of idle sessions: OpenSSL's per-connection buffers are freed between
    // records instead of being held (about 34 KiB each otherwise).
    SSL_CTX_set_mode(tls_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    boost::system::error_code ec;
    tls_.use_certificate_chain_file(options_.cert_file.string(), ec);
    if (ec) {
        return MakeError(Errc::kInvalidArgument, "gateway TLS certificate '" +
                                                     options_.cert_file.string() +
                                                     "' is not a PEM certificate chain: " +
                                                     ec.message());
    }
    tls_.use_private_key_file(options_.key_file.string(), ssl::context::pem, ec);
    if (ec && ec.category() == asio::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
        return MakeError(Errc::kInvalidArgument, "gateway TLS key '" + options_.key_file.string() +
                                                     "' does not match the certificate '" +
                                                     options_.cert_file.string() + "'");
    }
    if (ec) {
        return MakeError(Errc::kInvalidArgument, "gateway TLS key '" + options_.key_file.string() +
                                                     "' is not a PEM private key: " +
                                                     ec.message());
    }
    if (SSL_CTX_check_private_key(tls_.native_handle()) != 1) {
        return MakeError(Errc::kInvalidArgument, "gateway TLS key '" + options_.key_file.string() +
                                                     "' does not match the certificate");
    }
    return {};
}

Expected<void> Core::Listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.address, ec);
    if (ec) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway address '" + options_.address + "' is not an IP address");
    }
    const tcp::endpoint endpoint(address, options_.port);
    const std::string where = options_.address + ":" + std::to_string(options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return MakeError(Errc::kNetwork, "gateway cannot listen on " + where + ": " + ec.message());
    }
    return {};
}

Expected<std::uint16_t> Core::Start(AgentDirectory& directory) {
    {
        std::lock_guard lock(mutex_);
        if (started_) {
            return MakeError(Errc::kConflict, "gateway already started");
        }
        directory_ = &directory;
        started_ = true;
    }
    if (options_.max_message_bytes == 0 || options_.max_queued_messages == 0 ||
        options_.handshake_timeout_seconds == 0 || options_.idle_timeout_seconds == 0) {
        return MakeError(Errc::kInvalidArgument,
                         "gateway limits and timeouts must be greater than zero");
    }
    if (auto loaded = LoadTls(); !loaded) {
        return loaded.error();
    }
    if (auto listening = Listen(); !listening) {
        return listening.error();
    }
    const std::uint16_t port = acceptor_.local_endpoint().port();
    log::Info("agent gateway listening address={} port={}", options_.address, port);
    asio::co_spawn(acceptor_.get_executor(), AsyncAccept(shared_from_this()), asio::detached);
    return port;
}

asio::awaitable<void> Core::AsyncAccept(std::shared_ptr<Core> self) {
    asio::steady_timer backoff(self->acceptor_.get_executor());
    for (;;) {
        auto [ec, socket] =
            co_await self->acceptor_.async_accept(asio::make_strand(self->io_), kNoThrow);
        if (ec) {
            if (!self->acceptor_.is_open() || ec == asio::error::operation_aborted) {
                co_return;
            }
            // Out of descriptors and the like: wait a little instead of spinning.
            log::Warn("gateway accept failed error={}", ec.message());
            backoff.expires_after(std::chrono::milliseconds(100));
            co_await backoff.async_wait(kNoThrow);
            continue;
        }
        try {
            auto connection = std::make_shared<Connection>(self, tcp::socket(std::move(socket)));
            asio::co_spawn(connection->executor(), Connection::AsyncRun(connection),
                           asio::detached);
        } catch (const std::exception& e) {
            // One connection that cannot be set up (memory) must not end the listener.
            log::Error("gateway connection setup failed error={}", e.what());
        }
    }
}

void Core::Stop() {
    std::vector<std::shared_ptr<Connection>> open;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return;
        }
        stopping_ = true;
        for (const auto& [key, weak] : connections_) {
            if (auto connection = weak.lock()) {
                open.push_back(std::move(connection));
            }
        }
    }
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
    });
    for (const auto& connection : open) {
        connection->PostShutdown();
    }
    log::Info("agent gateway stopping connections={}", open.size());
}

bool Core::Post(const std::string& instance_id, OutboundMessage message) {
    std::shared_ptr<Connection> session;
    {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(instance_id);
        if (it == sessions_.end()) {
            return false;
        }
        session = it->second;
    }
    session->PostSend(std::move(message));
    return true;
}

void Core::Track(const std::shared_ptr<Connection>& connection) {
    bool stopping = false;
    {
        std::lock_guard lock(mutex_);
        connections_[connection.get()] = connection;
        stopping = stopping_;
    }
    if (stopping) {
        connection->PostShutdown();  // accepted just before Stop() closed the listener
    }
}

void Core::Untrack(const Connection* connection) {
    std::lock_guard lock(mutex_);
    connections_.erase(connection);
}

bool Core::Register(const std::string& instance_id,
                    const std::shared_ptr<Connection>& connection,
                    std::shared_ptr<Connection>& replaced) {
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return false;
    }
    auto& slot = sessions_[instance_id];
    replaced = std::move(slot);
    slot = connection;
    return true;
}

void Core::Unregister(const std::string& instance_id, const Connection* connection) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(instance_id);
    if (it != sessions_.end() && it->second.get() == connection) {
        sessions_.erase(it);
    }
}

}  // namespace

struct GatewayServer::Impl {
    std::shared_ptr<Core> core;
};

GatewayServer::GatewayServer(asio::io_context& io, GatewayOptions options)
    : impl_(std::make_shared<Impl>(Impl{std::make_shared<Core>(io, std::move(options))})) {}

GatewayServer::~GatewayServer() { Stop(); }

Expected<std::uint16_t> GatewayServer::Start(AgentDirectory& directory) {
    return impl_->core->Start(directory);
}

void GatewayServer::Stop() { impl_->core->Stop(); }

bool GatewayServer::Send(const std::string& instance_id, const Instruction& instruction) {
    return impl_->core->Post(instance_id, instruction);
}

bool GatewayServer::SendCancel(const std::string& instance_id, const std::string& op_id) {
    return impl_->core->Post(instance_id, CancelMessage{op_id});
}

bool GatewayServer::IsConnected(const std::string& instance_id) const {
    return impl_->core->IsConnected(instance_id);
}

std::size_t GatewayServer::ConnectedCount() const { return impl_->core->ConnectedCount(); }

}  // namespace waka::coordinator::gateway
