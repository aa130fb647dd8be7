// Every Beast instantiation of the coordinator's HTTP server lives in this one translation unit.
#include "coordinator/http/connection.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/optional.hpp>
#include <chrono>
#include <tuple>
#include <vector>

#include "coordinator/http/either_stream.hpp"
#include "coordinator/http/exchange.hpp"
#include "coordinator/http/fields.hpp"
#include "coordinator/http/peer.hpp"
#include "coordinator/http/range_file.hpp"
#include "coordinator/http/read_errors.hpp"
#include "coordinator/http/serializer_buffers.hpp"
#include "coordinator/http/spool_file.hpp"
#include "coordinator/http/target.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/log.hpp"

namespace waka::coordinator::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using HeaderParser = bhttp::request_parser<bhttp::empty_body>;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimitBytes = 16 * 1024;
constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr std::size_t kFirstReadBytes = 16 * 1024;
constexpr std::size_t kSpoolChunkBytes = 64 * 1024;
// How long a rejected connection is drained so the client reads our answer instead of a reset.
constexpr std::chrono::seconds kLingerTime{2};
// A TLS handshake has this long; a client that stalls it holds nothing longer.
constexpr std::chrono::seconds kTlsHandshakeTime{10};
constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

class Session final : public Connection, public std::enable_shared_from_this<Session> {
public:
    Session(std::shared_ptr<ConnectionOwner> owner, tcp::socket socket, asio::ssl::context* tls,
            std::uint64_t id, bool refuse)
        : owner_(std::move(owner)),
          peer_(FormatPeer(socket)),
          peer_ip_(PeerAddress(socket)),
          stream_(std::move(socket), tls),
          buffer_(kReadBufferBytes),
          id_(id),
          refuse_(refuse) {}

    void Start() override {
        asio::co_spawn(stream_.get_executor(), AsyncRun(shared_from_this()), asio::detached);
    }
    void RequestStop() override;

private:
    static asio::awaitable<void> AsyncRun(std::shared_ptr<Session> self);
    [[nodiscard]] const ServerOptions& Options() const { return owner_->Options(); }
    [[nodiscard]] bool StopWanted() const { return stop_requested_ || owner_->Stopping(); }
    [[nodiscard]] std::chrono::seconds RequestTimeout() const {
        return std::chrono::seconds(Options().request_timeout_seconds);
    }

    asio::awaitable<bool> AsyncTlsHandshake();
    asio::awaitable<bool> AsyncAwaitRequest();
    asio::awaitable<bool> AsyncServeOne();
    asio::awaitable<bool> AsyncReadHeader(HeaderParser& header_parser, Exchange& ex);
    asio::awaitable<bool> AsyncAcceptBody(HeaderParser& header_parser, Exchange& ex);
    asio::awaitable<bool> AsyncReadBody(HeaderParser& header_parser, Exchange& ex);
    void FillRequest(const bhttp::request<bhttp::empty_body>& header, Exchange& ex) const;
    asio::awaitable<BodyStatus> AsyncReadInMemory(HeaderParser& header_parser, Exchange& ex);
    asio::awaitable<BodyStatus> AsyncReadSpooled(HeaderParser& header_parser, Exchange& ex);
    asio::awaitable<bool> AsyncReject(Exchange& ex, unsigned status, std::string_view detail,
                                      std::string_view code);
    asio::awaitable<bool> AsyncReject(Exchange& ex, Response response);
    asio::awaitable<bool> AsyncWriteResponse(Exchange& ex, Response& response);
    asio::awaitable<bool> AsyncWriteFile(Exchange& ex, const Response& response);
    template <class Body>
    void FillHeaders(bhttp::response<Body>& res, const Response& response,
                     const Exchange& ex) const;
    template <class Body>
    asio::awaitable<bool> AsyncWriteMessage(bhttp::response<Body>& res);
    // One instantiation of the socket write for every body type (serializer_buffers.hpp).
    asio::awaitable<std::tuple<beast::error_code, std::size_t>> AsyncWriteSome(
        const std::vector<asio::const_buffer>& buffers);
    asio::awaitable<void> AsyncLingeringClose();
    void Close();

    std::shared_ptr<ConnectionOwner> owner_;
    std::string peer_;
    std::optional<asio::ip::address> peer_ip_;
    EitherStream stream_;
    beast::flat_buffer buffer_;
    std::uint64_t id_;
    bool refuse_;                   // over max_connections: answer 503 and close
    bool idle_ = false;             // waiting for the first byte of a request
    bool stop_requested_ = false;   // Stop() was called
    bool lingering_close_ = false;  // unread request bytes may follow: drain before closing
};

asio::awaitable<void> Session::AsyncRun(std::shared_ptr<Session> self) {
    try {
        bool open = co_await self->AsyncTlsHandshake();
        while (open && co_await self->AsyncAwaitRequest()) {
            if (!co_await self->AsyncServeOne()) {
                break;
            }
        }
        if (self->lingering_close_) {
            co_await self->AsyncLingeringClose();
        }
    } catch (const std::exception& e) {
        log::Warn("http connection failed peer={} error={}", self->peer_, e.what());
    } catch (...) {
        log::Warn("http connection failed peer={} error=unknown", self->peer_);
    }
    self->Close();
    self->owner_->ConnectionClosed(self->id_, self->refuse_);
}

void Session::RequestStop() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
        self->stop_requested_ = true;
        if (self->idle_) {
            self->stream_.Tcp().cancel();
        }
    });
}

// Answers whether the connection is open for requests: always for plain HTTP.
asio::awaitable<bool> Session::AsyncTlsHandshake() {
    if (!stream_.IsTls()) {
        co_return true;
    }
    stream_.Tcp().expires_after(kTlsHandshakeTime);
    auto [ec] = co_await stream_.Tls().async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (ec) {
        // Scanners and clients that do not trust the certificate: nobody to answer.
        log::Debug("http TLS handshake failed peer={} error={}", peer_, ec.message());
    }
    co_return !ec;
}

asio::awaitable<bool> Session::AsyncAwaitRequest() {
    if (buffer_.size() != 0) {
        co_return true;  // a pipelined request is already here
    }
    if (StopWanted()) {
        co_return false;
    }
    // The idle deadline applies until the first byte; then the request deadline takes over.
    idle_ = true;
    stream_.Tcp().expires_after(std::chrono::seconds(Options().idle_timeout_seconds));
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), kNoThrow);
    idle_ = false;
    buffer_.commit(n);
    co_return !ec;
}

// Answers whether the connection may carry another request.
asio::awaitable<bool> Session::AsyncServeOne() {
    Exchange ex;
    HeaderParser header_parser;
    if (!co_await AsyncReadHeader(header_parser, ex) ||
        !co_await AsyncAcceptBody(header_parser, ex) ||
        !co_await AsyncReadBody(header_parser, ex)) {
        co_return false;
    }
    Response response = co_await AsyncCallHandler(owner_->RequestHandler(), ex);
    ex.RemoveSpool();
    ex.keep_alive = ex.keep_alive && !StopWanted() && !response.close_connection;
    const bool written = co_await AsyncWriteResponse(ex, response);
    LogRequest(ex, peer_);
    const bool keep_alive = written && ex.keep_alive;
    co_return keep_alive;
}

// Reads and checks the header; answers false when the connection is done (answered or gone).
asio::awaitable<bool> Session::AsyncReadHeader(HeaderParser& header_parser, Exchange& ex) {
    header_parser.header_limit(kHeaderLimitBytes);
    // Limits depend on where the body goes, decided after the header (AsyncAcceptBody).
    header_parser.body_limit(boost::none);
    stream_.Tcp().expires_after(RequestTimeout());
    auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, header_parser, kNoThrow);
    if (ec) {
        ex.request.request_id = NewId("req");
        if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
            co_return co_await AsyncReject(ex, 431, "request header fields are too large",
                                           "header_too_large");
        }
        if (IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
            ec != bhttp::error::partial_message) {
            co_return co_await AsyncReject(ex, 400, "malformed HTTP request", "bad_request");
        }
        co_return false;  // closed, reset or timed out: nobody to answer
    }
    FillRequest(header_parser.get(), ex);
    if (refuse_) {
        co_return co_await AsyncReject(ex, 503, "the server has too many open connections",
                                       "unavailable");
    }
    auto decoded = DecodeTarget(ex.request.target);
    if (!decoded) {
        co_return co_await AsyncReject(ex, 400, decoded.error().message, "bad_request");
    }
    ex.request.path = std::move(decoded->path);
    ex.request.query = std::move(decoded->query);
    co_return true;
}

// Decides where the body goes and whether it is wanted at all, before any of it is read.
asio::awaitable<bool> Session::AsyncAcceptBody(HeaderParser& header_parser, Exchange& ex) {
    const ServerOptions& options = Options();
    ex.spool = options.spool_body && options.spool_body(ex.request.method, ex.request.path);
    ex.body_limit = ex.spool ? options.max_upload_bytes : options.max_body_bytes;
    if (auto length = header_parser.content_length(); length && *length > ex.body_limit) {
        co_return co_await AsyncReject(ex, 413, BodyLimitDetail(ex.body_limit), "body_too_large");
    }
    if (header_parser.is_done()) {
        co_return true;
    }
    if (options.before_body) {
        if (std::optional<Response> early = co_await AsyncCallBeforeBody(options, ex)) {
            co_return co_await AsyncReject(ex, std::move(*early));
        }
    }
    if (ex.spool) {
        ex.upload_slot = owner_->Uploads().TryAcquire();
        if (!ex.upload_slot) {
            co_return co_await AsyncReject(ex, UploadsBusyResponse());
        }
    }
    // curl waits (about a second) for this before sending a large body.
    const auto expect = header_parser.get()[bhttp::field::expect];
    if (ex.version >= 11 && beast::iequals(expect, "100-continue")) {
        auto [ec, n] =
            co_await asio::async_write(stream_, asio::buffer(kContinueResponse), kNoThrow);
        co_return !ec;
    }
    co_return true;
}

asio::awaitable<bool> Session::AsyncReadBody(HeaderParser& header_parser, Exchange& ex) {
    const BodyStatus body = ex.spool ? co_await AsyncReadSpooled(header_parser, ex)
                                     : co_await AsyncReadInMemory(header_parser, ex);
    switch (body) {
        case BodyStatus::kOk:
            co_return true;
        case BodyStatus::kTooLarge:
            co_return co_await AsyncReject(ex, 413, BodyLimitDetail(ex.body_limit),
                                           "body_too_large");
        case BodyStatus::kMalformed:
            co_return co_await AsyncReject(ex, 400, "malformed request body", "bad_request");
        case BodyStatus::kSpoolFailed:
            co_return co_await AsyncReject(ex, 500, "could not store the request body", "internal");
        case BodyStatus::kClosed:
            break;
    }
    co_return false;
}

void Session::FillRequest(const bhttp::request<bhttp::empty_body>& header, Exchange& ex) const {
    Request& request = ex.request;
    request.method = std::string(header.method_string());
    request.target = std::string(header.target());
    for (const auto& field : header) {
        request.headers.emplace_back(AsciiLower(field.name_string()), std::string(field.value()));
    }
    const std::string* sent_id = request.Header("x-request-id");
    request.request_id = sent_id && IsSaneRequestId(*sent_id) ? *sent_id : NewId("req");
    request.remote_address = peer_;
    request.remote_ip = peer_ip_;
    ex.version = header.version();
    ex.keep_alive = header.keep_alive();
    ex.head = header.method() == bhttp::verb::head;
}

asio::awaitable<BodyStatus> Session::AsyncReadInMemory(HeaderParser& header_parser, Exchange& ex) {
    if (header_parser.is_done()) {
        co_return BodyStatus::kOk;
    }
    bhttp::request_parser<bhttp::string_body> parser(std::move(header_parser));
    // Content-Length was checked against the limit already; this bounds chunked bodies.
    parser.body_limit(ex.body_limit);
    auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, parser, kNoThrow);
    if (ec) {
        co_return ClassifyReadError(ec);
    }
    ex.request.body = std::move(parser.get().body());
    co_return BodyStatus::kOk;
}

asio::awaitable<BodyStatus> Session::AsyncReadSpooled(HeaderParser& header_parser, Exchange& ex) {
    const std::filesystem::path dir =
        Options().spool_dir.empty() ? std::filesystem::temp_directory_path() : Options().spool_dir;
    auto spool = SpoolFile::Create(dir);
    if (!spool) {
        log::Error("http spool failed request_id={} error={}", ex.request.request_id,
                   spool.error().message);
        co_return BodyStatus::kSpoolFailed;
    }
    ex.request.body_file = spool->Path();
    if (!header_parser.is_done()) {
        bhttp::request_parser<bhttp::buffer_body> parser(std::move(header_parser));
        parser.body_limit(ex.body_limit);
        std::vector<char> chunk(kSpoolChunkBytes);
        const UploadPace pace = UploadPaceOf(Options());
        while (!parser.is_done()) {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            // Each read has the progress deadline, and no more time than the overall deadline and
            // the minimum rate leave: a trickle is cut off, not waited for chunk after chunk.
            stream_.Tcp().expires_at(std::min(pace.CutOff(spool->Size()),
                                              std::chrono::steady_clock::now() + RequestTimeout()));
            auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser, kNoThrow);
            if (ec == beast::error::timeout) {
                LogUploadCutOff(ex, pace, spool->Size(), peer_);
            }
            if (ec && ec != bhttp::error::need_buffer) {
                co_return ClassifyReadError(ec);
            }
            const std::size_t got = chunk.size() - parser.get().body().size;
            if (auto appended = spool->Append(chunk.data(), got); !appended) {
                log::Error("http spool failed request_id={} error={}", ex.request.request_id,
                           appended.error().message);
                co_return BodyStatus::kSpoolFailed;
            }
        }
    }
    auto sha256 = spool->Finish();
    if (!sha256) {
        log::Error("http spool failed request_id={} error={}", ex.request.request_id,
                   sha256.error().message);
        co_return BodyStatus::kSpoolFailed;
    }
    ex.request.body_size = spool->Size();
    ex.request.body_sha256 = std::move(*sha256);
    co_return BodyStatus::kOk;
}

asio::awaitable<bool> Session::AsyncReject(Exchange& ex, unsigned status, std::string_view detail,
                                           std::string_view code) {
    co_return co_await AsyncReject(ex, JsonError(status, detail, code));
}

asio::awaitable<bool> Session::AsyncReject(Exchange& ex, Response response) {
    // The rest of the request was not read, so the connection cannot carry another one.
    ex.keep_alive = false;
    lingering_close_ = true;
    co_await AsyncWriteResponse(ex, response);
    LogRequest(ex, peer_);
    co_return false;
}

asio::awaitable<bool> Session::AsyncWriteResponse(Exchange& ex, Response& response) {
    if (response.status < 100 || response.status > 599) {
        log::Error("http handler returned invalid status={} path={} request_id={}", response.status,
                   ex.RawPath(), ex.request.request_id);
        response = JsonError(500, "internal error", "internal");
    }
    ex.status = response.status;
    if (response.file && !ex.head) {
        co_return co_await AsyncWriteFile(ex, response);
    }
    if (ex.head) {
        bhttp::response<bhttp::empty_body> res;
        FillHeaders(res, response, ex);
        if (StatusAllowsBody(response.status)) {
            res.content_length(response.file ? response.file->length : response.body.size());
        }
        co_return co_await AsyncWriteMessage(res);
    }
    bhttp::response<bhttp::string_body> res;
    FillHeaders(res, response, ex);
    if (StatusAllowsBody(response.status)) {
        res.body() = std::move(response.body);
        res.content_length(res.body().size());
    }
    co_return co_await AsyncWriteMessage(res);
}

asio::awaitable<bool> Session::AsyncWriteFile(Exchange& ex, const Response& response) {
    const FileBody& range = *response.file;
    beast::error_code ec;
    RangeFile file;
    file.open(range.path.c_str(), beast::file_mode::scan, ec);
    if (!ec) {
        file.Restrict(range.offset, range.length, ec);
    }
    bhttp::response<bhttp::basic_file_body<RangeFile>> res;
    if (!ec) {
        res.body().reset(std::move(file), ec);
    }
    if (ec) {
        log::Error("http file response failed path={} request_id={} error={}", range.path.string(),
                   ex.request.request_id, ec.message());
        Response failure = JsonError(500, "internal error", "internal");
        co_return co_await AsyncWriteResponse(ex, failure);
    }
    FillHeaders(res, response, ex);
    res.content_length(range.length);
    co_return co_await AsyncWriteMessage(res);
}

template <class Body>
void Session::FillHeaders(bhttp::response<Body>& res, const Response& response,
                          const Exchange& ex) const {
    res.version(ex.version);
    res.result(response.status);
    if (!response.content_type.empty()) {
        res.set(bhttp::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) {
        if (!IsServerOwnedHeader(name)) {
            res.insert(name, value);
        }
    }
    res.set("X-Request-Id", ex.request.request_id);
    res.keep_alive(ex.keep_alive);
}

template <class Body>
asio::awaitable<bool> Session::AsyncWriteMessage(bhttp::response<Body>& res) {
    bhttp::response_serializer<Body> serializer(res);
    std::vector<asio::const_buffer> buffers;
    while (!serializer.is_done()) {
        beast::error_code ec;
        std::size_t n = 0;
        if (NextBuffers(serializer, buffers, ec)) {
            std::tie(ec, n) = co_await AsyncWriteSome(buffers);
        }
        if (ec) {
            co_return false;
        }
        serializer.consume(n);
    }
    co_return true;
}

asio::awaitable<std::tuple<beast::error_code, std::size_t>> Session::AsyncWriteSome(
    const std::vector<asio::const_buffer>& buffers) {
    // The deadline is on progress so a large download to a slow client is not cut off.
    stream_.Tcp().expires_after(RequestTimeout());
    co_return co_await stream_.async_write_some(buffers, kNoThrow);
}

asio::awaitable<void> Session::AsyncLingeringClose() {
    beast::error_code ec;
    // TLS: no close_notify; every answer is framed by Content-Length, so none is needed.
    stream_.Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.Tcp().expires_after(kLingerTime);
    buffer_.consume(buffer_.size());
    for (;;) {
        auto [rec, n] =
            co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), kNoThrow);
        if (rec) {
            break;
        }
        buffer_.consume(buffer_.size());
    }
}

void Session::Close() {
    beast::error_code ec;
    stream_.Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.Tcp().socket().close(ec);
}

}  // namespace

std::shared_ptr<Connection> MakeConnection(std::shared_ptr<ConnectionOwner> owner,
                                           boost::asio::ip::tcp::socket socket,
                                           boost::asio::ssl::context* tls, std::uint64_t id,
                                           bool refuse) {
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    return std::make_shared<Session>(std::move(owner), std::move(socket), tls, id, refuse);
}

}  // namespace waka::coordinator::http
