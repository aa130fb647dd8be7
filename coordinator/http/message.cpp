#include "coordinator/http/message.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

namespace waka::coordinator::http {
namespace {

// Header names are stored lower-case; a caller spelling "Content-Type" still finds them.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

}  // namespace

const std::string* Request::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (EqualsIgnoreCase(key, name)) {
            return &value;
        }
    }
    return nullptr;
}

std::optional<std::string> Request::Query(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

Response JsonError(unsigned status, std::string_view detail, std::string_view code) {
    Response response;
    response.status = status;
    response.body = boost::json::serialize(boost::json::object{{"detail", detail}, {"code", code}});
    return response;
}

}  // namespace waka::coordinator::http
