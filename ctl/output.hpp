#pragma once

#include <boost/json/value.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "ctl/client.hpp"
#include "shared/core/error.hpp"

// How wakactl prints answers: tables and "key: value" lines for people, indented JSON for scripts.
namespace waka::ctl {

// A cell's text: strings as they are, null as "-", anything else as compact JSON.
std::string Text(const boost::json::value& value);

// Indented JSON.
void PrintPretty(const boost::json::value& value, std::ostream& out,
                 const std::string& indent = "");

// An array of objects as aligned columns under upper-case headers; absent cells print "-".
void PrintTable(const boost::json::value& rows, const std::vector<std::string>& columns);

// One object as "key: value" lines, or as JSON with --json (or when it is not an object).
void Show(const Globals& globals, const boost::json::value& value);

// A list as a table of `columns`, or as JSON with --json.
void List(const Globals& globals, const boost::json::value& value,
          const std::vector<std::string>& columns);

// Show and List of an answer that may be an error: the error is passed on, nothing printed.
[[nodiscard]] Expected<void> ShowAnswer(const Globals& globals,
                                        const Expected<boost::json::value>& answer);
[[nodiscard]] Expected<void> ListAnswer(const Globals& globals,
                                        const Expected<boost::json::value>& answer,
                                        const std::vector<std::string>& columns);

// A paged list (GET `path`, following cursors) printed as List does; `limit` 0 means all. When the
// server had more, a note on stderr says so (stdout stays what --json promises).
[[nodiscard]] Expected<void> ListPaged(const Globals& globals, const Expected<Client>& client,
                                       const std::string& path, int limit,
                                       const std::vector<std::string>& columns);

// Text() of the member `key` of an object the server answered; "wakactl: the server's answer has
// no '<key>'" when it is not an object or lacks the member.
[[nodiscard]] Expected<std::string> Field(const boost::json::value& answer, const char* key);

}  // namespace waka::ctl
