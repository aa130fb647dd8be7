#include "ctl/client.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <iostream>

#include "ctl/input.hpp"
#include "ctl/output.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

// The field errors of a 422, one "  field: message" line each.
std::string FieldErrors(const json::object& body) {
    std::string lines;
    const auto* errors = body.if_contains("errors");
    if (errors == nullptr || !errors->is_array()) {
        return lines;
    }
    for (const auto& e : errors->get_array()) {
        const auto* error = e.if_object();
        const auto* field = error != nullptr ? error->if_contains("field") : nullptr;
        if (field == nullptr) {
            continue;
        }
        const auto* message = error->if_contains("message");
        lines +=
            "\n  " + Text(*field) + ": " + (message != nullptr ? Text(*message) : std::string("-"));
    }
    return lines;
}

std::string ErrorMessage(const Answer& answer, const json::value& body) {
    std::string message = "error " + std::to_string(answer.status);
    const auto* object = body.if_object();
    const auto* detail = object != nullptr ? object->if_contains("detail") : nullptr;
    if (detail == nullptr) {
        return answer.body.empty() ? message : message + ": " + answer.body;
    }
    message += ": " + (detail->is_string() ? Text(*detail) : json::serialize(*detail));
    return message + FieldErrors(*object);
}

Errc CodeOfStatus(unsigned status) {
    switch (status) {
        case 401:
            return Errc::kUnauthenticated;
        case 403:
            return Errc::kPermissionDenied;
        case 404:
            return Errc::kNotFound;
        case 409:
            return Errc::kConflict;
        case 413:
            return Errc::kTooLarge;
        default:
            break;
    }
    return status >= 500 ? Errc::kNetwork : Errc::kInvalidArgument;
}

}  // namespace

Error Fail(std::string message, Errc code) { return MakeError(code, std::move(message)); }

Expected<json::value> Check(const Answer& answer) {
    if (answer.status == 0) {
        return Fail("wakactl: " + answer.error, Errc::kNetwork);
    }
    json::value body;
    if (!answer.body.empty()) {
        boost::system::error_code ec;
        body = json::parse(answer.body, ec);
        if (ec) {
            body = json::string(answer.body);
        }
    }
    if (answer.status >= 400) {
        return Fail(ErrorMessage(answer, body), CodeOfStatus(answer.status));
    }
    return body;
}

Expected<void> ResolveToken(Globals& globals) {
    if (globals.token_file.empty()) {
        return {};
    }
    auto text = ReadInputFile(globals.token_file);
    if (!text) {
        return Fail("wakactl: cannot read the token file " + globals.token_file, Errc::kIo);
    }
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) {
        text->pop_back();
    }
    globals.token = std::move(*text);
    return {};
}

bool IsLoopbackHost(std::string_view host) {
    if (host.starts_with('[') && host.ends_with(']')) {
        host = host.substr(1, host.size() - 2);
    }
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

Expected<Client> Client::Make(const Globals& globals) {
    auto target = ParseUrl(globals.url);
    if (!target) {
        return Fail("wakactl: " + target.error().message);
    }
    target->ca_file = globals.ca_file;
    if (!target->tls && !globals.token.empty() && !IsLoopbackHost(target->host)) {
        std::cerr << "wakactl: warning: the token goes in clear text over http:// to "
                  << target->host << "; use https://\n";
    }
    return Client(globals.token, std::move(*target));
}

Expected<json::value> Client::Call(const std::string& method, const std::string& path,
                                   const std::string& body) const {
    return Check(Send(target_, token_, method, path, body));
}

Expected<json::value> Client::Upload(const std::string& path, const std::string& file,
                                     const Headers& headers) const {
    return Check(SendFile(target_, token_, "PUT", path, file, headers));
}

Expected<Page> Client::List(const std::string& path, int limit) const {
    constexpr int kMaxPage = 1000;  // the server's largest page
    Page page;
    std::string cursor;
    const std::string separator = path.find('?') == std::string::npos ? "?" : "&";
    for (;;) {
        const int size =
            limit == 0 ? kMaxPage : std::min(kMaxPage, limit - static_cast<int>(page.items.size()));
        const Answer answer = Send(target_, token_, "GET",
                                   path + separator + "limit=" + std::to_string(size) +
                                       (cursor.empty() ? "" : "&cursor=" + UrlEncode(cursor)),
                                   "");
        auto body = Check(answer);
        if (!body) {
            return body.error();
        }
        if (!body->is_array()) {
            return Fail("wakactl: " + path + " did not answer a list", Errc::kProtocol);
        }
        for (auto& item : body->get_array()) {
            page.items.push_back(std::move(item));
        }
        cursor = answer.next_cursor;
        if (cursor.empty()) {
            return page;
        }
        if (limit != 0 && static_cast<int>(page.items.size()) >= limit) {
            // The server names a cursor whenever a page is full; one item more tells if it is real.
            auto next = Check(Send(target_, token_, "GET",
                                   path + separator + "limit=1&cursor=" + UrlEncode(cursor), ""));
            if (!next) {
                return next.error();
            }
            page.more = next->is_array() && !next->get_array().empty();
            return page;
        }
    }
}

Expected<void> Client::Download(const std::string& path, const std::string& file) const {
    auto answer = Check(DownloadFile(target_, token_, path, file));
    if (!answer) {
        return answer.error();
    }
    return {};
}

Answer Client::Raw(const std::string& method, const std::string& path,
                   const std::string& body) const {
    return Send(target_, token_, method, path, body);
}

std::string UrlEncode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string Query(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (!value.empty()) {
            out += (out.empty() ? "?" : "&") + key + "=" + UrlEncode(value);
        }
    }
    return out;
}

}  // namespace waka::ctl
