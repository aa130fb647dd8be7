#include "ctl/client.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

namespace waka::ctl {
namespace {

namespace json = boost::json;

std::string ErrorMessage(const Answer& answer, const json::value& body) {
    std::string message = "error " + std::to_string(answer.status);
    if (!body.is_object() || !body.as_object().contains("detail")) {
        return answer.body.empty() ? message : message + ": " + answer.body;
    }
    const auto& detail = body.as_object().at("detail");
    message +=
        ": " + (detail.is_string() ? std::string(detail.as_string()) : json::serialize(detail));
    if (const auto* errors = body.as_object().if_contains("errors");
        errors != nullptr && errors->is_array()) {
        for (const auto& e : errors->as_array()) {
            if (e.is_object() && e.as_object().contains("field")) {
                message += "\n  " + std::string(e.at("field").as_string()) + ": " +
                           std::string(e.at("message").as_string());
            }
        }
    }
    return message;
}

}  // namespace

json::value Check(const Answer& answer) {
    if (answer.status == 0) {
        throw Failure{"wakactl: " + answer.error};
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
        throw Failure{ErrorMessage(answer, body)};
    }
    return body;
}

Client::Client(const Globals& globals) : token_(globals.token) {
    auto target = ParseUrl(globals.url);
    if (!target) {
        throw Failure{"wakactl: " + target.error().message};
    }
    target_ = std::move(*target);
    target_.ca_file = globals.ca_file;
}

json::value Client::Call(const std::string& method, const std::string& path,
                         const std::string& body) const {
    return Check(Send(target_, token_, method, path, body));
}

json::value Client::Upload(const std::string& path, const std::string& file) const {
    return Check(SendFile(target_, token_, "PUT", path, file));
}

json::array Client::List(const std::string& path, int limit, bool& more) const {
    constexpr int kMaxPage = 1000;  // the server's largest page
    json::array items;
    std::string cursor;
    more = false;
    for (;;) {
        const int page =
            limit == 0 ? kMaxPage : std::min(kMaxPage, limit - static_cast<int>(items.size()));
        const std::string separator = path.find('?') == std::string::npos ? "?" : "&";
        const Answer answer = Send(target_, token_, "GET",
                                   path + separator + "limit=" + std::to_string(page) +
                                       (cursor.empty() ? "" : "&cursor=" + UrlEncode(cursor)),
                                   "");
        json::value body = Check(answer);
        if (!body.is_array()) {
            throw Failure{"wakactl: " + path + " did not answer a list"};
        }
        for (auto& item : body.as_array()) {
            items.push_back(std::move(item));
        }
        cursor = answer.next_cursor;
        if (cursor.empty()) {
            return items;
        }
        if (limit != 0 && static_cast<int>(items.size()) >= limit) {
            // The server names a cursor whenever a page is full; one item more tells if it is real.
            const json::value next =
                Check(Send(target_, token_, "GET",
                           path + separator + "limit=1&cursor=" + UrlEncode(cursor), ""));
            more = next.is_array() && !next.as_array().empty();
            return items;
        }
    }
}

void Client::Download(const std::string& path, const std::string& file) const {
    Check(DownloadFile(target_, token_, path, file));
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
