#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ctl/http_client.hpp"

// The REST API as wakactl sees it: requests whose error statuses become a Failure carrying the
// server's `detail`, so that every command reports errors the same way.
namespace waka::ctl {

// A failure to report: main prints `message` on stderr and exits with `code`.
struct Failure {
    std::string message;
    int code = 1;
};

struct Globals {
    std::string url;
    std::string token;
    std::string ca_file;  // https:// only: the CA bundle to trust instead of the system's
    bool json_output = false;
};

class Client {
public:
    // Throws Failure when the URL cannot be used.
    explicit Client(const Globals& globals);

    // Sends the request; a transport failure or an error status throws a Failure carrying the
    // server's `detail` (and each field error). Answers the parsed body (null when empty).
    boost::json::value Call(const std::string& method, const std::string& path,
                            const std::string& body = {}) const;
    // PUT of a file streamed from disk.
    boost::json::value Upload(const std::string& path, const std::string& file) const;
    // GET of a paged list: follows X-Next-Cursor until `limit` items (0: all of them). Answers
    // the items and whether the server had more than were fetched.
    boost::json::array List(const std::string& path, int limit, bool& more) const;
    // GET of a file into `file` (replaced only when the answer is 200).
    void Download(const std::string& path, const std::string& file) const;
    // The answer as it came, whatever its status (for `wakactl api` and `health`).
    Answer Raw(const std::string& method, const std::string& path, const std::string& body) const;

private:
    std::string token_;
    Target target_;
};

// The answer's body parsed (a JSON string holding the text when it is not JSON; null when empty);
// throws Failure for a transport failure or an error status, with the server's `detail`.
boost::json::value Check(const Answer& answer);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEncode(const std::string& text);
// "?k=v&..." of the pairs whose value is not empty ("" when none).
std::string Query(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace waka::ctl
