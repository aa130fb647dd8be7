#include <algorithm>
#include <array>

#include "shared/config/config.hpp"

namespace waka::config {
namespace {

constexpr std::array<std::string_view, 3> kReservedKeys = {"config", "help", "version"};

bool IsValidSegment(std::string_view segment) {
    if (segment.empty() || segment.front() < 'a' || segment.front() > 'z') {
        return false;
    }
    return std::all_of(segment.begin(), segment.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

bool IsValidKey(std::string_view key) {
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = key.find('.', start);
        if (!IsValidSegment(key.substr(start, dot - start))) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

std::string FlagName(std::string_view key) {
    std::string flag(key);
    std::replace(flag.begin(), flag.end(), '.', '-');
    std::replace(flag.begin(), flag.end(), '_', '-');
    return flag;
}

std::string EnvName(std::string_view key) {
    std::string env = "WAKA_";
    for (char c : key) {
        env += c == '.' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    return env;
}

// "http" is a table of "http.port".
bool IsTableOf(std::string_view table, std::string_view key) {
    return key.size() > table.size() && key.starts_with(table) && key[table.size()] == '.';
}

}  // namespace

void Schema::Add(std::string key, std::string* target, std::string help) {
    AddTarget(std::move(key), target, std::move(help));
}
void Schema::Add(std::string key, bool* target, std::string help) {
    AddTarget(std::move(key), target, std::move(help));
}
void Schema::Add(std::string key, int* target, std::string help) {
    AddTarget(std::move(key), target, std::move(help));
}
void Schema::Add(std::string key, std::int64_t* target, std::string help) {
    AddTarget(std::move(key), target, std::move(help));
}
void Schema::Add(std::string key, std::uint16_t* target, std::string help) {
    AddTarget(std::move(key), target, std::move(help));
}
void Schema::Add(std::string key, std::uint32_t* target, std::string help) {
    AddTarget(std::move(key), target, std::move(help));
}
void Schema::Add(std::string key, std::uint64_t* target, std::string help) {
    AddTarget(std::move(key), target, std::move(help));
}
void Schema::Add(std::string key, double* target, std::string help) {
    AddTarget(std::move(key), target, std::move(help));
}
void Schema::Add(std::string key, std::filesystem::path* target, std::string help) {
    AddTarget(std::move(key), target, std::move(help));
}

void Schema::AddSecret(std::string key, std::string* target, std::string help) {
    const std::string file_key = key + "_file";
    const std::size_t before = entries_.size();
    AddTarget(key, target,
              help + " Secret: never taken from a flag (use the environment, the config file or " +
                  file_key + ").");
    if (entries_.size() == before) {
        return;  // a clash, recorded as the registration error
    }
    entries_.back().secret = true;
    secret_files_.push_back(std::make_unique<std::filesystem::path>());
    AddTarget(file_key, secret_files_.back().get(),
              "File holding " + key + " (one trailing newline ignored).");
    if (entries_.size() == before + 2) {
        entries_.back().secret_of = key;
    }
}

void Schema::SetDefaultConfigFile(std::filesystem::path path) {
    default_config_file_ = std::move(path);
}

const Entry* Schema::FindKey(std::string_view key) const {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [key](const Entry& e) { return e.key == key; });
    return it == entries_.end() ? nullptr : &*it;
}

const Entry* Schema::FindFlag(std::string_view flag) const {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [flag](const Entry& e) { return e.flag == flag; });
    return it == entries_.end() ? nullptr : &*it;
}

bool Schema::HasTable(std::string_view table) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [table](const Entry& e) { return IsTableOf(table, e.key); });
}

std::optional<std::string> Schema::Clash(const Entry& candidate) const {
    if (!IsValidKey(candidate.key)) {
        return "is not a valid key (lower-case [a-z0-9_] segments joined by '.')";
    }
    if (std::find(kReservedKeys.begin(), kReservedKeys.end(), candidate.flag) !=
        kReservedKeys.end()) {
        return "is reserved";
    }
    for (const Entry& e : entries_) {
        if (e.key == candidate.key || e.flag == candidate.flag ||
            e.env_name == candidate.env_name || IsTableOf(e.key, candidate.key) ||
            IsTableOf(candidate.key, e.key)) {
            return "clashes with key '" + e.key + "'";
        }
    }
    return std::nullopt;
}

void Schema::AddTarget(std::string key, Target target, std::string help) {
    Entry entry{key, FlagName(key), EnvName(key), std::move(help), target};
    if (auto clash = Clash(entry)) {
        if (!registration_error_) {
            registration_error_ = MakeError(Errc::kInternal, "config key '" + key + "' " + *clash);
        }
        return;
    }
    entries_.push_back(std::move(entry));
}

}  // namespace waka::config
