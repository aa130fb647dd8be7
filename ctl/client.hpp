#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ctl/http_client.hpp"
#include "shared/core/error.hpp"

// The REST API as wakactl sees it: requests whose error statuses become errors carrying the
// server's `detail`, so that every command reports errors the same way. Nothing here throws.
namespace waka::ctl {

// An error wakactl reports: its message is the whole line printed on stderr ("wakactl: ..." or
// "error 404: ..."), and the exit status is 1. `code` is for callers that decide on it.
[[nodiscard]] Error Fail(std::string message, Errc code = Errc::kInvalidArgument);

struct Globals {
    std::string url;
    std::string token;
    std::string token_file;  // read into `token` by ResolveToken; wins over WAKA_TOKEN
    std::string ca_file;     // https:// only: the CA bundle to trust instead of the system's
    bool json_output = false;
};

// One page run of a paged list.
struct Page {
    boost::json::array items;
    bool more = false;  // the server had more than were fetched
};

// Reads globals.token_file (one trailing newline ignored) into globals.token when set. Errors name
// the file, never its content.
[[nodiscard]] Expected<void> ResolveToken(Globals& globals);

// True for a host name or address that stays on this machine (localhost, 127.0.0.0/8, ::1).
[[nodiscard]] bool IsLoopbackHost(std::string_view host);

class Client {
public:
    // Errc::kInvalidArgument "wakactl: <why>" when the URL cannot be used.
    [[nodiscard]] static Expected<Client> Make(const Globals& globals);

    // Sends the request; a transport failure or an error status is an error carrying the server's
    // `detail` (and each field error). Answers the parsed body (null when empty).
    [[nodiscard]] Expected<boost::json::value> Call(const std::string& method,
                                                    const std::string& path,
                                                    const std::string& body = {}) const;
    // PUT of a file streamed from disk, with `headers` added.
    [[nodiscard]] Expected<boost::json::value> Upload(const std::string& path,
                                                      const std::string& file,
                                                      const Headers& headers = {}) const;
    // GET of a paged list: follows X-Next-Cursor until `limit` items (0: all of them).
    [[nodiscard]] Expected<Page> List(const std::string& path, int limit) const;
    // GET of a file into `file` (replaced only when the answer is 200).
    [[nodiscard]] Expected<void> Download(const std::string& path, const std::string& file) const;
    // The answer as it came, whatever its status (for `wakactl api` and `health`).
    [[nodiscard]] Answer Raw(const std::string& method, const std::string& path,
                             const std::string& body) const;

private:
    Client(std::string token, Target target)
        : token_(std::move(token)), target_(std::move(target)) {}

    std::string token_;
    Target target_;
};

// The answer's body parsed (a JSON string holding the text when it is not JSON; null when empty);
// an error for a transport failure ("wakactl: <why>") or an error status, with the server's
// `detail`.
[[nodiscard]] Expected<boost::json::value> Check(const Answer& answer);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEncode(const std::string& text);
// "?k=v&..." of the pairs whose value is not empty ("" when none).
std::string Query(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace waka::ctl
