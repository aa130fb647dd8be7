#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

// Reading what the operator hands wakactl; each function throws Failure naming the bad input.
namespace waka::ctl {

// The variable's value, or `fallback` when it is unset or empty.
std::string EnvOr(const char* name, std::string fallback);

std::string ReadFileOrThrow(const std::string& path);

// `text` as a JSON object; `what` names it in the error ("body.json", "--data").
boost::json::object ParseJsonArg(const std::string& text, const std::string& what);

// ["k=v", ...] as {"k": "v", ...}; `what` names the flag in the error.
boost::json::object KeyValues(const std::vector<std::string>& pairs, const std::string& what);

}  // namespace waka::ctl
