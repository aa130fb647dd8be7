#include "agent/install/bundle.hpp"

#include <array>
#include <boost/json.hpp>
#include <utility>

#include "agent/journal/durable_file.hpp"

namespace waka::agent::install {

Expected<void> CheckBundle(const std::filesystem::path& version_dir,
                           const model::ComponentChange& change) {
    auto text = journal::ReadSmallFile(version_dir / "bundle.json", 64 * 1024);
    if (!text) {
        return MakeError(Errc::kUnsafe, "bundle.json: " + text.error().message);
    }
    boost::system::error_code ec;
    boost::json::value root = boost::json::parse(*text, ec);
    if (ec || !root.is_object()) {
        return MakeError(Errc::kUnsafe, "bundle.json is not a JSON object");
    }
    const std::array<std::pair<std::string_view, const std::string*>, 3> expected{{
        {"component_type", &change.type},
        {"component_name", &change.name},
        {"version", &change.to_version},
    }};
    for (const auto& [key, want] : expected) {
        const boost::json::value* v = root.get_object().if_contains(key);
        if (v == nullptr || !v->is_string() || v->get_string() != *want) {
            return MakeError(Errc::kUnsafe,
                             "bundle.json " + std::string(key) + " does not match '" + *want + "'");
        }
    }
    return {};
}

}  // namespace waka::agent::install
