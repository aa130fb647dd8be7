#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "shared/core/error.hpp"

// Layered configuration: defaults < TOML file < WAKA_* environment < command line.
//
// A program declares its settings by binding dotted keys to the fields of its own config struct
// (whose initial values are the defaults), then calls Load once at start-up:
//
//     CoordinatorConfig cfg;                       // defaults live in the struct
//     waka::config::Schema schema;
//     schema.Add("http.port", &cfg.http_port, "HTTP API listen port.");
//     schema.Add("database.url", &cfg.database_url, "PostgreSQL connection URL.");
//     schema.SetDefaultConfigFile("/etc/waka/coordinator.toml");
//     auto outcome = waka::config::Load(schema, "waka-coordinator", "1.0.0", argc, argv);
//     if (!outcome) { std::cerr << outcome.error().message << '\n'; return 2; }
//     if (outcome->exit_now) { std::cout << outcome->message; return outcome->exit_code; }
//
// Naming of one key in each source (key "http.port", "database.pool_size"):
//   TOML file:   [http] port = 9000   (or `http.port = 9000` at the root)
//   environment: WAKA_HTTP_PORT, WAKA_DATABASE_POOL_SIZE  ("WAKA_" + upper(key), '.' -> '_')
//   flag:        --http-port 9000, --http-port=9000, --database-pool-size=4  ('.' and '_' -> '-')
//
// The TOML file is named by `--config FILE` (or `--config=FILE`), else by WAKA_CONFIG, else the
// schema's default config file if one is set and exists (a missing default is not an error; a
// missing named file is). `-h`/`--help` and `--version` end the program through LoadOutcome.
//
// Errors (all Errc::kInvalidArgument unless noted), each naming the key and the source:
//   unknown key in the file, unknown flag, wrong TOML type, unparsable value, out-of-range number,
//   TOML syntax error (with line and column), positional arguments, a flag without its value,
//   named config file missing (Errc::kNotFound) or unreadable (Errc::kIo),
//   a bad Schema (invalid or clashing keys: Errc::kInternal, a programming error).
// An unknown WAKA_* environment variable is NOT an error: the shell may hold WAKA_URL/WAKA_TOKEN
// for other tools. On error every bound variable keeps the value it had before Load.
//
// Secrets (AddSecret): "database.url" may come from the file, WAKA_DATABASE_URL or the file named
// by database.url_file (--database-url-file, WAKA_DATABASE_URL_FILE), never from --database-url.
//
// Value syntax in the environment and on the command line:
//   bool:    true/false, 1/0, yes/no, on/off (case-insensitive); a bare `--flag` means true
//            (a bool flag takes a value only in the `--flag=value` form).
//   integer: decimal, range-checked against the bound type.
//   double:  decimal or exponent notation, finite.
//   string / path: taken verbatim.
// In the TOML file values must have the matching TOML type (an integer is accepted for a double).
//
// Thread-safety: none needed; call Load once from main before starting threads. The Schema holds
// raw pointers: the bound variables must outlive every Load call.
namespace waka::config {

using Target = std::variant<std::string*, bool*, int*, std::int64_t*, std::uint16_t*,
                            std::uint32_t*, std::uint64_t*, double*, std::filesystem::path*>;

// One bound setting, with its derived names (read-only introspection for Load and for tests).
struct Entry {
    std::string key;       // "http.port"
    std::string flag;      // "http-port" (used as --http-port)
    std::string env_name;  // "WAKA_HTTP_PORT"
    std::string help;
    Target target;
    bool secret = false;    // never taken from a flag (AddSecret)
    std::string secret_of;  // for "<key>_file": the secret key whose value the file holds
};

class Schema {
public:
    // Binds a dotted key to a variable holding its default. Keys are lower-case segments of
    // [a-z0-9_] starting with a letter, joined by '.'. An invalid or clashing key (duplicate, same
    // flag or env name as another, a key that is also a table of another key, or a reserved name:
    // config, help, version) is recorded and makes Load fail with Errc::kInternal.
    void Add(std::string key, std::string* target, std::string help);
    void Add(std::string key, bool* target, std::string help);
    void Add(std::string key, int* target, std::string help);
    void Add(std::string key, std::int64_t* target, std::string help);
    void Add(std::string key, std::uint16_t* target, std::string help);
    void Add(std::string key, std::uint32_t* target, std::string help);
    void Add(std::string key, std::uint64_t* target, std::string help);
    void Add(std::string key, double* target, std::string help);
    void Add(std::string key, std::filesystem::path* target, std::string help);
    // A secret string (a password, a token): taken from the file or the environment but never
    // from a flag, since a command line shows in `ps` (a flag is refused, naming the
    // alternatives). Also binds "<key>_file", a path whose file holds the value, which is how
    // Vault Agent templates and systemd LoadCredential= deliver secrets; one trailing newline is
    // ignored, and setting both the secret and its file is refused. An empty file gives no value
    // (the secret keeps what the TOML file or environment gave): the packaged units name
    // credential files that fall back to empty when the administrator did not provide them.
    void AddSecret(std::string key, std::string* target, std::string help);

    // Read when neither --config nor WAKA_CONFIG names a file, and only if it exists.
    void SetDefaultConfigFile(std::filesystem::path path);

    [[nodiscard]] const std::vector<Entry>& Entries() const { return entries_; }
    [[nodiscard]] const Entry* FindKey(std::string_view key) const;
    // `flag` without the leading "--".
    [[nodiscard]] const Entry* FindFlag(std::string_view flag) const;
    // True when some key lies below `table` ("http" for "http.port").
    [[nodiscard]] bool HasTable(std::string_view table) const;
    [[nodiscard]] const std::optional<Error>& RegistrationError() const {
        return registration_error_;
    }
    [[nodiscard]] const std::optional<std::filesystem::path>& DefaultConfigFile() const {
        return default_config_file_;
    }

private:
    void AddTarget(std::string key, Target target, std::string help);
    [[nodiscard]] std::optional<std::string> Clash(const Entry& candidate) const;

    std::vector<Entry> entries_;
    std::vector<std::unique_ptr<std::filesystem::path>> secret_files_;  // targets of "*_file"
    std::optional<Error> registration_error_;
    std::optional<std::filesystem::path> default_config_file_;
};

// What Load decided besides filling the variables.
struct LoadOutcome {
    bool exit_now = false;  // --help or --version: print `message` to stdout and exit
    int exit_code = 0;
    std::string message;
    std::filesystem::path config_file;  // the TOML file that was read; empty when none
};

// Applies file, environment and flags (in that order) to the bound variables. argv[0] is skipped.
// `env` injects the environment for tests; nullptr reads the process environment (getenv).
[[nodiscard]] Expected<LoadOutcome> Load(Schema& schema, std::string_view program,
                                         std::string_view version, int argc,
                                         const char* const* argv,
                                         const std::map<std::string, std::string>* env = nullptr);

// The --help text (also what Load returns for --help): every key with its flag, env name, type,
// current value (the default, before Load) and help.
[[nodiscard]] std::string HelpText(const Schema& schema, std::string_view program,
                                   std::string_view version);

}  // namespace waka::config
