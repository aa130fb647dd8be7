#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "shared/core/error.hpp"

// Reading what the operator hands wakactl; each function's error names the bad input, as printed.
namespace waka::ctl {

// The variable's value, or `fallback` when it is unset or empty.
std::string EnvOr(const char* name, std::string fallback);

// The whole file; "wakactl: cannot read <path>" otherwise.
[[nodiscard]] Expected<std::string> ReadInputFile(const std::string& path);

// `text` as a JSON object; `what` names it in the error ("body.json", "--data").
[[nodiscard]] Expected<boost::json::object> ParseJsonArg(const std::string& text,
                                                         const std::string& what);

// The JSON object in the file at `path` (ReadInputFile, then ParseJsonArg naming the path).
[[nodiscard]] Expected<boost::json::object> ReadJsonFile(const std::string& path);

// ["k=v", ...] as {"k": "v", ...}; `what` names the flag in the error.
[[nodiscard]] Expected<boost::json::object> KeyValues(const std::vector<std::string>& pairs,
                                                      const std::string& what);

// --suite and --capability pairs ("name=version") as body["suites"] and body["capabilities"]
// (those given), as manifest and compile bodies and rollout constraints read them.
[[nodiscard]] Expected<void> AddComponentVersions(boost::json::object& body,
                                                  const std::vector<std::string>& suites,
                                                  const std::vector<std::string>& capabilities);

}  // namespace waka::ctl
