#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/api/problem.hpp"

// Reading JSON request bodies strictly: malformed JSON is a 400 naming the problem; unknown
// fields, wrong types and missing required fields are collected as 422 field errors.
namespace waka::coordinator::api {

// Parses a request body that must be one JSON object. An empty body reads as {} so that the
// answer lists the required fields instead of a parse error.
[[nodiscard]] ApiExpected<boost::json::object> ParseJsonObject(std::string_view body);

// Reads the fields of one object, remembering which were known and every problem seen. An
// explicit null reads as absent (the prototype crashed on nulls). Not thread-safe; short-lived.
class ObjectReader {
public:
    // prefix names nested objects in field errors ("approval.timeout_hours").
    explicit ObjectReader(const boost::json::object& object, std::string prefix = {});

    [[nodiscard]] std::optional<std::string> String(std::string_view field, bool required = false);
    [[nodiscard]] std::optional<bool> Bool(std::string_view field);
    [[nodiscard]] std::optional<std::int64_t> Integer(std::string_view field);
    // Any JSON object, as is.
    [[nodiscard]] const boost::json::object* Object(std::string_view field);
    // An object whose values must all be strings ({"name": "1.2.0"}).
    [[nodiscard]] std::optional<std::map<std::string, std::string>> StringMap(
        std::string_view field);

    // Records a problem found by the caller's own checks.
    void Fail(std::string_view field, std::string message);
    [[nodiscard]] std::string FieldName(std::string_view field) const;

    // Adds one error per unknown field and answers everything collected, in field order.
    [[nodiscard]] std::vector<FieldError> Finish();

private:
    const boost::json::value* Find(std::string_view field);

    const boost::json::object& object_;
    std::string prefix_;
    std::set<std::string, std::less<>> known_;
    std::vector<FieldError> errors_;
};

// Converts collected field errors into the 422 answer, or success when there were none.
template <class T>
[[nodiscard]] ApiExpected<T> Validated(T value, std::vector<FieldError> errors) {
    if (!errors.empty()) {
        return Invalid(std::move(errors));
    }
    return value;
}

}  // namespace waka::coordinator::api
