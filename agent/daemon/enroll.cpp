#include "agent/daemon/enroll.hpp"

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <string_view>

#include "agent/daemon/config.hpp"
#include "agent/daemon/credential_store.hpp"
#include "agent/journal/durable_file.hpp"
#include "agent/link/endpoint.hpp"
#include "shared/core/ids.hpp"

namespace waka::agent::daemon {
namespace {

constexpr const char* kTokenFileName = "enrollment-token";
constexpr std::size_t kMaxTokenBytes = 4096;
constexpr int kExitUsage = 2;
constexpr int kExitLocal = 1;

constexpr std::string_view kUsage =
    "usage: waka-agent enroll --url wss://HOST:8443 --instance ID --ca FILE\n"
    "                         (--token-file FILE|- | WAKA_ENROLLMENT_TOKEN=...)\n"
    "                         [--config FILE] [--state-dir DIR] [--server-name NAME] [--force]\n"
    "Writes the agent configuration (0644) and stores the one-time enrollment token in\n"
    "<state-dir>/enrollment-token (0600); the agent uses it at its next start.\n";

struct EnrollRequest {
    std::string url;
    std::string instance_id;
    std::string token_file;
    std::filesystem::path ca_file;
    std::filesystem::path config_file{std::string(kDefaultConfigFile)};
    std::filesystem::path state_dir{"/var/lib/waka-agent"};
    std::string server_name;
    bool force = false;
    bool help = false;
};

Error Usage(std::string message) { return MakeError(Errc::kInvalidArgument, std::move(message)); }

Expected<EnrollRequest> ParseArgs(int argc, const char* const* argv) {
    EnrollRequest r;
    const std::map<std::string_view, std::string*> strings = {{"--url", &r.url},
                                                              {"--instance", &r.instance_id},
                                                              {"--token-file", &r.token_file},
                                                              {"--server-name", &r.server_name}};
    const std::map<std::string_view, std::filesystem::path*> paths = {
        {"--ca", &r.ca_file}, {"--config", &r.config_file}, {"--state-dir", &r.state_dir}};
    for (int i = 2; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--force" || arg == "--help" || arg == "-h") {
            (arg == "--force" ? r.force : r.help) = true;
            continue;
        }
        if (arg == "--token" || arg.starts_with("--token=")) {
            return Usage(
                "--token is refused: a command line shows in the process list; give the token "
                "with --token-file FILE (- for stdin) or WAKA_ENROLLMENT_TOKEN");
        }
        std::string value;
        if (auto eq = arg.find('='); eq != std::string_view::npos) {
            value = std::string(arg.substr(eq + 1));
            arg = arg.substr(0, eq);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return Usage("option " + std::string(arg) + " needs a value");
        }
        if (auto s = strings.find(arg); s != strings.end()) {
            *s->second = std::move(value);
        } else if (auto p = paths.find(arg); p != paths.end()) {
            *p->second = std::move(value);
        } else {
            return Usage("unknown option " + std::string(arg));
        }
    }
    return r;
}

Expected<std::string> ReadToken(const EnrollRequest& r) {
    std::string token;
    if (r.token_file == "-") {
        token.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else if (!r.token_file.empty()) {
        auto content = journal::ReadSmallFile(r.token_file, kMaxTokenBytes);
        if (!content) {
            return content.error().WithContext("read --token-file");
        }
        token = std::move(*content);
    } else {
        if (const char* env = std::getenv("WAKA_ENROLLMENT_TOKEN"); env != nullptr) {
            token = env;
        }
    }
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
        token.pop_back();
    }
    if (token.empty() || token.size() > kMaxTokenBytes ||
        token.find_first_of(" \t\r\n") != std::string::npos) {
        return Usage(
            "an enrollment token is required (--token-file or "
            "WAKA_ENROLLMENT_TOKEN): one line without blanks");
    }
    return token;
}

// A TOML basic string; the values were checked to hold no control characters.
std::string Quoted(std::string_view value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

bool HasControlCharacter(std::string_view value) {
    for (unsigned char c : value) {
        if (c < 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

// The gateway path is implied when the operator gives only scheme, host and port.
std::string NormalizeUrl(std::string url) {
    const std::string_view scheme = "wss://";
    if (url.rfind(scheme, 0) == 0 && url.find('/', scheme.size()) == std::string::npos) {
        url += "/agent/v1/connect";
    } else if (url.size() > scheme.size() && url.back() == '/' &&
               url.find('/', scheme.size()) == url.size() - 1) {
        url += "agent/v1/connect";
    }
    return url;
}

Expected<void> Validate(EnrollRequest& r) {
    if (r.url.empty() || r.instance_id.empty() || r.ca_file.empty()) {
        return Usage("--url, --instance and --ca are required");
    }
    if (!IsValidId(r.instance_id)) {
        return Usage("--instance '" + r.instance_id + "' is not a valid instance id");
    }
    r.url = NormalizeUrl(r.url);
    if (auto endpoint = link::ParseCoordinatorUrl(r.url); !endpoint) {
        return endpoint.error().WithContext("--url");
    }
    for (const auto* value : {&r.url, &r.server_name}) {
        if (HasControlCharacter(*value)) {
            return Usage("--url and --server-name must not hold control characters");
        }
    }
    std::error_code ec;
    r.ca_file = std::filesystem::absolute(r.ca_file, ec);
    auto ca = journal::ReadSmallFile(r.ca_file, 1024 * 1024);
    if (!ca) {
        return ca.error().WithContext("read --ca");
    }
    if (ca->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        return Usage("--ca " + r.ca_file.string() + " holds no PEM certificate");
    }
    if (HasControlCharacter(r.ca_file.string()) || HasControlCharacter(r.state_dir.string())) {
        return Usage("paths must not hold control characters");
    }
    r.state_dir = std::filesystem::absolute(r.state_dir, ec);
    return {};
}

std::string ConfigText(const EnrollRequest& r) {
    std::string text =
        "# waka-agent configuration, written by `waka-agent enroll`.\n"
        "# Every key with its default: `waka-agent --help` and docs/configuration.md.\n"
        "# The enrollment token is not here: it waits in <state_dir>/enrollment-token (0600)\n"
        "# until the agent has exchanged it for its credential.\n";
    text += "instance_id = " + Quoted(r.instance_id) + "\n";
    text += "coordinator_url = " + Quoted(r.url) + "\n";
    text += "ca_file = " + Quoted(r.ca_file.string()) + "\n";
    if (!r.server_name.empty()) {
        text += "server_name = " + Quoted(r.server_name) + "\n";
    }
    text += "state_dir = " + Quoted(r.state_dir.string()) + "\n";
    return text;
}

Expected<void> Write(const EnrollRequest& r, const std::string& token) {
    if (auto dir = EnsureStateDir(r.state_dir); !dir) {
        return dir;
    }
    auto credential = LoadCredential(r.state_dir);
    if (!credential) {
        return credential.error();
    }
    if (credential->has_value() && !r.force) {
        return MakeError(Errc::kConflict, "already enrolled: a credential is stored in " +
                                              r.state_dir.string() + " (--force replaces it)");
    }
    if (auto written =
            journal::WriteFileAtomically(r.state_dir / kTokenFileName, token + "\n", 0600);
        !written) {
        return written.error().WithContext("store enrollment token");
    }
    std::error_code ec;
    std::filesystem::remove(r.state_dir / "credential", ec);
    if (ec) {
        return MakeError(Errc::kIo, "remove the old credential: " + ec.message());
    }
    if (const auto parent = r.config_file.parent_path(); !parent.empty()) {
        std::filesystem::create_directories(parent, ec);
        if (ec) {
            return MakeError(Errc::kIo, "create " + parent.string() + ": " + ec.message());
        }
    }
    return journal::WriteFileAtomically(r.config_file, ConfigText(r), 0644);
}

}  // namespace

int EnrollMain(int argc, const char* const* argv) {
    auto request = ParseArgs(argc, argv);
    if (request && request->help) {
        std::cout << kUsage;
        return 0;
    }
    Expected<std::string> token = MakeError(Errc::kInvalidArgument, "");
    if (!request) {
        token = request.error();
    } else if (auto valid = Validate(*request); !valid) {
        token = valid.error();
    } else {
        token = ReadToken(*request);
    }
    if (!token) {
        std::cerr << "waka-agent enroll: " << token.error().message << '\n' << kUsage;
        return kExitUsage;
    }
    if (auto written = Write(*request, *token); !written) {
        std::cerr << "waka-agent enroll: " << written.error().message << '\n';
        return kExitLocal;
    }
    std::cout << "enrolled instance " << request->instance_id << ": configuration written to "
              << request->config_file.string() << ", token stored in "
              << (request->state_dir / kTokenFileName).string()
              << "\nstart the agent: systemctl restart waka-agent\n";
    return 0;
}

Expected<std::optional<std::string>> LoadEnrollmentTokenFile(
    const std::filesystem::path& state_dir) {
    auto content = journal::ReadSmallFile(state_dir / kTokenFileName, kMaxTokenBytes + 2);
    if (!content) {
        if (content.error().Is(Errc::kNotFound)) {
            return std::optional<std::string>();
        }
        return content.error().WithContext("read enrollment token");
    }
    while (!content->empty() && (content->back() == '\n' || content->back() == '\r')) {
        content->pop_back();
    }
    if (content->empty()) {
        return std::optional<std::string>();
    }
    return std::optional<std::string>(std::move(*content));
}

Expected<void> UseStoredEnrollmentToken(AgentConfig& config, bool has_stored_credential) {
    if (has_stored_credential) {
        RemoveEnrollmentTokenFile(config.state_dir);
        return {};
    }
    if (!config.enrollment_token.empty()) {
        return {};
    }
    auto stored = LoadEnrollmentTokenFile(config.state_dir);
    if (!stored) {
        return stored.error();
    }
    if (stored->has_value()) {
        config.enrollment_token = std::move(**stored);
    }
    return {};
}

void RemoveEnrollmentTokenFile(const std::filesystem::path& state_dir) {
    std::error_code ignored;
    std::filesystem::remove(state_dir / kTokenFileName, ignored);
}

}  // namespace waka::agent::daemon
