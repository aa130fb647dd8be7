#include "agent/link/link.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <optional>

#include "agent/link/codec.hpp"
#include "agent/link/link_session.hpp"
#include "agent/link/source_address.hpp"
#include "agent/link/tls.hpp"
#include "shared/core/log.hpp"
#include "shared/net/backoff.hpp"
#include "shared/net/tls_client.hpp"

namespace waka::agent::link {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using detail::Arm;
using detail::CloseSocket;
using detail::Disarm;
using detail::kNoThrow;
using detail::Session;
using detail::SteadyClock;
using detail::TearDown;
using detail::WsStream;
using tcp = asio::ip::tcp;

// Logs what escaped a coroutine (a bug or bad_alloc) and closes its connection.
auto LastResort(std::shared_ptr<Session> s, const char* what) {
    return [s = std::move(s), what](const std::exception_ptr& failure) {
        if (!failure) {
            return;
        }
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            log::Error("link {} failed error={}", what, e.what());
        } catch (...) {
            log::Error("link {} failed", what);
        }
        if (s) {
            TearDown(*s);
        }
    };
}

}  // namespace

struct Link::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, LinkOptions options, model::ChannelHandler& handler)
        : io_(io),
          options_(std::move(options)),
          handler_(handler),
          retry_(io),
          backoff_(std::chrono::milliseconds(options_.reconnect_initial_ms),
                   std::chrono::milliseconds(options_.reconnect_max_ms),
                   options_.backoff_seed != 0 ? options_.backoff_seed : net::Backoff::RandomSeed()),
          heartbeat_seconds_(options_.heartbeat_seconds_default) {}

    [[nodiscard]] std::string ServerName() const {
        return options_.server_name.empty() ? options_.endpoint.host : options_.server_name;
    }

    asio::awaitable<void> AsyncRun();
    asio::awaitable<bool> AsyncAttempt();
    asio::awaitable<bool> AsyncOpen(const std::shared_ptr<Session>& s);
    asio::awaitable<std::tuple<boost::system::error_code>> AsyncConnect(
        Session& s, const tcp::resolver::results_type& results);
    asio::awaitable<std::optional<model::WelcomeData>> AsyncGreet(
        const std::shared_ptr<Session>& s);
    asio::awaitable<void> AsyncReadLoop(std::shared_ptr<Session> s);
    asio::awaitable<void> AsyncWriter(std::shared_ptr<Session> s);
    asio::awaitable<void> AsyncHeartbeat(std::shared_ptr<Session> s);
    asio::awaitable<void> AsyncWatchdog(std::shared_ptr<Session> s);
    void Dispatch(Session& s, Inbound message);
    // A new TLS context when the client certificate file exists (it may have been renewed); on
    // failure the last context stays.
    void RefreshTls();
    bool Enqueue(std::string frame);
    void RequestClose(Session& s, websocket::close_code code, std::string reason);
    void StartSession(const std::shared_ptr<Session>& s, const model::WelcomeData& welcome);

    asio::io_context& io_;
    LinkOptions options_;
    model::ChannelHandler& handler_;
    std::shared_ptr<ssl::context> tls_;
    asio::steady_timer retry_;
    net::Backoff backoff_;
    std::shared_ptr<Session> session_;
    bool stopping_ = false;
    std::uint64_t seq_ = 0;
    std::uint32_t heartbeat_seconds_;
    SteadyClock::time_point started_ = SteadyClock::now();
    LinkStats stats_;
};

asio::awaitable<void> Link::Impl::AsyncRun() {
    auto self = shared_from_this();
    while (!stopping_) {
        bool welcomed = false;
        try {
            welcomed = co_await AsyncAttempt();
        } catch (const std::exception& e) {
            log::Error("coordinator session failed unexpectedly error={}", e.what());
        }
        if (session_) {
            TearDown(*session_);
            session_.reset();
        }
        if (stopping_) {
            break;
        }
        if (welcomed) {
            backoff_.Reset();
        }
        const auto delay = backoff_.Next();
        log::Info("reconnecting to coordinator delay_ms={}", delay.count());
        retry_.expires_after(delay);
        co_await retry_.async_wait(kNoThrow);
    }
    log::Info("coordinator link stopped");
}

asio::awaitable<bool> Link::Impl::AsyncAttempt() {
    RefreshTls();
    auto s = std::make_shared<Session>(io_, *tls_);
    session_ = s;
    ++stats_.connect_attempts;
    asio::co_spawn(io_, AsyncWatchdog(s), LastResort(s, "watchdog"));
    auto welcome = co_await AsyncGreet(s);
    if (!welcome) {
        ++stats_.failed_attempts;
        handler_.OnAttemptFailed();
        co_return false;
    }
    StartSession(s, *welcome);
    handler_.OnEstablished(*welcome);
    co_await AsyncReadLoop(s);
    TearDown(*s);
    handler_.OnSessionDown();
    co_return true;
}

asio::awaitable<bool> Link::Impl::AsyncOpen(const std::shared_ptr<Session>& s) {
    const auto& endpoint = options_.endpoint;
    Arm(*s, "resolve", options_.connect_timeout);
    auto [resolve_ec, results] =
        co_await s->resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kNoThrow);
    if (resolve_ec) {
        log::Warn("coordinator unreachable step=resolve host={} error={}", endpoint.host,
                  resolve_ec.message());
        co_return false;
    }
    Arm(*s, "connect", options_.connect_timeout);
    auto [connect_ec] = co_await AsyncConnect(*s, results);
    if (connect_ec) {
        log::Warn("coordinator unreachable step=connect peer={} error={}", endpoint.HostHeader(),
                  connect_ec.message());
        co_return false;
    }
    const std::string name = ServerName();
    if (auto configured = net::ConfigureTlsPeer(s->ws.next_layer().native_handle(), name);
        !configured) {
        log::Error("TLS setup failed error={}", configured.error().message);
        co_return false;
    }
    s->ws.next_layer().set_verify_callback(ssl::host_name_verification(name));
    Arm(*s, "tls_handshake", options_.connect_timeout);
    auto [tls_ec] = co_await s->ws.next_layer().async_handshake(ssl::stream_base::client, kNoThrow);
    if (tls_ec) {
        log::Warn("TLS handshake with coordinator failed peer={} server_name={} error={}",
                  endpoint.HostHeader(), name, tls_ec.message());
        co_return false;
    }
    Arm(*s, "websocket_handshake", options_.connect_timeout);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options_.connect_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    s->ws.set_option(timeouts);
    s->ws.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
        request.set(beast::http::field::user_agent, "waka-agent");
    }));
    s->ws.read_message_max(options_.max_message_bytes);
    s->ws.binary(true);
    auto [ws_ec] = co_await s->ws.async_handshake(endpoint.HostHeader(), endpoint.path, kNoThrow);
    if (ws_ec) {
        log::Warn("WebSocket handshake with coordinator failed path={} error={}", endpoint.path,
                  ws_ec.message());
        co_return false;
    }
    co_return true;
}

asio::awaitable<std::optional<model::WelcomeData>> Link::Impl::AsyncGreet(
    const std::shared_ptr<Session>& s) {
    if (!co_await AsyncOpen(s)) {
        co_return std::nullopt;
    }
    Arm(*s, "welcome", options_.welcome_timeout);
    const std::string hello = EncodeHello(handler_.MakeHello(), ++seq_);
    auto [write_ec, written] = co_await s->ws.async_write(asio::buffer(hello), kNoThrow);
    if (write_ec) {
        log::Warn("sending Hello failed error={}", write_ec.message());
        co_return std::nullopt;
    }
    beast::flat_buffer buffer;
    auto [read_ec, read] = co_await s->ws.async_read(buffer, kNoThrow);
    if (read_ec == websocket::error::closed) {
        ++stats_.refusals;
        log::Warn("coordinator refused the session code={} reason=\"{}\"",
                  static_cast<unsigned>(s->ws.reason().code), s->ws.reason().reason.c_str());
        co_return std::nullopt;
    }
    if (read_ec) {
        if (!s->timed_out) {
            log::Warn("no Welcome from coordinator error={}", read_ec.message());
        }
        co_return std::nullopt;
    }
    Disarm(*s);
    const std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
    auto message = DecodeInbound(bytes);
    if (!message || !std::holds_alternative<model::WelcomeData>(*message) || !s->ws.got_binary()) {
        log::Warn("coordinator answered Hello without a Welcome, closing error={}",
                  message ? "unexpected message" : message.error().message);
        Arm(*s, "close", options_.connect_timeout);
        co_await s->ws.async_close({websocket::close_code::protocol_error, "expected Welcome"},
                                   kNoThrow);
        co_return std::nullopt;
    }
    co_return std::get<model::WelcomeData>(std::move(*message));
}

void Link::Impl::StartSession(const std::shared_ptr<Session>& s,
                              const model::WelcomeData& welcome) {
    s->established = true;
    ++stats_.sessions_established;
    heartbeat_seconds_ = welcome.heartbeat_seconds > 0 ? welcome.heartbeat_seconds
                                                       : options_.heartbeat_seconds_default;
    // Keep-alive pings at half the idle timeout detect a coordinator that vanished without a FIN.
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options_.connect_timeout;
    timeouts.idle_timeout =
        std::chrono::seconds(3 * std::max<std::uint32_t>(heartbeat_seconds_, 5));
    timeouts.keep_alive_pings = true;
    s->ws.set_option(timeouts);
    log::Info("coordinator session established session_id={} heartbeat_seconds={}",
              welcome.session_id, heartbeat_seconds_);
    asio::co_spawn(io_, AsyncWriter(s), LastResort(s, "writer"));
    asio::co_spawn(io_, AsyncHeartbeat(s), LastResort(s, "heartbeat"));
}

asio::awaitable<void> Link::Impl::AsyncReadLoop(std::shared_ptr<Session> s) {
    beast::flat_buffer buffer;
    while (s->open) {
        auto [ec, read] = co_await s->ws.async_read(buffer, kNoThrow);
        if (ec == websocket::error::closed) {
            log::Info("coordinator session closed code={} reason=\"{}\"",
                      static_cast<unsigned>(s->ws.reason().code), s->ws.reason().reason.c_str());
            break;
        }
        if (ec) {
            if (s->open && !s->closing) {
                log::Warn("coordinator session lost error={}", ec.message());
            }
            break;
        }
        if (s->closing) {
            buffer.consume(buffer.size());
            continue;
        }
        const std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
        auto message =
            s->ws.got_binary() ? DecodeInbound(bytes) : MakeError(Errc::kProtocol, "text frame");
        buffer.consume(buffer.size());
        if (!message) {
            log::Warn("garbage from coordinator, closing the session error={}",
                      message.error().message);
            RequestClose(*s, websocket::close_code::protocol_error, "malformed message");
            continue;
        }
        Dispatch(*s, std::move(*message));
    }
}

void Link::Impl::Dispatch(Session& s, Inbound message) {
    if (auto* instruction = std::get_if<model::InstructionData>(&message)) {
        handler_.OnInstruction(std::move(*instruction));
    } else if (auto* cancel = std::get_if<CancelData>(&message)) {
        handler_.OnCancel(cancel->op_id);
    } else if (auto* certificate = std::get_if<CertificateData>(&message)) {
        handler_.OnCertificate(certificate->certificate);
    } else if (auto* error = std::get_if<ErrorData>(&message)) {
        log::Warn("coordinator reported an error code={} detail=\"{}\"", error->code,
                  error->detail);
    } else {
        log::Warn("second Welcome on an established session, closing it");
        RequestClose(s, websocket::close_code::protocol_error, "unexpected Welcome");
    }
}

// To the first address the name resolved to when a source address is set (a range connect
// would reopen the socket and lose the bind), to each in turn otherwise.
asio::awaitable<std::tuple<boost::system::error_code>> Link::Impl::AsyncConnect(
    Session& s, const tcp::resolver::results_type& results) {
    auto& stream = beast::get_lowest_layer(s.ws);
    if (options_.local_address.empty()) {
        auto [ec, peer] = co_await stream.async_connect(results, kNoThrow);
        co_return std::tuple{ec};
    }
    const tcp::endpoint target = *results.begin();
    if (auto opened = OpenFrom(stream.socket(), target, options_.local_address); !opened) {
        log::Warn("connecting from source address failed error={}", opened.error().message);
        co_return std::tuple{boost::system::error_code(asio::error::invalid_argument)};
    }
    co_return co_await stream.async_connect(target, kNoThrow);
}

void Link::Impl::RefreshTls() {
    std::error_code ec;
    if (options_.tls_context || options_.identity_file.empty() ||
        !std::filesystem::exists(options_.identity_file, ec)) {
        return;
    }
    auto tls = MakeClientTlsContext(options_.ca_file, options_.identity_file);
    if (!tls) {
        log::Error("client certificate not usable, connecting without it error={}",
                   tls.error().message);
        return;
    }
    tls_ = std::move(*tls);
}

asio::awaitable<void> Link::Impl::AsyncWriter(std::shared_ptr<Session> s) {
    while (s->open) {
        if (!s->outbound.empty()) {
            auto [ec, written] =
                co_await s->ws.async_write(asio::buffer(s->outbound.front()), kNoThrow);
            if (ec) {
                if (s->open) {
                    log::Warn("writing to coordinator failed error={}", ec.message());
                    CloseSocket(*s);
                }
                break;
            }
            s->outbound.pop_front();
            continue;
        }
        if (s->closing) {
            auto [ec] = co_await s->ws.async_close(s->close_reason, kNoThrow);
            if (ec && s->open) {
                CloseSocket(*s);
            }
            break;
        }
        s->wake.expires_at(SteadyClock::time_point::max());
        co_await s->wake.async_wait(kNoThrow);
    }
}

asio::awaitable<void> Link::Impl::AsyncHeartbeat(std::shared_ptr<Session> s) {
    while (s->open) {
        s->heartbeat.expires_after(std::chrono::seconds(heartbeat_seconds_));
        auto [ec] = co_await s->heartbeat.async_wait(kNoThrow);
        if (ec || !s->open) {
            break;
        }
        const auto uptime =
            std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - started_);
        Enqueue(EncodeHeartbeat(static_cast<std::uint64_t>(uptime.count()), ++seq_));
    }
}

asio::awaitable<void> Link::Impl::AsyncWatchdog(std::shared_ptr<Session> s) {
    while (s->open) {
        co_await s->watchdog.async_wait(kNoThrow);
        if (!s->open) {
            break;
        }
        if (s->watchdog.expiry() <= SteadyClock::now()) {
            s->timed_out = true;
            log::Warn("coordinator connection timed out step={}", s->step);
            CloseSocket(*s);
            break;
        }
    }
}

bool Link::Impl::Enqueue(std::string frame) {
    const auto& s = session_;
    if (!s || !s->open || !s->established || s->closing) {
        return false;
    }
    if (s->outbound.size() >= options_.max_queued_messages) {
        log::Warn("outbound queue full, message dropped queued={}", s->outbound.size());
        return false;
    }
    s->outbound.push_back(std::move(frame));
    s->wake.cancel();
    return true;
}

void Link::Impl::RequestClose(Session& s, websocket::close_code code, std::string reason) {
    if (s.closing) {
        return;
    }
    s.closing = true;
    s.close_reason = websocket::close_reason(code, reason);
    s.wake.cancel();
}

Link::Link(asio::io_context& io, LinkOptions options, model::ChannelHandler& handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), handler)) {}

Link::~Link() = default;

Expected<void> Link::Start() {
    impl_->tls_ = impl_->options_.tls_context;
    if (!impl_->tls_) {
        auto tls = MakeClientTlsContext(impl_->options_.ca_file);
        if (!tls) {
            return tls.error();
        }
        impl_->tls_ = std::move(*tls);
    }
    asio::co_spawn(impl_->io_, impl_->AsyncRun(), LastResort(nullptr, "connect loop"));
    return {};
}

void Link::Stop() {
    impl_->stopping_ = true;
    impl_->retry_.cancel();
    if (auto s = impl_->session_) {
        if (s->established && s->open) {
            impl_->RequestClose(*s, websocket::close_code::going_away, "agent shutting down");
        } else {
            TearDown(*s);
        }
    }
}

bool Link::Established() const {
    const auto& s = impl_->session_;
    return s && s->open && s->established && !s->closing;
}

bool Link::SendAck(const std::string& op_id) {
    return Established() && impl_->Enqueue(EncodeAck(op_id, ++impl_->seq_));
}

bool Link::SendProgress(const model::ProgressEvent& progress) {
    return Established() && impl_->Enqueue(EncodeProgress(progress, ++impl_->seq_));
}

bool Link::SendResult(const model::OperationResult& result) {
    return Established() && impl_->Enqueue(EncodeResult(result, ++impl_->seq_));
}

bool Link::SendInventory(const std::vector<model::InstalledComponent>& inventory) {
    return Established() && impl_->Enqueue(EncodeInventory(inventory, ++impl_->seq_));
}

bool Link::SendCertificateRequest(const std::string& request_pem) {
    return Established() && impl_->Enqueue(EncodeCertificateRequest(request_pem, ++impl_->seq_));
}

const LinkStats& Link::Stats() const { return impl_->stats_; }

}  // namespace waka::agent::link
