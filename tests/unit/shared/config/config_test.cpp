#include "shared/config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "shared/core/crypto.hpp"

namespace waka::config {
namespace {

using Env = std::map<std::string, std::string>;

// The kind of struct a daemon binds; defaults are the member initialisers.
struct Settings {
    std::string log_level = "info";
    std::uint16_t http_port = 8000;
    std::string database_url = "postgresql://localhost/waka";
    std::uint32_t database_pool_size = 4;
    bool tls_enabled = false;
    std::int64_t offset = -1;
    int retries = 3;
    std::uint64_t max_bytes = 1024;
    double ratio = 0.5;
    std::filesystem::path state_dir = "/var/lib/waka";
};

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("waka-config-test-" + RandomHex(8));
        std::filesystem::create_directories(dir_);
        schema_.Add("log_level", &s_.log_level, "Log level.");
        schema_.Add("http.port", &s_.http_port, "HTTP API port.");
        schema_.Add("database.url", &s_.database_url, "PostgreSQL URL.");
        schema_.Add("database.pool_size", &s_.database_pool_size, "Connections in the pool.");
        schema_.Add("tls.enabled", &s_.tls_enabled, "Serve TLS.");
        schema_.Add("offset", &s_.offset, "Signed offset.");
        schema_.Add("retries", &s_.retries, "Retry count.");
        schema_.Add("limits.max_bytes", &s_.max_bytes, "Body limit.");
        schema_.Add("ratio", &s_.ratio, "A ratio.");
        schema_.Add("state_dir", &s_.state_dir, "State directory.");
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::filesystem::path WriteFile(const std::string& content,
                                    const std::string& name = "c.toml") {
        const auto path = dir_ / name;
        std::ofstream(path) << content;
        return path;
    }

    Expected<LoadOutcome> Run(std::vector<std::string> args, const Env& env = {}) {
        args.insert(args.begin(), "prog");
        std::vector<const char*> argv;
        for (const auto& a : args) {
            argv.push_back(a.c_str());
        }
        return Load(schema_, "prog", "1.2.3", static_cast<int>(argv.size()), argv.data(), &env);
    }

    std::filesystem::path dir_;
    Settings s_;
    Schema schema_;
};

TEST_F(ConfigTest, DefaultsStayWithoutSources) {
    auto r = Run({});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(r->exit_now);
    EXPECT_TRUE(r->config_file.empty());
    EXPECT_EQ(s_.http_port, 8000);
    EXPECT_EQ(s_.log_level, "info");
}

TEST_F(ConfigTest, FileSetsEveryType) {
    const auto path = WriteFile(R"(
log_level = "debug"
offset = -7
retries = 9
ratio = 2
state_dir = "/tmp/x"
[http]
port = 9000
[database]
url = "postgresql://db/w"
pool_size = 16
[tls]
enabled = true
[limits]
max_bytes = 4096
)");
    auto r = Run({"--config", path.string()});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->config_file, path);
    EXPECT_EQ(s_.log_level, "debug");
    EXPECT_EQ(s_.offset, -7);
    EXPECT_EQ(s_.retries, 9);
    EXPECT_DOUBLE_EQ(s_.ratio, 2.0);
    EXPECT_EQ(s_.state_dir, "/tmp/x");
    EXPECT_EQ(s_.http_port, 9000);
    EXPECT_EQ(s_.database_url, "postgresql://db/w");
    EXPECT_EQ(s_.database_pool_size, 16u);
    EXPECT_TRUE(s_.tls_enabled);
    EXPECT_EQ(s_.max_bytes, 4096u);
}

TEST_F(ConfigTest, FileAcceptsDottedKeysAtRoot) {
    const auto path = WriteFile("http.port = 9100\n");
    auto r = Run({"--config=" + path.string()});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(s_.http_port, 9100);
}

TEST_F(ConfigTest, EnvMapsKeysToWakaNames) {
    struct Case {
        std::string env_name;
        std::string value;
    };
    const std::vector<Case> cases = {
        {"WAKA_HTTP_PORT", "9001"},       {"WAKA_DATABASE_URL", "postgresql://env/w"},
        {"WAKA_DATABASE_POOL_SIZE", "8"}, {"WAKA_LOG_LEVEL", "warn"},
        {"WAKA_TLS_ENABLED", "yes"},      {"WAKA_LIMITS_MAX_BYTES", "18446744073709551615"},
    };
    Env env;
    for (const auto& c : cases) {
        env[c.env_name] = c.value;
    }
    env["WAKA_URL"] = "https://unrelated";  // other tools' variables are ignored
    auto r = Run({}, env);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(s_.http_port, 9001);
    EXPECT_EQ(s_.database_url, "postgresql://env/w");
    EXPECT_EQ(s_.database_pool_size, 8u);
    EXPECT_EQ(s_.log_level, "warn");
    EXPECT_TRUE(s_.tls_enabled);
    EXPECT_EQ(s_.max_bytes, 18446744073709551615ull);
}

TEST_F(ConfigTest, EntriesExposeDerivedNames) {
    const Entry* e = schema_.FindKey("database.pool_size");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->flag, "database-pool-size");
    EXPECT_EQ(e->env_name, "WAKA_DATABASE_POOL_SIZE");
}

TEST_F(ConfigTest, FlagForms) {
    struct Case {
        std::vector<std::string> args;
        std::uint16_t port;
        bool tls;
    };
    const std::vector<Case> cases = {
        {{"--http-port", "9002"}, 9002, false},
        {{"--http-port=9003"}, 9003, false},
        {{"--tls-enabled"}, 8000, true},
        {{"--tls-enabled=false"}, 8000, false},
        {{"--tls-enabled", "--http-port", "1"}, 1, true},
        {{"--http-port=5", "--http-port=6"}, 6, false},  // last one wins
    };
    for (const auto& c : cases) {
        s_ = Settings{};
        auto r = Run(c.args);
        ASSERT_TRUE(r) << c.args.front() << ": " << r.error().message;
        EXPECT_EQ(s_.http_port, c.port) << c.args.front();
        EXPECT_EQ(s_.tls_enabled, c.tls) << c.args.front();
    }
}

TEST_F(ConfigTest, NegativeNumberIsAFlagValue) {
    auto r = Run({"--offset", "-42"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(s_.offset, -42);
}

TEST_F(ConfigTest, PrecedenceDefaultsFileEnvFlag) {
    const auto path = WriteFile("log_level = \"file\"\nretries = 1\n[http]\nport = 1\n");
    const Env env = {{"WAKA_HTTP_PORT", "2"}, {"WAKA_LOG_LEVEL", "env"}};
    auto r = Run({"--config", path.string(), "--http-port", "3"}, env);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(s_.http_port, 3);                                 // flag beats env and file
    EXPECT_EQ(s_.log_level, "env");                             // env beats file
    EXPECT_EQ(s_.retries, 1);                                   // file beats default
    EXPECT_EQ(s_.database_url, "postgresql://localhost/waka");  // default kept
}

TEST_F(ConfigTest, ConfigFileFromEnvAndFlagWins) {
    const auto from_env = WriteFile("retries = 10\n", "env.toml");
    const auto from_flag = WriteFile("retries = 20\n", "flag.toml");
    auto r = Run({}, {{"WAKA_CONFIG", from_env.string()}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(s_.retries, 10);
    r = Run({"--config", from_flag.string()}, {{"WAKA_CONFIG", from_env.string()}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(s_.retries, 20);
    EXPECT_EQ(r->config_file, from_flag);
}

TEST_F(ConfigTest, DefaultConfigFileIsOptional) {
    schema_.SetDefaultConfigFile(dir_ / "absent.toml");
    auto r = Run({});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->config_file.empty());

    schema_.SetDefaultConfigFile(WriteFile("retries = 5\n"));
    r = Run({});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(s_.retries, 5);
}

struct ErrorCase {
    std::string name;
    std::string file;  // written to c.toml and passed with --config when not empty
    Env env;
    std::vector<std::string> args;
    Errc code;
    std::vector<std::string> message_parts;
};

TEST_F(ConfigTest, ErrorsNameKeyAndSource) {
    const std::string file = (dir_ / "c.toml").string();
    // One case per line reads better than one field per line.
    // clang-format off
    const std::vector<ErrorCase> cases = {
        {"unknown file key", "[http]\nprot = 1\n", {}, {}, Errc::kInvalidArgument,
         {"unknown key 'http.prot'", file, "line 2"}},
        {"unknown file table", "[nope]\nx = 1\n", {}, {}, Errc::kInvalidArgument,
         {"unknown key 'nope'", file}},
        {"key used as table", "[http.port]\nx = 1\n", {}, {}, Errc::kInvalidArgument,
         {"http.port", "expected an integer"}},
        {"wrong file type", "[http]\nport = \"80\"\n", {}, {}, Errc::kInvalidArgument,
         {"http.port", file, "line 2", "expected an integer"}},
        {"wrong bool type", "[tls]\nenabled = 1\n", {}, {}, Errc::kInvalidArgument,
         {"tls.enabled", "expected a boolean"}},
        {"file out of range", "[http]\nport = 70000\n", {}, {}, Errc::kInvalidArgument,
         {"http.port", "70000 is out of range 0..65535"}},
        {"file negative unsigned", "[database]\npool_size = -1\n", {}, {}, Errc::kInvalidArgument,
         {"database.pool_size", "out of range"}},
        {"bad syntax", "retries = 1\n[http\nport = 1\n", {}, {}, Errc::kInvalidArgument,
         {"syntax error", file, "line 2"}},
        {"env out of range", "", {{"WAKA_HTTP_PORT", "65536"}}, {}, Errc::kInvalidArgument,
         {"http.port", "environment variable WAKA_HTTP_PORT", "out of range"}},
        {"env not a number", "", {{"WAKA_RETRIES", "3x"}}, {}, Errc::kInvalidArgument,
         {"retries", "WAKA_RETRIES", "not an integer"}},
        {"env bad bool", "", {{"WAKA_TLS_ENABLED", "maybe"}}, {}, Errc::kInvalidArgument,
         {"tls.enabled", "not a boolean"}},
        {"env bad double", "", {{"WAKA_RATIO", "nan"}}, {}, Errc::kInvalidArgument,
         {"ratio", "not a finite number"}},
        {"int32 overflow", "", {}, {"--retries=2147483648"}, Errc::kInvalidArgument,
         {"retries", "flag --retries", "out of range"}},
        {"uint64 overflow", "", {}, {"--limits-max-bytes=18446744073709551616"},
         Errc::kInvalidArgument, {"limits.max_bytes", "out of range"}},
        {"negative unsigned flag", "", {}, {"--database-pool-size=-1"}, Errc::kInvalidArgument,
         {"database.pool_size", "out of range"}},
        {"unknown flag", "", {}, {"--http-prot=1"}, Errc::kInvalidArgument,
         {"unknown flag --http-prot"}},
        {"positional", "", {}, {"serve"}, Errc::kInvalidArgument, {"'serve'", "positional"}},
        {"after double dash", "", {}, {"--", "x"}, Errc::kInvalidArgument, {"positional"}},
        {"short option", "", {}, {"-p"}, Errc::kInvalidArgument, {"'-p'"}},
        {"missing value", "", {}, {"--http-port"}, Errc::kInvalidArgument,
         {"--http-port needs a value"}},
        {"value looks like flag", "", {}, {"--log-level", "--retries=1"}, Errc::kInvalidArgument,
         {"--log-level needs a value"}},
        {"missing config file", "", {}, {"--config", "/nonexistent/waka.toml"}, Errc::kNotFound,
         {"/nonexistent/waka.toml", "does not exist"}},
        {"missing config from env", "", {{"WAKA_CONFIG", "/nonexistent/e.toml"}}, {},
         Errc::kNotFound, {"/nonexistent/e.toml"}},
        {"config is a directory", "", {}, {"--config", dir_.string()}, Errc::kIo,
         {"not a regular file"}},
    };
    // clang-format on
    for (const auto& c : cases) {
        s_ = Settings{};
        std::vector<std::string> args = c.args;
        if (!c.file.empty()) {
            WriteFile(c.file);
            args.insert(args.begin(), {"--config", file});
        }
        auto r = Run(args, c.env);
        ASSERT_FALSE(r) << c.name;
        EXPECT_TRUE(r.error().Is(c.code)) << c.name << ": " << r.error().message;
        for (const auto& part : c.message_parts) {
            EXPECT_NE(r.error().message.find(part), std::string::npos)
                << c.name << ": '" << part << "' not in: " << r.error().message;
        }
    }
}

TEST_F(ConfigTest, FailedLoadRestoresDefaults) {
    const auto path = WriteFile("retries = 11\n[http]\nport = 9\n");
    auto r = Run({"--config", path.string(), "--database-pool-size=x"}, {{"WAKA_LOG_LEVEL", "e"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(s_.retries, 3);
    EXPECT_EQ(s_.http_port, 8000);
    EXPECT_EQ(s_.log_level, "info");
}

TEST_F(ConfigTest, HelpListsKeysWithHelpAndDefaults) {
    for (const std::string flag : {"--help", "-h"}) {
        // --help wins even over an otherwise invalid command line.
        auto r = Run({"--bogus", flag});
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_TRUE(r->exit_now);
        EXPECT_EQ(r->exit_code, 0);
        for (const std::string part :
             {"Usage: prog", "--config", "WAKA_CONFIG", "--http-port <uint16>", "HTTP API port.",
              "Default: 8000", "WAKA_HTTP_PORT", "--database-pool-size <uint32>",
              "Connections in the pool.", "Default: \"info\"", "--tls-enabled <bool>",
              "Default: false", "File key: database.pool_size"}) {
            EXPECT_NE(r->message.find(part), std::string::npos) << "missing '" << part << "'";
        }
    }
}

TEST_F(ConfigTest, VersionPrintsProgramAndVersion) {
    auto r = Run({"--version"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->exit_now);
    EXPECT_EQ(r->exit_code, 0);
    EXPECT_EQ(r->message, "prog 1.2.3\n");
}

TEST(ConfigSchemaTest, BadRegistrationsFailLoad) {
    struct Case {
        std::string first;
        std::string second;
    };
    const std::vector<Case> cases = {
        {"a", "a"},             // duplicate
        {"a.b", "a_b"},         // same flag and env name
        {"http", "http.port"},  // key is also a table
        {"http.port", "http"},
        {"ok", "Bad"},  // upper case
        {"ok", "a..b"},
        {"ok", "9lives"},
        {"ok", "config"},  // reserved
        {"ok", "help"},
        {"ok", ""},
    };
    for (const auto& c : cases) {
        Schema schema;
        std::string x;
        std::string y;
        schema.Add(c.first, &x, "first");
        schema.Add(c.second, &y, "second");
        const char* argv[] = {"prog"};
        const Env env;
        auto r = Load(schema, "prog", "1", 1, argv, &env);
        ASSERT_FALSE(r) << c.first << " / " << c.second;
        EXPECT_TRUE(r.error().Is(Errc::kInternal)) << r.error().message;
    }
}

TEST(ConfigSchemaTest, ProcessEnvironmentIsUsedWithoutInjection) {
    Schema schema;
    std::string value = "default";
    schema.Add("config_test_probe", &value, "probe");
    ASSERT_EQ(setenv("WAKA_CONFIG_TEST_PROBE", "from-process", 1), 0);
    const char* argv[] = {"prog"};
    auto r = Load(schema, "prog", "1", 1, argv);
    unsetenv("WAKA_CONFIG_TEST_PROBE");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(value, "from-process");
}

// Secrets: from the environment, the file or "<key>_file", never from a flag (it shows in ps).
class SecretConfigTest : public ConfigTest {
protected:
    void SetUp() override {
        ConfigTest::SetUp();
        schema_.AddSecret("auth.token", &token_, "An API token.");
    }
    std::string token_;
};

TEST_F(SecretConfigTest, AFlagIsRefusedNamingTheAlternatives) {
    auto r = Run({"--auth-token", "s3cret-value"});
    ASSERT_FALSE(r);
    EXPECT_NE(
        r.error().message.find("auth.token is a secret and never taken from the command line"),
        std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("WAKA_AUTH_TOKEN"), std::string::npos);
    EXPECT_NE(r.error().message.find("--auth-token-file"), std::string::npos);
    EXPECT_EQ(r.error().message.find("s3cret-value"), std::string::npos);
    EXPECT_TRUE(token_.empty());
}

TEST_F(SecretConfigTest, EnvironmentAndFileKeysFillIt) {
    ASSERT_TRUE(Run({}, {{"WAKA_AUTH_TOKEN", "from-env"}}));
    EXPECT_EQ(token_, "from-env");
    token_.clear();
    const auto secret = WriteFile("from-file\n", "token");
    auto r = Run({"--auth-token-file", secret.string()});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(token_, "from-file");  // one trailing newline dropped
    token_.clear();
    ASSERT_TRUE(Run({}, {{"WAKA_AUTH_TOKEN_FILE", secret.string()}}));
    EXPECT_EQ(token_, "from-file");
}

TEST_F(SecretConfigTest, BothOrAMissingFileAreRefused) {
    const auto secret = WriteFile("x", "token");
    auto both = Run({"--auth-token-file", secret.string()}, {{"WAKA_AUTH_TOKEN", "y"}});
    ASSERT_FALSE(both);
    EXPECT_NE(both.error().message.find("are both set"), std::string::npos);
    auto missing = Run({"--auth-token-file", (dir_ / "absent").string()});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("cannot read auth.token_file"), std::string::npos)
        << missing.error().message;
    EXPECT_TRUE(token_.empty());
}

// systemd's SetCredential=ID: default when the administrator provided no credential file: the
// secret then comes from the environment (or nowhere) as before.
TEST_F(SecretConfigTest, AnEmptyFileGivesNoValue) {
    const auto empty = WriteFile("", "empty-token");
    auto from_env =
        Run({}, {{"WAKA_AUTH_TOKEN", "from-env"}, {"WAKA_AUTH_TOKEN_FILE", empty.string()}});
    ASSERT_TRUE(from_env) << from_env.error().message;
    EXPECT_EQ(token_, "from-env");
    token_.clear();
    const auto newline = WriteFile("\n", "newline-token");
    ASSERT_TRUE(Run({"--auth-token-file", newline.string()}));
    EXPECT_TRUE(token_.empty());
}

TEST_F(SecretConfigTest, HelpShowsNoFlagAndNoValue) {
    token_ = "must-not-show";
    const std::string help = HelpText(schema_, "prog", "1");
    EXPECT_EQ(help.find("must-not-show"), std::string::npos);
    EXPECT_EQ(help.find("--auth-token <"), std::string::npos);
    EXPECT_NE(help.find("--auth-token-file <"), std::string::npos);
}

}  // namespace
}  // namespace waka::config
