#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "shared/core/error.hpp"

// wakactl's HTTP/1.1 client (Beast, plain TCP or TLS): one connection per request, a deadline on
// every call, never throws. Uploads stream the file from disk. Over TLS the server certificate is
// verified (chain against the system store or a given CA file, and the host name or IP address).
namespace waka::ctl {

struct Target {
    bool tls = false;
    std::string host = "127.0.0.1";
    std::string port = "8000";
    std::string base_path;  // "" or "/prefix" without a trailing slash
    std::string ca_file;    // TLS: trust only this PEM bundle; empty: the system's trust store
};

// Parses "http://host[:port][/prefix]" (port 8000 by default) or "https://host[:port][/prefix]"
// (port 443) with net::ParseUrl. Errc::kInvalidArgument with the message to print otherwise.
[[nodiscard]] Expected<Target> ParseUrl(const std::string& url);

struct Answer {
    unsigned status = 0;  // 0: no answer, see error
    std::string body;
    std::string error;
    std::string next_cursor;  // X-Next-Cursor: a list has more after this page
};

Answer Send(const Target& target, const std::string& token, const std::string& method,
            const std::string& path, const std::string& body);
using Headers = std::vector<std::pair<std::string, std::string>>;
Answer SendFile(const Target& target, const std::string& token, const std::string& method,
                const std::string& path, const std::filesystem::path& file,
                const Headers& headers = {});
// GET `path` into `file` (through `file`.partial, renamed only on a 200); any other answer comes
// back with its body, as from Send, and leaves `file` untouched.
Answer DownloadFile(const Target& target, const std::string& token, const std::string& path,
                    const std::filesystem::path& file);

}  // namespace waka::ctl
