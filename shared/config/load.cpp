#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shared/config/config.hpp"
#include "shared/config/toml_source.hpp"
#include "shared/config/value.hpp"

namespace waka::config {
namespace {

constexpr std::string_view kConfigEnv = "WAKA_CONFIG";

// One `--flag[=value]` occurrence, applied after the file and the environment.
struct FlagSetting {
    const Entry* entry = nullptr;
    std::string value;
    std::string flag;  // as written, for messages
};

struct ParsedArgs {
    std::optional<std::string> config_file;
    std::vector<FlagSetting> settings;
};

Error ArgError(std::string message) {
    return MakeError(Errc::kInvalidArgument, std::move(message));
}

std::optional<std::string> GetEnv(const std::map<std::string, std::string>* env,
                                  const std::string& name) {
    if (env != nullptr) {
        auto it = env->find(name);
        return it == env->end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): start-up only
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

// --help and --version win over everything else on the line, even over errors.
std::optional<std::string_view> FindExitFlag(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") {
            break;
        }
        if (arg == "-h" || arg == "--help" || arg == "--version") {
            return arg;
        }
    }
    return std::nullopt;
}

// Takes the value of `--name value` from the next argument, if there is one that is not a flag.
std::optional<std::string> TakeValue(int argc, const char* const* argv, int& i) {
    if (i + 1 >= argc || std::string_view(argv[i + 1]).starts_with("--")) {
        return std::nullopt;
    }
    ++i;
    return std::string(argv[i]);
}

Expected<void> ParseOne(const Schema& schema, int argc, const char* const* argv, int& i,
                        ParsedArgs& out) {
    const std::string_view arg = argv[i];
    if (arg == "--" || !arg.starts_with("--")) {
        return ArgError("unexpected argument '" + std::string(arg) +
                        "': positional arguments are not accepted");
    }
    const std::size_t eq = arg.find('=');
    const std::string name(
        arg.substr(2, eq == std::string_view::npos ? std::string_view::npos : eq - 2));
    std::optional<std::string> value;
    if (eq != std::string_view::npos) {
        value = std::string(arg.substr(eq + 1));
    }
    const Entry* entry = name == "config" ? nullptr : schema.FindFlag(name);
    if (name != "config" && entry == nullptr) {
        return ArgError("unknown flag --" + name + " (see --help)");
    }
    if (entry != nullptr && entry->secret) {
        return ArgError("--" + name + ": " + entry->key +
                        " is a secret and never taken from the command line (it would show in "
                        "ps); use " +
                        entry->env_name + ", the config file, or --" + entry->flag + "-file FILE");
    }
    if (!value && entry != nullptr && detail::IsBool(entry->target)) {
        value = "true";
    }
    if (!value) {
        value = TakeValue(argc, argv, i);
    }
    if (!value) {
        return ArgError("flag --" + name + " needs a value");
    }
    if (entry == nullptr) {
        out.config_file = std::move(*value);
    } else {
        out.settings.push_back(FlagSetting{entry, std::move(*value), "--" + name});
    }
    return {};
}

Expected<ParsedArgs> ParseArgs(const Schema& schema, int argc, const char* const* argv) {
    ParsedArgs parsed;
    for (int i = 1; i < argc; ++i) {
        auto one = ParseOne(schema, argc, argv, i, parsed);
        if (!one) {
            return one.error();
        }
    }
    return parsed;
}

Expected<void> AssignFrom(const Entry& entry, std::string_view text, std::string_view source) {
    auto assigned = detail::AssignText(entry.target, text);
    if (!assigned) {
        return MakeError(Errc::kInvalidArgument, "invalid value for " + entry.key + " from " +
                                                     std::string(source) + ": " +
                                                     assigned.error().message);
    }
    return {};
}

Expected<void> ApplyEnv(const Schema& schema, const std::map<std::string, std::string>* env) {
    for (const Entry& entry : schema.Entries()) {
        if (auto value = GetEnv(env, entry.env_name)) {
            auto assigned = AssignFrom(entry, *value, "environment variable " + entry.env_name);
            if (!assigned) {
                return assigned;
            }
        }
    }
    return {};
}

// Fills each secret whose "<key>_file" is set from that file.
Expected<void> ApplySecretFiles(const Schema& schema) {
    constexpr std::size_t kMaxSecretBytes = 64 * 1024;
    for (const Entry& file_entry : schema.Entries()) {
        const auto* path = std::get_if<std::filesystem::path*>(&file_entry.target);
        if (file_entry.secret_of.empty() || path == nullptr || (*path)->empty()) {
            continue;
        }
        const Entry* secret = schema.FindKey(file_entry.secret_of);
        auto* value = secret != nullptr ? std::get_if<std::string*>(&secret->target) : nullptr;
        if (value == nullptr) {
            return MakeError(Errc::kInternal, file_entry.key + " names no secret");
        }
        std::ifstream in(**path, std::ios::binary);
        if (!in) {
            return MakeError(Errc::kIo, "cannot read " + file_entry.key + " " + (*path)->string());
        }
        std::string text(kMaxSecretBytes + 1, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(in.gcount()));
        if (in.bad()) {
            return MakeError(Errc::kIo, "cannot read " + file_entry.key + " " + (*path)->string());
        }
        if (text.size() > kMaxSecretBytes) {
            return ArgError(file_entry.key + " " + (*path)->string() + " is larger than 64 KiB");
        }
        if (text.ends_with("\n")) {
            text.pop_back();
            if (text.ends_with("\r")) {
                text.pop_back();
            }
        }
        // An empty file gives nothing: what systemd's SetCredential=ID: default delivers for a
        // LoadCredential= whose file the administrator did not create (ADR 0029).
        if (text.empty()) {
            continue;
        }
        if (!(*value)->empty()) {
            return ArgError(secret->key + " and " + file_entry.key + " are both set; give one");
        }
        **value = std::move(text);
    }
    return {};
}

Expected<void> ApplyFlags(const std::vector<FlagSetting>& settings) {
    for (const FlagSetting& setting : settings) {
        auto assigned = AssignFrom(*setting.entry, setting.value, "flag " + setting.flag);
        if (!assigned) {
            return assigned;
        }
    }
    return {};
}

// Flag, then WAKA_CONFIG, then the schema's default if it exists; empty when there is none.
std::filesystem::path ChooseConfigFile(const Schema& schema, const ParsedArgs& args,
                                       const std::map<std::string, std::string>* env) {
    if (args.config_file) {
        return *args.config_file;
    }
    if (auto named = GetEnv(env, std::string(kConfigEnv)); named && !named->empty()) {
        return *named;
    }
    std::error_code ec;
    if (schema.DefaultConfigFile() && std::filesystem::exists(*schema.DefaultConfigFile(), ec)) {
        return *schema.DefaultConfigFile();
    }
    return {};
}

Expected<LoadOutcome> ApplyAll(const Schema& schema, int argc, const char* const* argv,
                               const std::map<std::string, std::string>* env) {
    auto args = ParseArgs(schema, argc, argv);
    if (!args) {
        return args.error();
    }
    LoadOutcome outcome;
    outcome.config_file = ChooseConfigFile(schema, *args, env);
    if (!outcome.config_file.empty()) {
        auto file = detail::ApplyTomlFile(schema, outcome.config_file);
        if (!file) {
            return file.error();
        }
    }
    if (auto applied = ApplyEnv(schema, env); !applied) {
        return applied.error();
    }
    if (auto applied = ApplyFlags(args->settings); !applied) {
        return applied.error();
    }
    if (auto secrets = ApplySecretFiles(schema); !secrets) {
        return secrets.error();
    }
    return outcome;
}

}  // namespace

std::string HelpText(const Schema& schema, std::string_view program, std::string_view version) {
    std::string text = std::string(program) + " " + std::string(version) +
                       "\n\nUsage: " + std::string(program) +
                       " [--config FILE] [OPTIONS]\n\nOptions:\n";
    text += "  -h, --help\n      Print this help and exit.\n";
    text += "  --version\n      Print the version and exit.\n";
    text += "  --config <file>\n      TOML configuration file. Env: WAKA_CONFIG.";
    if (schema.DefaultConfigFile()) {
        text += " Default: " + schema.DefaultConfigFile()->string() + " (if it exists).";
    }
    text += "\n";
    for (const Entry& e : schema.Entries()) {
        // A secret has no flag, and its value is never printed.
        text += (e.secret ? "  (no flag)" : "  --" + e.flag) + " <" +
                std::string(detail::TypeName(e.target)) + ">\n      " + e.help +
                " Default: " + (e.secret ? std::string("none") : detail::FormatValue(e.target)) +
                ". Env: " + e.env_name + ". File key: " + e.key + ".\n";
    }
    return text;
}

Expected<LoadOutcome> Load(Schema& schema, std::string_view program, std::string_view version,
                           int argc, const char* const* argv,
                           const std::map<std::string, std::string>* env) {
    if (schema.RegistrationError()) {
        return *schema.RegistrationError();
    }
    if (auto exit_flag = FindExitFlag(argc, argv)) {
        LoadOutcome outcome;
        outcome.exit_now = true;
        outcome.message = *exit_flag == "--version"
                              ? std::string(program) + " " + std::string(version) + "\n"
                              : HelpText(schema, program, version);
        return outcome;
    }
    const std::vector<detail::Value> defaults = detail::Snapshot(schema.Entries());
    auto outcome = ApplyAll(schema, argc, argv, env);
    if (!outcome) {
        detail::Restore(schema.Entries(), defaults);
    }
    return outcome;
}

}  // namespace waka::config
