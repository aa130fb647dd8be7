#include "tests/support/agent_client/agent_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace waka::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

Error Failed(std::string_view step, const boost::system::error_code& ec) {
    return MakeError(Errc::kNetwork, std::string(step) + ": " + ec.message());
}

// An io_context on its own thread; Run() executes a coroutine there and waits with a deadline,
// closing the stream on expiry so that the coroutine ends promptly with an error.
struct IoThread {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::thread thread{[this] { io.run(); }};

    void Join() {
        work.reset();
        if (thread.joinable()) {
            thread.join();
        }
    }
};

template <class T, class Abort>
T RunFor(asio::io_context& io, asio::awaitable<T> op, std::chrono::milliseconds timeout,
         Abort abort) {
    std::future<T> future = asio::co_spawn(io, std::move(op), asio::use_future);
    if (future.wait_for(timeout) != std::future_status::ready) {
        asio::post(io, abort);
    }
    return future.get();
}

void ConfigureTls(ssl::context& tls, const std::filesystem::path& ca_file) {
    tls.set_verify_mode(ssl::verify_peer);
    boost::system::error_code ignored;  // a missing CA file shows up as a verify failure
    tls.load_verify_file(ca_file.string(), ignored);
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
}

// TCP connect + verified TLS handshake, shared by both clients.
asio::awaitable<boost::system::error_code> AsyncConnectTls(TlsStream& stream,
                                                           const AgentClientOptions& options,
                                                           std::string& step) {
    step = "resolve";
    tcp::resolver resolver(stream.get_executor());
    const std::string service = std::to_string(options.port);
    auto [rec, results] = co_await resolver.async_resolve(options.host, service, kNoThrow);
    if (rec) {
        co_return rec;
    }
    step = "TCP connect";
    auto [cec, endpoint] =
        co_await beast::get_lowest_layer(stream).async_connect(results, kNoThrow);
    if (cec) {
        co_return cec;
    }
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().set_option(tcp::no_delay(true), ignored);
    step = "TLS handshake";
    if (SSL_set_tlsext_host_name(stream.native_handle(), options.server_name.c_str()) != 1) {
        co_return boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                            asio::error::get_ssl_category());
    }
    stream.set_verify_callback(ssl::host_name_verification(options.server_name));
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kNoThrow);
    co_return hec;
}

}  // namespace

// ---- TestAgentClient ----

struct TestAgentClient::State {
    AgentClientOptions options;
    ssl::context tls{ssl::context::tls_client};
    IoThread io;
    std::optional<websocket::stream<TlsStream>> ws;

    std::mutex mutex;
    std::condition_variable changed;
    std::deque<waka::agent::v1::Envelope> inbox;
    bool closed = false;
    std::uint16_t close_code = 0;
    std::string close_reason;
    std::string close_error;

    ~State() {
        asio::post(io.io, [this] { AbortSocket(); });
        io.Join();
    }

    void AbortSocket() {
        if (ws) {
            beast::get_lowest_layer(*ws).close();
        }
    }

    asio::awaitable<std::string> AsyncConnect() {
        ws.emplace(io.io.get_executor(), tls);
        std::string step;
        boost::system::error_code ec = co_await AsyncConnectTls(ws->next_layer(), options, step);
        if (!ec) {
            step = "WebSocket handshake";
            ws->binary(true);
            ws->read_message_max(64 * 1024 * 1024);
            const std::string host = options.server_name + ":" + std::to_string(options.port);
            auto [wec] = co_await ws->async_handshake(host, options.target, kNoThrow);
            ec = wec;
        }
        co_return ec ? step + ": " + ec.message() : std::string();
    }

    // Runs until the connection ends; ~State waits for it (io thread join) before freeing anything.
    static asio::awaitable<void> AsyncReadLoop(State* self) {
        beast::flat_buffer buffer;
        for (;;) {
            buffer.clear();
            auto [ec, n] = co_await self->ws->async_read(buffer, kNoThrow);
            std::lock_guard lock(self->mutex);
            if (ec) {
                self->closed = true;
                self->close_code = static_cast<std::uint16_t>(self->ws->reason().code);
                self->close_reason.assign(self->ws->reason().reason.data(),
                                          self->ws->reason().reason.size());
                self->close_error = ec.message();
                self->changed.notify_all();
                co_return;
            }
            waka::agent::v1::Envelope envelope;
            const auto data = buffer.cdata();
            (void)envelope.ParseFromArray(data.data(), static_cast<int>(data.size()));
            self->inbox.push_back(std::move(envelope));
            self->changed.notify_all();
        }
    }

    asio::awaitable<std::string> AsyncWrite(std::string bytes, bool binary) {
        ws->binary(binary);
        auto [ec, n] = co_await ws->async_write(asio::buffer(bytes), kNoThrow);
        co_return ec ? "write: " + ec.message() : std::string();
    }

    asio::awaitable<std::string> AsyncClose() {
        auto [ec] = co_await ws->async_close(websocket::close_code::normal, kNoThrow);
        co_return ec ? "close: " + ec.message() : std::string();
    }
};

Expected<std::unique_ptr<TestAgentClient>> TestAgentClient::Connect(
    const AgentClientOptions& options) {
    auto state = std::make_shared<State>();
    state->options = options;
    ConfigureTls(state->tls, options.ca_file);
    State* raw = state.get();
    const std::string failure =
        RunFor(state->io.io, raw->AsyncConnect(), options.timeout, [raw] { raw->AbortSocket(); });
    if (!failure.empty()) {
        return MakeError(Errc::kNetwork, failure);
    }
    asio::co_spawn(state->io.io, State::AsyncReadLoop(state.get()), asio::detached);
    return std::unique_ptr<TestAgentClient>(new TestAgentClient(std::move(state)));
}

TestAgentClient::TestAgentClient(std::shared_ptr<State> state) : state_(std::move(state)) {}

TestAgentClient::~TestAgentClient() { Close(); }

Expected<void> TestAgentClient::Send(const waka::agent::v1::Envelope& envelope) {
    return SendRaw(envelope.SerializeAsString(), true);
}

Expected<void> TestAgentClient::SendRaw(std::string_view bytes, bool binary) {
    State* raw = state_.get();
    const std::string failure = RunFor(raw->io.io, raw->AsyncWrite(std::string(bytes), binary),
                                       raw->options.timeout, [raw] { raw->AbortSocket(); });
    if (!failure.empty()) {
        return MakeError(Errc::kNetwork, failure);
    }
    return {};
}

std::optional<waka::agent::v1::Envelope> TestAgentClient::Receive(
    std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mutex);
    state_->changed.wait_for(lock, timeout,
                             [&] { return !state_->inbox.empty() || state_->closed; });
    if (state_->inbox.empty()) {
        return std::nullopt;
    }
    auto envelope = std::move(state_->inbox.front());
    state_->inbox.pop_front();
    return envelope;
}

bool TestAgentClient::WaitClosed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] { return state_->closed; });
}

bool TestAgentClient::IsClosed() const {
    std::lock_guard lock(state_->mutex);
    return state_->closed;
}

std::uint16_t TestAgentClient::CloseCode() const {
    std::lock_guard lock(state_->mutex);
    return state_->close_code;
}

std::string TestAgentClient::CloseReason() const {
    std::lock_guard lock(state_->mutex);
    return state_->close_reason;
}

std::string TestAgentClient::CloseError() const {
    std::lock_guard lock(state_->mutex);
    return state_->close_error;
}

void TestAgentClient::Close() {
    if (IsClosed()) {
        return;
    }
    State* raw = state_.get();
    (void)RunFor(raw->io.io, raw->AsyncClose(), raw->options.timeout,
                 [raw] { raw->AbortSocket(); });
    (void)WaitClosed(raw->options.timeout);
}

waka::agent::v1::Envelope MakeHelloEnvelope(const std::string& instance_id,
                                            const std::string& credential,
                                            std::uint32_t protocol_version) {
    waka::agent::v1::Envelope envelope;
    envelope.set_protocol_version(protocol_version);
    envelope.set_seq(1);
    auto* hello = envelope.mutable_hello();
    hello->set_instance_id(instance_id);
    hello->set_agent_version("0.1.0-test");
    hello->set_credential(credential);
    return envelope;
}

// ---- TestHttpsClient ----

struct TestHttpsClient::State {
    AgentClientOptions options;
    ssl::context tls{ssl::context::tls_client};
    IoThread io;
    std::optional<TlsStream> stream;
    beast::flat_buffer buffer;

    ~State() {
        asio::post(io.io, [this] { AbortSocket(); });
        io.Join();
    }

    void AbortSocket() {
        if (stream) {
            beast::get_lowest_layer(*stream).close();
        }
    }

    asio::awaitable<std::string> AsyncConnect() {
        stream.emplace(io.io.get_executor(), tls);
        std::string step;
        const auto ec = co_await AsyncConnectTls(*stream, options, step);
        co_return ec ? step + ": " + ec.message() : std::string();
    }

    asio::awaitable<Expected<HttpsResponse>> AsyncRequest(http::request<http::empty_body> req) {
        auto [wec, wn] = co_await http::async_write(*stream, req, kNoThrow);
        if (wec) {
            co_return Failed("write request", wec);
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(256 * 1024 * 1024);
        // A HEAD answer has a Content-Length but no body.
        parser.skip(req.method() == http::verb::head);
        auto [rec, rn] = co_await http::async_read(*stream, buffer, parser, kNoThrow);
        if (rec) {
            co_return Failed("read response", rec);
        }
        HttpsResponse out;
        const auto& res = parser.get();
        out.status = res.result_int();
        for (const auto& field : res) {
            std::string name(field.name_string());
            for (auto& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            out.headers[name] = std::string(field.value());
        }
        out.body = res.body();
        co_return out;
    }
};

Expected<std::unique_ptr<TestHttpsClient>> TestHttpsClient::Connect(
    const AgentClientOptions& options) {
    auto state = std::make_shared<State>();
    state->options = options;
    ConfigureTls(state->tls, options.ca_file);
    State* raw = state.get();
    const std::string failure =
        RunFor(raw->io.io, raw->AsyncConnect(), options.timeout, [raw] { raw->AbortSocket(); });
    if (!failure.empty()) {
        return MakeError(Errc::kNetwork, failure);
    }
    return std::unique_ptr<TestHttpsClient>(new TestHttpsClient(std::move(state)));
}

TestHttpsClient::TestHttpsClient(std::shared_ptr<State> state) : state_(std::move(state)) {}

TestHttpsClient::~TestHttpsClient() = default;

Expected<HttpsResponse> TestHttpsClient::Request(
    const std::string& method, const std::string& target,
    const std::map<std::string, std::string>& headers) {
    http::request<http::empty_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, state_->options.server_name);
    req.keep_alive(true);
    for (const auto& [name, value] : headers) {
        req.set(name, value);
    }
    State* raw = state_.get();
    return RunFor(raw->io.io, raw->AsyncRequest(std::move(req)), raw->options.timeout,
                  [raw] { raw->AbortSocket(); });
}

}  // namespace waka::test
