#include "ctl/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

#include "shared/net/tls_client.hpp"
#include "shared/net/url.hpp"

namespace waka::ctl {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

constexpr auto kTimeout = std::chrono::seconds(120);
constexpr std::uint64_t kMaxAnswerBytes = 64ull * 1024 * 1024;

std::string Authority(const Target& target) { return target.host + ":" + target.port; }

// Connects the TCP stream to the target; answers an error message, empty on success.
std::string Connect(asio::io_context& io, beast::tcp_stream& stream, const Target& target) {
    asio::ip::tcp::resolver resolver(io);
    beast::error_code ec;
    auto endpoints = resolver.resolve(target.host, target.port, ec);
    if (ec) {
        return "cannot resolve " + target.host + ": " + ec.message();
    }
    stream.connect(endpoints, ec);
    if (ec) {
        return "cannot connect to " + Authority(target) + ": " + ec.message();
    }
    return {};
}

// The shared client context (net::MakeTlsClientContext): `ca_file` only, or the system's store
// when it is empty. Answers an error message, empty on success.
std::shared_ptr<ssl::context> MakeTlsContext(const std::string& ca_file, std::string& error) {
    auto context = ca_file.empty() ? net::MakeTlsClientContext(std::nullopt)
                                   : net::MakeTlsClientContext(std::filesystem::path(ca_file));
    if (context) {
        return std::move(*context);
    }
    const std::string& reason = context.error().message;
    if (!context.error().Is(Errc::kIo)) {
        error = reason;
    } else if (ca_file.empty()) {
        error = "cannot load the system's trusted certificates: " + reason;
    } else {
        error = "cannot load the CA file " + ca_file + ": " + reason;
    }
    return nullptr;
}

std::string HandshakeError(SSL* ssl, const beast::error_code& ec) {
    const long verify = SSL_get_verify_result(ssl);
    std::string reason = ec.message();
    if (verify != X509_V_OK) {
        reason += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
    }
    return reason;
}

template <class Body>
void PrepareRequest(const Target& target, const std::string& token, http::request<Body>& request) {
    request.set(http::field::host, Authority(target));
    request.set(http::field::user_agent, "wakactl");
    request.set(http::field::connection, "close");
    if (!token.empty()) {
        request.set(http::field::authorization, "Bearer " + token);
    }
    request.prepare_payload();
}

// Where an answer's body goes: memory (bounded) for API answers.
struct StringSink {
    using Body = http::string_body;
    static constexpr auto kDeadline = kTimeout;

    std::string Prepare(http::response_parser<Body>& parser) {
        parser.body_limit(kMaxAnswerBytes);
        return {};
    }
    void Finish(http::response_parser<Body>& parser, Answer& answer) {
        answer.body = std::move(parser.get().body());
    }
};

// Uploads stream a bundle from disk: the deadline must allow for its size.
struct UploadSink : StringSink {
    static constexpr auto kDeadline = std::chrono::hours(1);
};

// A file on disk for downloads, unbounded and with a longer deadline: bundles may be large.
struct FileSink {
    using Body = http::file_body;
    static constexpr auto kDeadline = std::chrono::hours(1);

    std::string Prepare(http::response_parser<Body>& parser) {
        parser.body_limit(boost::none);
        beast::error_code ec;
        parser.get().body().open(file.c_str(), beast::file_mode::write, ec);
        return ec ? "cannot write " + file.string() + ": " + ec.message() : std::string();
    }
    void Finish(http::response_parser<Body>& parser, Answer&) { parser.get().body().close(); }

    std::filesystem::path file;
};

// Writes the request and reads the answer over a connected (and, for TLS, handshaken) stream.
template <class Stream, class Body, class Sink>
Answer Talk(Stream& stream, http::request<Body>& request, Sink& sink) {
    Answer answer;
    beast::error_code ec;
    http::write(stream, request, ec);
    if (ec) {
        answer.error = "cannot send the request: " + ec.message();
        return answer;
    }
    beast::flat_buffer buffer;
    http::response_parser<typename Sink::Body> parser;
    answer.error = sink.Prepare(parser);
    if (!answer.error.empty()) {
        return answer;
    }
    http::read(stream, buffer, parser, ec);
    if (ec) {
        answer.error = "no answer: " + ec.message();
        return answer;
    }
    answer.status = parser.get().result_int();
    if (const auto cursor = parser.get().find("X-Next-Cursor"); cursor != parser.get().end()) {
        answer.next_cursor = std::string(cursor->value());
    }
    sink.Finish(parser, answer);
    return answer;
}

template <class Body, class Sink>
Answer ExchangePlain(const Target& target, http::request<Body>& request, Sink& sink) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(Sink::kDeadline);
    Answer answer;
    answer.error = Connect(io, stream, target);
    if (!answer.error.empty()) {
        return answer;
    }
    answer = Talk(stream, request, sink);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return answer;
}

template <class Body, class Sink>
Answer ExchangeTls(const Target& target, http::request<Body>& request, Sink& sink) {
    Answer answer;
    auto context = MakeTlsContext(target.ca_file, answer.error);
    if (!context) {
        return answer;
    }
    asio::io_context io;
    beast::ssl_stream<beast::tcp_stream> stream(io, *context);
    beast::get_lowest_layer(stream).expires_after(Sink::kDeadline);
    if (!net::ConfigureTlsPeer(stream.native_handle(), target.host)) {
        answer.error = "cannot check the certificate for " + target.host;
        return answer;
    }
    answer.error = Connect(io, beast::get_lowest_layer(stream), target);
    if (!answer.error.empty()) {
        return answer;
    }
    beast::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) {
        answer.error = "TLS handshake with " + Authority(target) +
                       " failed: " + HandshakeError(stream.native_handle(), ec);
        return answer;
    }
    answer = Talk(stream, request, sink);
    // The answer is complete already: a server that never sends close_notify costs 2 s at most.
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    stream.shutdown(ec);
    return answer;
}

// Beast refuses a method it does not know by throwing; wakactl answers it (`wakactl api FOO /`).
Answer UnknownMethod() {
    Answer answer;
    answer.error = "unknown method";
    return answer;
}

// Beast and Asio throw for what no error code covers (an SSL_CTX or socket that cannot be made,
// bad_alloc): caught here, where they are called, so that every failure is an Answer.
template <class Body, class Sink = StringSink>
Answer Exchange(const Target& target, const std::string& token, http::request<Body>& request,
                Sink sink = {}) {
    try {
        PrepareRequest(target, token, request);
        return target.tls ? ExchangeTls(target, request, sink)
                          : ExchangePlain(target, request, sink);
    } catch (const std::exception& e) {
        Answer answer;
        answer.error = e.what();
        return answer;
    }
}

}  // namespace

Expected<Target> ParseUrl(const std::string& url) {
    auto refuse = [](std::string message) {
        return MakeError(Errc::kInvalidArgument, std::move(message));
    };
    Target target;
    if (url.starts_with("https://")) {
        target.tls = true;
        target.port = "443";
    } else if (!url.starts_with("http://")) {
        return refuse("the URL must start with http:// or https:// (got '" + url + "')");
    }
    auto parsed = net::ParseUrl(url);
    if (!parsed) {
        return refuse("bad URL '" + url + "': " + parsed.error().message);
    }
    if (parsed->has_userinfo || parsed->query || parsed->has_fragment) {
        return refuse("bad URL '" + url + "': only http[s]://host[:port][/prefix] is supported");
    }
    target.host = parsed->host;
    target.port = parsed->port.value_or(target.port);
    target.base_path = parsed->path;
    while (!target.base_path.empty() && target.base_path.back() == '/') {
        target.base_path.pop_back();
    }
    if (target.host.empty() || target.port.empty()) {
        return refuse("no host or port in '" + url + "'");
    }
    return target;
}

Answer Send(const Target& target, const std::string& token, const std::string& method,
            const std::string& path, const std::string& body) {
    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        return UnknownMethod();
    }
    http::request<http::string_body> request(verb, target.base_path + path, 11);
    if (!body.empty()) {
        request.set(http::field::content_type, "application/json");
        request.body() = body;
    }
    return Exchange(target, token, request);
}

Answer SendFile(const Target& target, const std::string& token, const std::string& method,
                const std::string& path, const std::filesystem::path& file,
                const Headers& headers) {
    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        return UnknownMethod();
    }
    http::request<http::file_body> request(verb, target.base_path + path, 11);
    beast::error_code ec;
    request.body().open(file.c_str(), beast::file_mode::scan, ec);
    if (ec) {
        Answer answer;
        answer.error = "cannot open " + file.string() + ": " + ec.message();
        return answer;
    }
    request.set(http::field::content_type, "application/gzip");
    for (const auto& [name, value] : headers) {
        request.set(name, value);
    }
    return Exchange(target, token, request, UploadSink{});
}

Answer DownloadFile(const Target& target, const std::string& token, const std::string& path,
                    const std::filesystem::path& file) {
    http::request<http::empty_body> request(http::verb::get, target.base_path + path, 11);
    std::filesystem::path partial = file;
    partial += ".partial";
    Answer answer = Exchange(target, token, request, FileSink{partial});
    std::error_code ec;
    if (answer.status == 200) {
        std::filesystem::rename(partial, file, ec);
        if (ec) {
            answer.status = 0;
            answer.error = "cannot write " + file.string() + ": " + ec.message();
        }
        return answer;
    }
    if (answer.status != 0) {  // an error answer: its body is the server's JSON, small
        std::ifstream in(partial, std::ios::binary);
        answer.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    std::filesystem::remove(partial, ec);
    return answer;
}

}  // namespace waka::ctl
