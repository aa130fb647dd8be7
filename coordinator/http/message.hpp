#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Plain HTTP request and response types: handlers see these, never Beast.
namespace waka::coordinator::http {

struct Request {
    std::string method;  // upper case: GET, POST, PUT, DELETE, ...
    std::string target;  // as sent: path and query
    std::string path;    // percent-decoded path without the query
    std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
    std::string body;  // in-memory body (empty when spooled)
    // Set when the server spooled the body to disk (uploads): the file, its size and SHA-256.
    std::optional<std::filesystem::path> body_file;
    std::uint64_t body_size = 0;
    std::string body_sha256;
    std::string remote_address;  // "1.2.3.4:5" or "[::1]:5", for logs
    // The peer's address itself (rate limits), unless the socket had none (already reset).
    std::optional<boost::asio::ip::address> remote_ip;
    std::string request_id;  // X-Request-Id as sent, or one the server made

    // First header of that (lower-case) name, or nullptr.
    [[nodiscard]] const std::string* Header(std::string_view name) const;
    // First query parameter of that name, or nullopt.
    [[nodiscard]] std::optional<std::string> Query(std::string_view name) const;
};

// A byte range of a file sent as the body (downloads, Range requests).
struct FileBody {
    std::filesystem::path path;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

struct Response {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<FileBody> file;  // when set, sent instead of body
    // Close the connection after this answer ("Connection: close"), e.g. to a client over its rate
    // limit, which would otherwise send the next request at once on the same connection.
    bool close_connection = false;
};

// An error response in the API convention: {"detail": "<human sentence>", "code": "<snake_case>"}.
[[nodiscard]] Response JsonError(unsigned status, std::string_view detail, std::string_view code);

}  // namespace waka::coordinator::http
