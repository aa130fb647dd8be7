#include "tests/support/http_client/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>
#include <optional>

namespace waka::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// Tests download artifacts of a few MiB at most; this only stops a runaway server.
constexpr std::uint64_t kMaxResponseBodyBytes = 1ULL << 30;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

bool HasHeaderValue(const HttpHeaders& headers, std::string_view name, std::string_view value) {
    for (const auto& [n, v] : headers) {
        if (EqualsIgnoreCase(n, name) && EqualsIgnoreCase(v, value)) {
            return true;
        }
    }
    return false;
}

bool HasHeaderName(const HttpHeaders& headers, std::string_view name) {
    for (const auto& header : headers) {
        if (EqualsIgnoreCase(header.first, name)) {
            return true;
        }
    }
    return false;
}

HttpResult Failure(std::string what, const boost::system::error_code& ec) {
    HttpResult result;
    result.error = what + ": " + ec.message();
    return result;
}

template <class Body>
void PrepareRequest(http::request<Body>& req, const std::string& method, const std::string& target,
                    const std::string& host, std::uint16_t port, const HttpHeaders& headers) {
    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        req.method_string(method);
    } else {
        req.method(verb);
    }
    req.target(target);
    req.version(11);
    req.set(http::field::host, host + ":" + std::to_string(port));
    req.set(http::field::user_agent, "waka-test-client");
    for (const auto& [name, value] : headers) {
        req.insert(name, value);
    }
}

}  // namespace

std::string HttpResult::Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (EqualsIgnoreCase(n, name)) {
            return v;
        }
    }
    return {};
}

bool HttpResult::HasHeader(std::string_view name) const { return HasHeaderName(headers, name); }

struct HttpConnection::Impl {
    std::string host;
    std::uint16_t port;
    std::chrono::milliseconds timeout;
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    bool connected = false;

    // Runs one operation to completion on the private io_context; the deadlines inside bound it.
    HttpResult Run(asio::awaitable<HttpResult> op) {
        std::optional<HttpResult> out;
        std::string failure;
        asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, HttpResult r) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    failure = ex.what();
                }
            } else {
                out = std::move(r);
            }
        });
        io.restart();
        io.run();
        if (!out) {
            out.emplace();
            out->error = "exception: " + failure;
        }
        return std::move(*out);
    }

    asio::awaitable<HttpResult> DoConnect() {
        tcp::resolver resolver(co_await asio::this_coro::executor);
        auto [rec, endpoints] =
            co_await resolver.async_resolve(host, std::to_string(port), kNoThrow);
        if (rec) {
            co_return Failure("resolve", rec);
        }
        stream.expires_after(timeout);
        auto [cec, endpoint] = co_await stream.async_connect(endpoints, kNoThrow);
        if (cec) {
            co_return Failure("connect", cec);
        }
        stream.socket().set_option(tcp::no_delay(true));
        connected = true;
        co_return HttpResult{};
    }

    asio::awaitable<HttpResult> EnsureConnected() {
        if (connected) {
            co_return HttpResult{};
        }
        co_return co_await DoConnect();
    }

    // Reads the next final response, skipping interim 1xx answers unless stop_at_continue.
    asio::awaitable<HttpResult> DoRead(bool head_request, bool stop_at_continue) {
        for (;;) {
            http::response_parser<http::string_body> parser;
            parser.body_limit(kMaxResponseBodyBytes);
            parser.skip(head_request);
            stream.expires_after(timeout);
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
            if (ec) {
                co_return Failure("read response", ec);
            }
            auto& msg = parser.get();
            const unsigned status = msg.result_int();
            if (status >= 100 && status < 200 && !(stop_at_continue && status == 100)) {
                continue;
            }
            HttpResult result;
            result.status = status;
            result.body = std::move(msg.body());
            for (const auto& field : msg) {
                result.headers.emplace_back(std::string(field.name_string()),
                                            std::string(field.value()));
            }
            co_return result;
        }
    }

    asio::awaitable<HttpResult> DoSend(http::request<http::string_body> req) {
        if (auto c = co_await EnsureConnected(); !c.error.empty()) {
            co_return c;
        }
        stream.expires_after(timeout);
        auto [ec, n] = co_await http::async_write(stream, req, kNoThrow);
        if (ec) {
            co_return Failure("write request", ec);
        }
        co_return co_await DoRead(req.method() == http::verb::head, false);
    }

    asio::awaitable<HttpResult> DoSendFile(http::request<http::file_body> req,
                                           bool expect_continue) {
        if (auto c = co_await EnsureConnected(); !c.error.empty()) {
            co_return c;
        }
        http::request_serializer<http::file_body> serializer{req};
        if (expect_continue) {
            stream.expires_after(timeout);
            auto [hec, hn] = co_await http::async_write_header(stream, serializer, kNoThrow);
            if (hec) {
                co_return Failure("write request header", hec);
            }
            HttpResult interim = co_await DoRead(false, true);
            if (interim.status != 100) {
                co_return interim;  // refused before the body (413, 401, ...)
            }
        }
        // Progress-based deadline: a multi-MiB body must not share one deadline with the header.
        while (!serializer.is_done()) {
            stream.expires_after(timeout);
            auto [ec, n] = co_await http::async_write_some(stream, serializer, kNoThrow);
            if (ec) {
                co_return Failure("write request body", ec);
            }
        }
        co_return co_await DoRead(false, false);
    }

    asio::awaitable<HttpResult> DoWriteRaw(std::string bytes) {
        if (auto c = co_await EnsureConnected(); !c.error.empty()) {
            co_return c;
        }
        stream.expires_after(timeout);
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes), kNoThrow);
        if (ec) {
            co_return Failure("write", ec);
        }
        co_return HttpResult{};
    }

    asio::awaitable<HttpResult> DoReadUntilClose() {
        HttpResult result;
        for (;;) {
            stream.expires_after(timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(64 * 1024), kNoThrow);
            buffer.commit(n);
            if (ec == http::error::end_of_stream || ec == asio::error::eof ||
                ec == asio::error::connection_reset) {
                break;
            }
            if (ec) {
                result.error = "read until close: " + ec.message();
                break;
            }
        }
        result.body = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        co_return result;
    }

    asio::awaitable<HttpResult> DoWaitForClose() {
        HttpResult result;
        if (buffer.size() != 0) {
            result.error = "unread data";
            co_return result;
        }
        stream.expires_after(timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(1), kNoThrow);
        buffer.commit(n);
        if (ec == asio::error::eof || ec == asio::error::connection_reset) {
            co_return result;
        }
        result.error = ec ? ec.message() : std::string("data instead of close");
        co_return result;
    }
};

HttpConnection::HttpConnection(std::string host, std::uint16_t port,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
    impl_->timeout = timeout;
}

HttpConnection::~HttpConnection() = default;

std::string HttpConnection::Connect() { return impl_->Run(impl_->DoConnect()).error; }

HttpResult HttpConnection::Send(std::string method, std::string target, std::string body,
                                HttpHeaders headers) {
    http::request<http::string_body> req;
    PrepareRequest(req, method, target, impl_->host, impl_->port, headers);
    if (!body.empty() && !HasHeaderName(headers, "content-type")) {
        req.set(http::field::content_type, "application/json");
    }
    req.body() = std::move(body);
    // Methods that usually carry a body always state its length, even when it is empty.
    if (!req.body().empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req.prepare_payload();
    }
    return impl_->Run(impl_->DoSend(std::move(req)));
}

HttpResult HttpConnection::SendFile(std::string method, std::string target,
                                    const std::filesystem::path& path, HttpHeaders headers) {
    http::request<http::file_body> req;
    PrepareRequest(req, method, target, impl_->host, impl_->port, headers);
    beast::error_code ec;
    req.body().open(path.c_str(), beast::file_mode::scan, ec);
    if (ec) {
        return Failure("open " + path.string(), ec);
    }
    if (!HasHeaderName(headers, "content-type")) {
        req.set(http::field::content_type, "application/octet-stream");
    }
    req.prepare_payload();
    const bool expect_continue = HasHeaderValue(headers, "expect", "100-continue");
    return impl_->Run(impl_->DoSendFile(std::move(req), expect_continue));
}

std::string HttpConnection::WriteRaw(std::string_view bytes) {
    return impl_->Run(impl_->DoWriteRaw(std::string(bytes))).error;
}

HttpResult HttpConnection::ReadResponse(bool head_request) {
    return impl_->Run(impl_->DoRead(head_request, false));
}

HttpResult HttpConnection::ReadUntilClose() { return impl_->Run(impl_->DoReadUntilClose()); }

bool HttpConnection::WaitForClose() { return impl_->Run(impl_->DoWaitForClose()).error.empty(); }

HttpClient::HttpClient(std::string host, std::uint16_t port)
    : host_(std::move(host)), port_(port) {}

void HttpClient::SetBearer(std::string token) { bearer_ = std::move(token); }

void HttpClient::SetTimeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

HttpHeaders HttpClient::WithAuth(HttpHeaders headers) const {
    if (!bearer_.empty() && !HasHeaderName(headers, "authorization")) {
        headers.emplace_back("Authorization", "Bearer " + bearer_);
    }
    if (!HasHeaderName(headers, "connection")) {
        headers.emplace_back("Connection", "close");
    }
    return headers;
}

HttpResult HttpClient::Request(std::string method, std::string target, std::string body,
                               HttpHeaders headers) {
    HttpConnection connection(host_, port_, timeout_);
    return connection.Send(std::move(method), std::move(target), std::move(body),
                           WithAuth(std::move(headers)));
}

HttpResult HttpClient::Get(std::string target, HttpHeaders headers) {
    return Request("GET", std::move(target), {}, std::move(headers));
}

HttpResult HttpClient::Head(std::string target, HttpHeaders headers) {
    return Request("HEAD", std::move(target), {}, std::move(headers));
}

HttpResult HttpClient::Post(std::string target, std::string body, HttpHeaders headers) {
    return Request("POST", std::move(target), std::move(body), std::move(headers));
}

HttpResult HttpClient::Put(std::string target, std::string body, HttpHeaders headers) {
    return Request("PUT", std::move(target), std::move(body), std::move(headers));
}

HttpResult HttpClient::Delete(std::string target, HttpHeaders headers) {
    return Request("DELETE", std::move(target), {}, std::move(headers));
}

HttpResult HttpClient::UploadFile(std::string method, std::string target,
                                  const std::filesystem::path& path, HttpHeaders headers) {
    HttpConnection connection(host_, port_, timeout_);
    return connection.SendFile(std::move(method), std::move(target), path,
                               WithAuth(std::move(headers)));
}

}  // namespace waka::test
