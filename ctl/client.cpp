#include "ctl/client.hpp"

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

}  // namespace

Client::Client(const Globals& globals) : token_(globals.token) {
    std::string error;
    target_ = ParseUrl(globals.url, error);
    if (!error.empty()) {
        throw Failure{"wakactl: " + error};
    }
    target_.ca_file = globals.ca_file;
}

json::value Client::Call(const std::string& method, const std::string& path,
                         const std::string& body) const {
    return Check(Send(target_, token_, method, path, body));
}

json::value Client::Upload(const std::string& path, const std::string& file) const {
    return Check(SendFile(target_, token_, "PUT", path, file));
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
