#include "coordinator/db/conninfo.hpp"

#include <libpq-fe.h>

#include <fstream>
#include <memory>

namespace waka::coordinator::db {
namespace {

constexpr std::size_t kMaxPasswordBytes = 4096;

struct ConninfoFree {
    void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using Conninfo = std::unique_ptr<PQconninfoOption, ConninfoFree>;

Conninfo Parse(const std::string& url) {
    char* parse_error = nullptr;
    Conninfo options(PQconninfoParse(url.c_str(), &parse_error));
    PQfreemem(parse_error);  // it may quote the string, password included
    return options;
}

// A keyword=value value in single quotes, with \ and ' escaped (libpq's rules).
std::string Quoted(const std::string& value) {
    std::string out = "'";
    for (const char c : value) {
        if (c == '\\' || c == '\'') {
            out += '\\';
        }
        out += c;
    }
    return out + "'";
}

}  // namespace

bool HasPassword(const std::string& url) {
    const Conninfo options = Parse(url);
    if (options == nullptr) {
        return false;
    }
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0') {
            return true;
        }
    }
    return false;
}

Expected<std::string> ReadPasswordFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return MakeError(Errc::kIo, "cannot read database.password_file " + path.string());
    }
    std::string text(kMaxPasswordBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (in.bad()) {
        return MakeError(Errc::kIo, "cannot read database.password_file " + path.string());
    }
    if (text.ends_with("\n")) {
        text.pop_back();
        if (text.ends_with("\r")) {
            text.pop_back();
        }
    }
    if (text.empty() || text.size() > kMaxPasswordBytes ||
        text.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
        return MakeError(Errc::kInvalidArgument,
                         "database.password_file " + path.string() +
                             " must hold one line of 1 to 4096 bytes: the password");
    }
    return text;
}

Expected<std::string> WithPassword(const std::string& url, const std::string& password) {
    const Conninfo options = Parse(url);
    if (options == nullptr) {
        return MakeError(Errc::kInvalidArgument,
                         "database.url is not a valid libpq connection "
                         "string or postgresql:// URL");
    }
    std::string conninfo;
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val == nullptr || *o->val == '\0' || std::string_view(o->keyword) == "password") {
            continue;
        }
        conninfo += std::string(o->keyword) + "=" + Quoted(o->val) + " ";
    }
    return conninfo + "password=" + Quoted(password);
}

}  // namespace waka::coordinator::db
