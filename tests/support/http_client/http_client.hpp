#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A small blocking HTTP/1.1 client for tests. Every network step has a deadline (30 s by default),
// so a hung server fails the test instead of hanging it. Never throws: transport failures come back
// as status 0 with the reason in HttpResult::error.
namespace waka::test {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
    unsigned status = 0;  // 0: no response (see error)
    std::string body;
    HttpHeaders headers;  // as received, in order
    std::string error;    // transport failure, empty on success

    // First header of that name (case-insensitive), or "" when absent.
    [[nodiscard]] std::string Header(std::string_view name) const;
    [[nodiscard]] bool HasHeader(std::string_view name) const;
};

// One persistent connection, for tests of keep-alive, pipelining, raw bytes and closing.
// Not thread-safe: one test thread drives it.
class HttpConnection {
public:
    HttpConnection(std::string host, std::uint16_t port,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    // Connects (done implicitly by the calls below when needed). Answers "" or the error.
    std::string Connect();
    // Writes one request and reads its response on this connection. A body given without a
    // Content-Type header is sent as application/json.
    HttpResult Send(std::string method, std::string target, std::string body = {},
                    HttpHeaders headers = {});
    // Streams a file as the body. With an "Expect: 100-continue" header it sends the header,
    // waits for the interim 100 (or a final answer) and only then the file.
    HttpResult SendFile(std::string method, std::string target, const std::filesystem::path& path,
                        HttpHeaders headers = {});
    // Writes bytes as they are (malformed requests, pipelining).
    std::string WriteRaw(std::string_view bytes);
    // Reads one response (e.g. the second answer of a pipelined pair).
    HttpResult ReadResponse(bool head_request = false);
    // Reads until the peer closes; answers what arrived. error is set on timeout or failure.
    HttpResult ReadUntilClose();
    // True when the peer has closed the connection (EOF) within the timeout and sent nothing more.
    [[nodiscard]] bool WaitForClose();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One connection per request (sent with "Connection: close").
class HttpClient {
public:
    HttpClient(std::string host, std::uint16_t port);

    // Adds "Authorization: Bearer <token>" to every request; empty turns it off.
    void SetBearer(std::string token);
    void SetTimeout(std::chrono::milliseconds timeout);

    HttpResult Request(std::string method, std::string target, std::string body = {},
                       HttpHeaders headers = {});
    HttpResult Get(std::string target, HttpHeaders headers = {});
    HttpResult Head(std::string target, HttpHeaders headers = {});
    HttpResult Post(std::string target, std::string body, HttpHeaders headers = {});
    HttpResult Put(std::string target, std::string body, HttpHeaders headers = {});
    HttpResult Delete(std::string target, HttpHeaders headers = {});
    // Streams the file at path as the request body (uploads).
    HttpResult UploadFile(std::string method, std::string target, const std::filesystem::path& path,
                          HttpHeaders headers = {});

private:
    HttpHeaders WithAuth(HttpHeaders headers) const;

    std::string host_;
    std::uint16_t port_;
    std::string bearer_;
    std::chrono::milliseconds timeout_ = std::chrono::seconds(30);
};

}  // namespace waka::test
