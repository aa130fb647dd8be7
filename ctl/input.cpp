#include "ctl/input.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <tuple>

#include "ctl/client.hpp"

namespace waka::ctl {

namespace json = boost::json;

std::string EnvOr(const char* name, std::string fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : std::move(fallback);
}

Expected<std::string> ReadInputFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Fail("wakactl: cannot read " + path, Errc::kIo);
    }
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Expected<json::object> ParseJsonArg(const std::string& text, const std::string& what) {
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) {
        return Fail("wakactl: " + what + " is not a JSON object");
    }
    return std::move(value.get_object());
}

Expected<json::object> ReadJsonFile(const std::string& path) {
    auto text = ReadInputFile(path);
    if (!text) {
        return text.error();
    }
    return ParseJsonArg(*text, path);
}

Expected<json::object> KeyValues(const std::vector<std::string>& pairs, const std::string& what) {
    json::object out;
    for (const auto& pair : pairs) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) {
            return Fail("wakactl: " + what + " '" + pair + "' must be written name=value");
        }
        out[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    return out;
}

Expected<void> AddComponentVersions(boost::json::object& body,
                                    const std::vector<std::string>& suites,
                                    const std::vector<std::string>& capabilities) {
    for (const auto& [flag, key, pairs] :
         {std::tuple{"--suite", "suites", &suites},
          std::tuple{"--capability", "capabilities", &capabilities}}) {
        if (pairs->empty()) {
            continue;
        }
        auto versions = KeyValues(*pairs, flag);
        if (!versions) {
            return versions.error();
        }
        body[key] = std::move(*versions);
    }
    return {};
}

}  // namespace waka::ctl
