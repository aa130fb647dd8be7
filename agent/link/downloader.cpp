#include "agent/link/downloader.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <fstream>
#include <optional>

#include "agent/link/tls.hpp"
#include "shared/core/log.hpp"
#include "shared/net/tls_client.hpp"

namespace waka::agent::link {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kChunkBytes = 64 * 1024;

// What one request achieved besides an error.
enum class Attempt { kDone, kRestart };

struct Request {
    const DownloaderOptions& options;
    const model::ComponentChange& change;
    const std::filesystem::path& partial_file;
    const std::function<void(std::uint64_t)>& progress;
    std::string credential;
    std::uint64_t have = 0;  // bytes already in the partial file
    ssl::context& tls;
};

Error NetworkError(std::string_view what, const boost::system::error_code& ec) {
    const auto code = ec == beast::error::timeout ? Errc::kTimeout : Errc::kNetwork;
    return MakeError(code, std::string(what) + ": " + ec.message());
}

Error StatusError(unsigned status) {
    const std::string what = "artifact download answered HTTP " + std::to_string(status);
    switch (status) {
        case 401:
            return MakeError(Errc::kUnauthenticated, what);
        case 403:
            return MakeError(Errc::kPermissionDenied, what);
        case 404:
            return MakeError(Errc::kNotFound, what);
        default:
            break;
    }
    return MakeError(status >= 500 ? Errc::kNetwork : Errc::kProtocol, what);
}

// First byte position of "bytes <first>-<last>/<total>", if well-formed.
std::optional<std::uint64_t> ContentRangeStart(std::string_view value) {
    constexpr std::string_view kPrefix = "bytes ";
    if (value.substr(0, kPrefix.size()) != kPrefix) {
        return std::nullopt;
    }
    value.remove_prefix(kPrefix.size());
    std::uint64_t first = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), first);
    if (ec != std::errc() || ptr == value.data() + value.size() || *ptr != '-') {
        return std::nullopt;
    }
    return first;
}

Expected<void> Truncate(const std::filesystem::path& file) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) {
        return MakeError(Errc::kIo, "truncate " + file.string());
    }
    return {};
}

asio::awaitable<Expected<void>> AsyncConnect(Stream& stream, const Request& r) {
    auto executor = co_await asio::this_coro::executor;
    const auto& endpoint = r.options.endpoint;
    const std::string server_name =
        r.options.server_name.empty() ? endpoint.host : r.options.server_name;
    if (auto configured = net::ConfigureTlsPeer(stream.native_handle(), server_name); !configured) {
        co_return configured.error();
    }
    stream.set_verify_callback(ssl::host_name_verification(server_name));

    // The resolver has no timeout of its own: a timer cancels it.
    tcp::resolver resolver(executor);
    asio::steady_timer resolve_deadline(executor, r.options.connect_timeout);
    resolve_deadline.async_wait([&resolver](boost::system::error_code ec) {
        if (!ec) {
            resolver.cancel();
        }
    });
    auto [resolve_ec, results] =
        co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kNoThrow);
    resolve_deadline.cancel();
    if (resolve_ec) {
        co_return NetworkError("resolve " + endpoint.host, resolve_ec);
    }
    auto& tcp_layer = beast::get_lowest_layer(stream);
    tcp_layer.expires_after(r.options.connect_timeout);
    auto [connect_ec, ignored] = co_await tcp_layer.async_connect(results, kNoThrow);
    if (connect_ec) {
        co_return NetworkError("connect " + endpoint.HostHeader(), connect_ec);
    }
    tcp_layer.expires_after(r.options.connect_timeout);
    auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::client, kNoThrow);
    if (handshake_ec) {
        co_return NetworkError("TLS handshake with " + endpoint.HostHeader(), handshake_ec);
    }
    co_return Expected<void>{};
}

http::request<http::empty_body> MakeRequest(const Request& r) {
    std::string target = r.change.download_path;
    if (target.empty()) {
        target = "/agent/v1/artifacts/" + r.change.artifact_sha256;
    }
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, r.options.endpoint.HostHeader());
    request.set(http::field::user_agent, "waka-agent");
    request.set("X-Waka-Instance", r.options.instance_id);
    request.set(http::field::authorization, "Bearer " + r.credential);
    if (r.have > 0) {
        request.set(http::field::range, "bytes=" + std::to_string(r.have) + "-");
    }
    return request;
}

// Decides from the status what to do with the partial file; answers the byte offset the body
// starts at, or kRestart / an error.
Expected<std::optional<std::uint64_t>> BodyStart(const http::response_parser<http::buffer_body>& p,
                                                 const Request& r) {
    const auto& response = p.get();
    const unsigned status = response.result_int();
    if (status == 200) {
        return std::optional<std::uint64_t>(0);
    }
    if (status == 206) {
        auto start = ContentRangeStart(response[http::field::content_range]);
        if (!start || *start != r.have) {
            // A range we did not ask for: start over rather than splice the wrong bytes.
            return std::optional<std::uint64_t>();
        }
        return start;
    }
    if (status == 416) {
        return std::optional<std::uint64_t>();
    }
    return StatusError(status);
}

asio::awaitable<Expected<Attempt>> AsyncReadBody(Stream& stream, beast::flat_buffer& buffer,
                                                 http::response_parser<http::buffer_body>& parser,
                                                 const Request& r, std::uint64_t offset) {
    const std::uint64_t expected = r.change.size - offset;
    parser.body_limit(expected);
    const auto mode = offset == 0 ? std::ios::trunc : std::ios::app;
    std::ofstream out(r.partial_file, std::ios::binary | std::ios::out | mode);
    if (!out) {
        co_return MakeError(Errc::kIo, "open " + r.partial_file.string());
    }
    std::vector<char> chunk(kChunkBytes);
    std::uint64_t done = offset;
    auto& tcp_layer = beast::get_lowest_layer(stream);
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        tcp_layer.expires_after(r.options.read_timeout);
        auto [ec, ignored] = co_await http::async_read(stream, buffer, parser, kNoThrow);
        const std::size_t got = chunk.size() - parser.get().body().size;
        if (got > 0) {
            out.write(chunk.data(), static_cast<std::streamsize>(got));
            if (!out) {
                co_return MakeError(Errc::kIo, "write " + r.partial_file.string());
            }
            done += got;
            if (r.progress) {
                r.progress(done);
            }
        }
        if (ec && ec != http::error::need_buffer) {
            out.flush();
            co_return NetworkError("read artifact body", ec);
        }
    }
    out.flush();
    if (!out) {
        co_return MakeError(Errc::kIo, "write " + r.partial_file.string());
    }
    if (done != r.change.size) {
        co_return MakeError(Errc::kProtocol, "artifact body ended at " + std::to_string(done) +
                                                 " of " + std::to_string(r.change.size) + " bytes");
    }
    co_return Attempt::kDone;
}

asio::awaitable<Expected<Attempt>> AsyncFetch(const Request& r) {
    auto executor = co_await asio::this_coro::executor;
    Stream stream(executor, r.tls);
    if (auto connected = co_await AsyncConnect(stream, r); !connected) {
        co_return connected.error();
    }
    auto& tcp_layer = beast::get_lowest_layer(stream);
    auto request = MakeRequest(r);
    tcp_layer.expires_after(r.options.read_timeout);
    auto [write_ec, written] = co_await http::async_write(stream, request, kNoThrow);
    if (write_ec) {
        co_return NetworkError("send artifact request", write_ec);
    }
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    tcp_layer.expires_after(r.options.read_timeout);
    auto [header_ec, header_bytes] =
        co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    if (header_ec) {
        co_return NetworkError("read artifact response", header_ec);
    }
    auto start = BodyStart(parser, r);
    if (!start) {
        co_return start.error();
    }
    if (!start->has_value()) {
        co_return Attempt::kRestart;
    }
    auto outcome = co_await AsyncReadBody(stream, buffer, parser, r, **start);
    if (outcome) {
        // Best effort close_notify; the body is complete whatever the peer does now.
        tcp_layer.expires_after(std::chrono::seconds(2));
        co_await stream.async_shutdown(kNoThrow);
    }
    co_return outcome;
}

}  // namespace

HttpsArtifactFetcher::HttpsArtifactFetcher(DownloaderOptions options)
    : options_(std::move(options)) {}

void HttpsArtifactFetcher::SetCredential(std::string credential) {
    std::lock_guard lock(mutex_);
    credential_ = std::move(credential);
}

std::string HttpsArtifactFetcher::Credential() const {
    std::lock_guard lock(mutex_);
    return credential_;
}

Expected<void> HttpsArtifactFetcher::Fetch(
    const model::ComponentChange& change, const std::filesystem::path& partial_file,
    const std::function<void(std::uint64_t done)>& progress) {
    // Reloaded per download so a rotated CA file or a renewed certificate is picked up.
    std::error_code exists_ec;
    const bool has_identity = !options_.identity_file.empty() &&
                              std::filesystem::exists(options_.identity_file, exists_ec);
    auto tls = MakeClientTlsContext(options_.ca_file, has_identity
                                                          ? std::optional(options_.identity_file)
                                                          : std::optional<std::filesystem::path>());
    if (!tls) {
        return tls.error();
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::error_code ec;
        std::uint64_t have = std::filesystem::exists(partial_file, ec)
                                 ? std::filesystem::file_size(partial_file, ec)
                                 : 0;
        if (ec || have > change.size) {
            if (auto t = Truncate(partial_file); !t) {
                return t.error();
            }
            have = 0;
        }
        if (have == change.size && have > 0) {
            return {};  // complete from an earlier attempt; the installer verifies the hash
        }
        Request request{options_, change, partial_file, progress, Credential(), have, **tls};
        asio::io_context io(1);
        std::optional<Expected<Attempt>> outcome;
        asio::co_spawn(io, AsyncFetch(request),
                       [&outcome](std::exception_ptr failure, Expected<Attempt> result) {
                           if (failure) {
                               outcome = MakeError(Errc::kInternal, "artifact download crashed");
                           } else {
                               outcome = std::move(result);
                           }
                       });
        io.run();
        if (!outcome || !*outcome) {
            return outcome ? outcome->error() : MakeError(Errc::kInternal, "download did not run");
        }
        if (**outcome == Attempt::kDone) {
            return {};
        }
        log::Warn("artifact range refused, restarting from zero sha256={}", change.artifact_sha256);
        if (auto t = Truncate(partial_file); !t) {
            return t.error();
        }
    }
    return MakeError(Errc::kProtocol, "artifact download: server kept refusing the range");
}

}  // namespace waka::agent::link
