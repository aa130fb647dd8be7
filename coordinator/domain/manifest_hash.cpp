#include "coordinator/domain/manifest_hash.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>
#include <vector>

#include "shared/core/crypto.hpp"

namespace waka::coordinator::domain {
namespace {

// Keys sorted at every depth so that equal content always serialises to equal text.
void WriteCanonical(const boost::json::value& value, std::string& out) {
    if (value.is_object()) {
        const auto& object = value.as_object();
        std::vector<std::pair<std::string_view, const boost::json::value*>> members;
        for (const auto& member : object) {
            members.emplace_back(std::string_view(member.key()), &member.value());
        }
        std::sort(members.begin(), members.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        out += '{';
        for (std::size_t i = 0; i < members.size(); ++i) {
            out += (i == 0 ? "" : ",");
            out += boost::json::serialize(boost::json::string(members[i].first));
            out += ':';
            WriteCanonical(*members[i].second, out);
        }
        out += '}';
    } else if (value.is_array()) {
        out += '[';
        bool first = true;
        for (const auto& item : value.as_array()) {
            out += first ? "" : ",";
            first = false;
            WriteCanonical(item, out);
        }
        out += ']';
    } else {
        out += boost::json::serialize(value);
    }
}

boost::json::object MapObject(const std::map<std::string, std::string>& map) {
    boost::json::object object;
    for (const auto& [key, value] : map) {
        object[key] = value;
    }
    return object;
}

}  // namespace

Expected<std::string> ManifestContentHash(const Manifest& manifest) {
    boost::system::error_code ec;
    boost::json::value configuration = boost::json::parse(manifest.configuration_json, ec);
    if (ec || !configuration.is_object()) {
        return MakeError(Errc::kInvalidArgument, "configuration must be a JSON object");
    }
    boost::json::object content{{"platform_name", manifest.platform_name},
                                {"platform_version", manifest.platform_version},
                                {"suites", MapObject(manifest.suites)},
                                {"capabilities", MapObject(manifest.capabilities)},
                                {"configuration", std::move(configuration)}};
    std::string canonical;
    WriteCanonical(content, canonical);
    return Sha256Hex(canonical);
}

}  // namespace waka::coordinator::domain
