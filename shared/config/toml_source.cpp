#include "shared/config/toml_source.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "shared/config/value.hpp"

namespace waka::config::detail {
namespace {

std::string Where(const std::filesystem::path& path, const toml::source_region& region) {
    return path.string() + " line " + std::to_string(region.begin.line);
}

Error ValueError(const std::filesystem::path& path, const toml::node& node, std::string_view key,
                 std::string_view problem) {
    return MakeError(Errc::kInvalidArgument, "invalid value for " + std::string(key) + " in " +
                                                 Where(path, node.source()) + ": " +
                                                 std::string(problem));
}

template <class T>
Expected<void> AssignNode(T* target, const toml::node& node) {
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) {
        if (const auto* s = node.as_string()) {
            *target = T(s->get());
            return {};
        }
        return MakeError(Errc::kInvalidArgument, "expected a string");
    } else if constexpr (std::is_same_v<T, bool>) {
        if (const auto* b = node.as_boolean()) {
            *target = b->get();
            return {};
        }
        return MakeError(Errc::kInvalidArgument, "expected a boolean (true or false)");
    } else if constexpr (std::is_same_v<T, double>) {
        if (const auto* f = node.as_floating_point()) {
            *target = f->get();
            return {};
        }
        if (const auto* i = node.as_integer()) {
            *target = static_cast<double>(i->get());
            return {};
        }
        return MakeError(Errc::kInvalidArgument, "expected a number");
    } else {
        const auto* i = node.as_integer();
        if (i == nullptr) {
            return MakeError(Errc::kInvalidArgument, "expected an integer");
        }
        if (!std::in_range<T>(i->get())) {
            return MakeError(Errc::kInvalidArgument,
                             std::to_string(i->get()) + " is out of range " +
                                 std::to_string(std::numeric_limits<T>::min()) + ".." +
                                 std::to_string(std::numeric_limits<T>::max()));
        }
        *target = static_cast<T>(i->get());
        return {};
    }
}

Expected<void> ApplyTable(const Schema& schema, const std::filesystem::path& path,
                          const toml::table& table, const std::string& prefix) {
    for (auto&& [name, node] : table) {
        const std::string segment(name.str());
        const std::string key = prefix.empty() ? segment : prefix + "." + segment;
        // A quoted key holding a dot ("a.b" = 1) must not alias the nested key a.b.
        const Entry* entry = segment.find('.') == std::string::npos ? schema.FindKey(key) : nullptr;
        if (entry != nullptr) {
            auto assigned = std::visit([&](auto* p) { return AssignNode(p, node); }, entry->target);
            if (!assigned) {
                return ValueError(path, node, key, assigned.error().message);
            }
        } else if (node.is_table() && segment.find('.') == std::string::npos &&
                   schema.HasTable(key)) {
            auto nested = ApplyTable(schema, path, *node.as_table(), key);
            if (!nested) {
                return nested;
            }
        } else {
            return MakeError(Errc::kInvalidArgument,
                             "unknown key '" + key + "' in " + Where(path, name.source()));
        }
    }
    return {};
}

Expected<std::string> ReadFile(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return MakeError(Errc::kNotFound, "config file " + path.string() + " does not exist");
    }
    if (!std::filesystem::is_regular_file(path, ec)) {
        return MakeError(Errc::kIo, "config file " + path.string() + " is not a regular file");
    }
    std::ifstream in(path, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.is_open() || in.bad()) {
        return MakeError(Errc::kIo, "config file " + path.string() + " cannot be read");
    }
    return content;
}

}  // namespace

Expected<void> ApplyTomlFile(const Schema& schema, const std::filesystem::path& path) {
    auto content = ReadFile(path);
    if (!content) {
        return content.error();
    }
    toml::table root;
    try {
        root = toml::parse(*content, path.string());
    } catch (const toml::parse_error& e) {
        return MakeError(Errc::kInvalidArgument, "syntax error in " + path.string() + " line " +
                                                     std::to_string(e.source().begin.line) +
                                                     " column " +
                                                     std::to_string(e.source().begin.column) +
                                                     ": " + std::string(e.description()));
    }
    return ApplyTable(schema, path, root, "");
}

}  // namespace waka::config::detail
