#include "coordinator/api/json_input.hpp"

#include <boost/json/stream_parser.hpp>

namespace waka::coordinator::api {

ApiExpected<boost::json::object> ParseJsonObject(std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return boost::json::object{};
    }
    boost::json::stream_parser parser;
    boost::system::error_code ec;
    std::size_t consumed = parser.write_some(body.data(), body.size(), ec);
    if (!ec && consumed < body.size()) {
        ec = boost::json::error::extra_data;
    }
    if (!ec) {
        parser.finish(ec);
    }
    if (ec) {
        return BadRequest("Malformed JSON body at byte " + std::to_string(consumed) + ": " +
                          ec.message());
    }
    boost::json::value value = parser.release();
    if (!value.is_object()) {
        return BadRequest("The request body must be a JSON object");
    }
    return std::move(value.as_object());
}

ObjectReader::ObjectReader(const boost::json::object& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

std::string ObjectReader::FieldName(std::string_view field) const {
    return prefix_.empty() ? std::string(field) : prefix_ + "." + std::string(field);
}

void ObjectReader::Fail(std::string_view field, std::string message) {
    errors_.push_back({FieldName(field), std::move(message)});
}

const boost::json::value* ObjectReader::Find(std::string_view field) {
    known_.emplace(field);
    const boost::json::value* value = object_.if_contains(field);
    return (value == nullptr || value->is_null()) ? nullptr : value;
}

std::optional<std::string> ObjectReader::String(std::string_view field, bool required) {
    const boost::json::value* value = Find(field);
    if (value == nullptr) {
        if (required) {
            Fail(field, "is required");
        }
        return std::nullopt;
    }
    if (!value->is_string()) {
        Fail(field, "must be a string");
        return std::nullopt;
    }
    return std::string(value->as_string());
}

std::optional<bool> ObjectReader::Bool(std::string_view field) {
    const boost::json::value* value = Find(field);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_bool()) {
        Fail(field, "must be true or false");
        return std::nullopt;
    }
    return value->as_bool();
}

std::optional<std::int64_t> ObjectReader::Integer(std::string_view field) {
    const boost::json::value* value = Find(field);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_int64()) {
        return value->as_int64();
    }
    if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(value->as_uint64());
    }
    Fail(field, "must be an integer");
    return std::nullopt;
}

const boost::json::object* ObjectReader::Object(std::string_view field) {
    const boost::json::value* value = Find(field);
    if (value == nullptr) {
        return nullptr;
    }
    if (!value->is_object()) {
        Fail(field, "must be a JSON object");
        return nullptr;
    }
    return &value->as_object();
}

std::optional<std::map<std::string, std::string>> ObjectReader::StringMap(std::string_view field) {
    const boost::json::object* object = Object(field);
    if (object == nullptr) {
        return std::nullopt;
    }
    std::map<std::string, std::string> result;
    bool ok = true;
    for (const auto& [key, value] : *object) {
        if (!value.is_string()) {
            Fail(std::string(field) + "." + std::string(key), "must be a string");
            ok = false;
            continue;
        }
        result.emplace(std::string(key), std::string(value.as_string()));
    }
    if (!ok) {
        return std::nullopt;
    }
    return result;
}

std::vector<FieldError> ObjectReader::Finish() {
    for (const auto& [key, value] : object_) {
        if (!known_.contains(std::string_view(key))) {
            errors_.push_back({FieldName(key), "is not a known field"});
        }
    }
    return std::move(errors_);
}

}  // namespace waka::coordinator::api
