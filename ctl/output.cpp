#include "ctl/output.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <iostream>

namespace waka::ctl {
namespace {

namespace json = boost::json;

void PrintPrettyObject(const json::object& object, std::ostream& out, const std::string& indent) {
    if (object.empty()) {
        out << "{}";
        return;
    }
    out << "{\n";
    std::size_t i = 0;
    for (const auto& member : object) {
        out << indent << "  " << json::serialize(json::string(member.key())) << ": ";
        PrintPretty(member.value(), out, indent + "  ");
        out << (++i < object.size() ? ",\n" : "\n");
    }
    out << indent << "}";
}

void PrintPrettyArray(const json::array& array, std::ostream& out, const std::string& indent) {
    if (array.empty()) {
        out << "[]";
        return;
    }
    out << "[\n";
    for (std::size_t i = 0; i < array.size(); ++i) {
        out << indent << "  ";
        PrintPretty(array[i], out, indent + "  ");
        out << (i + 1 < array.size() ? ",\n" : "\n");
    }
    out << indent << "]";
}

void PrintLine(const std::vector<std::string>& line, const std::vector<std::size_t>& widths) {
    for (std::size_t i = 0; i < line.size(); ++i) {
        std::cout << line[i];
        if (i + 1 < line.size()) {
            std::cout << std::string(widths[i] - line[i].size() + 2, ' ');
        }
    }
    std::cout << "\n";
}

std::string Upper(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

}  // namespace

std::string Text(const json::value& value) {
    if (value.is_string()) {
        return std::string(value.as_string());
    }
    if (value.is_null()) {
        return "-";
    }
    return json::serialize(value);
}

void PrintPretty(const json::value& value, std::ostream& out, const std::string& indent) {
    if (value.is_object()) {
        PrintPrettyObject(value.as_object(), out, indent);
    } else if (value.is_array()) {
        PrintPrettyArray(value.as_array(), out, indent);
    } else {
        out << json::serialize(value);
    }
}

void PrintTable(const json::value& rows, const std::vector<std::string>& columns) {
    std::vector<std::string> header;
    std::vector<std::size_t> widths;
    for (const auto& column : columns) {
        header.push_back(Upper(column));
        widths.push_back(column.size());
    }
    std::vector<std::vector<std::string>> cells;
    if (rows.is_array()) {
        for (const auto& row : rows.as_array()) {
            std::vector<std::string> line;
            for (std::size_t i = 0; i < columns.size(); ++i) {
                const auto* cell =
                    row.is_object() ? row.as_object().if_contains(columns[i]) : nullptr;
                line.push_back(cell != nullptr ? Text(*cell) : "-");
                widths[i] = std::max(widths[i], line.back().size());
            }
            cells.push_back(std::move(line));
        }
    }
    PrintLine(header, widths);
    for (const auto& line : cells) {
        PrintLine(line, widths);
    }
}

void Show(const Globals& globals, const json::value& value) {
    if (globals.json_output || !value.is_object()) {
        PrintPretty(value, std::cout);
        std::cout << "\n";
        return;
    }
    std::size_t width = 0;
    for (const auto& member : value.as_object()) {
        width = std::max(width, member.key().size());
    }
    for (const auto& member : value.as_object()) {
        std::cout << std::string(member.key()) << ":"
                  << std::string(width - member.key().size() + 1, ' ') << Text(member.value())
                  << "\n";
    }
}

void List(const Globals& globals, const json::value& value,
          const std::vector<std::string>& columns) {
    if (globals.json_output) {
        PrintPretty(value, std::cout);
        std::cout << "\n";
        return;
    }
    PrintTable(value, columns);
}

Expected<void> ShowAnswer(const Globals& globals, const Expected<json::value>& answer) {
    if (!answer) {
        return answer.error();
    }
    Show(globals, *answer);
    return {};
}

Expected<void> ListAnswer(const Globals& globals, const Expected<json::value>& answer,
                          const std::vector<std::string>& columns) {
    if (!answer) {
        return answer.error();
    }
    List(globals, *answer, columns);
    return {};
}

Expected<void> ListPaged(const Globals& globals, const Expected<Client>& client,
                         const std::string& path, int limit,
                         const std::vector<std::string>& columns) {
    if (!client) {
        return client.error();
    }
    auto page = client->List(path, limit);
    if (!page) {
        return page.error();
    }
    List(globals, page->items, columns);
    if (page->more) {
        std::cerr << "(more than " << limit << "; --limit N for more, --limit 0 for all)\n";
    }
    return {};
}

Expected<std::string> Field(const json::value& answer, const char* key) {
    const auto* object = answer.if_object();
    const auto* value = object != nullptr ? object->if_contains(key) : nullptr;
    if (value == nullptr) {
        return Fail(std::string("wakactl: the server's answer has no '") + key + "'",
                    Errc::kProtocol);
    }
    return Text(*value);
}

}  // namespace waka::ctl
