#include "ctl/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

namespace waka::ctl {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kTimeout = std::chrono::seconds(120);
constexpr std::uint64_t kMaxAnswerBytes = 64ull * 1024 * 1024;

template <class Body>
Answer Exchange(const Target& target, const std::string& token, http::request<Body>& request) {
    Answer answer;
    try {
        asio::io_context io;
        asio::ip::tcp::resolver resolver(io);
        beast::tcp_stream stream(io);
        stream.expires_after(kTimeout);
        beast::error_code ec;
        auto endpoints = resolver.resolve(target.host, target.port, ec);
        if (ec) {
            answer.error = "cannot resolve " + target.host + ": " + ec.message();
            return answer;
        }
        stream.connect(endpoints, ec);
        if (ec) {
            answer.error =
                "cannot connect to " + target.host + ":" + target.port + ": " + ec.message();
            return answer;
        }
        request.set(http::field::host, target.host + ":" + target.port);
        request.set(http::field::user_agent, "wakactl");
        request.set(http::field::connection, "close");
        if (!token.empty()) {
            request.set(http::field::authorization, "Bearer " + token);
        }
        request.prepare_payload();
        http::write(stream, request, ec);
        if (ec) {
            answer.error = "cannot send the request: " + ec.message();
            return answer;
        }
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxAnswerBytes);
        http::read(stream, buffer, parser, ec);
        if (ec) {
            answer.error = "no answer: " + ec.message();
            return answer;
        }
        answer.status = parser.get().result_int();
        answer.body = std::move(parser.get().body());
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    } catch (const std::exception& e) {
        answer.error = e.what();
    }
    return answer;
}

}  // namespace

Target ParseUrl(const std::string& url, std::string& error) {
    Target target;
    const std::string scheme = "http://";
    if (!url.starts_with(scheme)) {
        error = "the URL must start with http:// (got '" + url + "')";
        return target;
    }
    std::string rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos) {
        target.base_path = rest.substr(slash);
        while (!target.base_path.empty() && target.base_path.back() == '/') {
            target.base_path.pop_back();
        }
    }
    const auto colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
        target.port = authority.substr(colon + 1);
        authority.resize(colon);
    }
    if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']') {
        authority = authority.substr(1, authority.size() - 2);
    }
    if (authority.empty() || target.port.empty()) {
        error = "no host or port in '" + url + "'";
    }
    target.host = authority;
    return target;
}

Answer Send(const Target& target, const std::string& token, const std::string& method,
            const std::string& path, const std::string& body) {
    http::request<http::string_body> request(http::string_to_verb(method), target.base_path + path,
                                             11);
    if (!body.empty()) {
        request.set(http::field::content_type, "application/json");
        request.body() = body;
    }
    return Exchange(target, token, request);
}

Answer SendFile(const Target& target, const std::string& token, const std::string& method,
                const std::string& path, const std::filesystem::path& file) {
    http::request<http::file_body> request(http::string_to_verb(method), target.base_path + path,
                                           11);
    beast::error_code ec;
    request.body().open(file.c_str(), beast::file_mode::scan, ec);
    if (ec) {
        Answer answer;
        answer.error = "cannot open " + file.string() + ": " + ec.message();
        return answer;
    }
    request.set(http::field::content_type, "application/gzip");
    return Exchange(target, token, request);
}

}  // namespace waka::ctl
