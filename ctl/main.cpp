// wakactl: the operator's command line for Waka Deploy (docs/wakactl.md). Talks to the REST API
// at WAKA_URL with the bearer token WAKA_TOKEN; human tables by default, --json for scripts.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "ctl/http_client.hpp"
#include "shared/core/version.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

struct Globals {
    std::string url;
    std::string token;
    bool json_output = false;
};

// A failure to report: the message goes to stderr and the process exits with `code`.
struct Failure {
    std::string message;
    int code = 1;
};

std::string EnvOr(const char* name, std::string fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : std::move(fallback);
}

std::string UrlEncode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string Query(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (!value.empty()) {
            out += (out.empty() ? "?" : "&") + key + "=" + UrlEncode(value);
        }
    }
    return out;
}

class Client {
public:
    explicit Client(const Globals& globals) : globals_(globals) {
        std::string error;
        target_ = ParseUrl(globals.url, error);
        if (!error.empty()) {
            throw Failure{"wakactl: " + error};
        }
    }

    // Sends the request; a transport failure or an error status becomes a Failure carrying the
    // server's `detail` (and each field error). Answers the parsed body (null when empty).
    json::value Call(const std::string& method, const std::string& path,
                     const std::string& body = {}) const {
        return Check(Send(target_, globals_.token, method, path, body));
    }
    json::value Upload(const std::string& path, const std::string& file) const {
        return Check(SendFile(target_, globals_.token, "PUT", path, file));
    }
    // The answer as it came (for `wakactl api`).
    Answer Raw(const std::string& method, const std::string& path, const std::string& body) const {
        return Send(target_, globals_.token, method, path, body);
    }

private:
    static json::value Check(const Answer& answer) {
        if (answer.status == 0) {
            throw Failure{"wakactl: " + answer.error};
        }
        json::value body;
        if (!answer.body.empty()) {
            boost::system::error_code ec;
            body = json::parse(answer.body, ec);
            if (ec) {
                body = json::string(answer.body);
            }
        }
        if (answer.status >= 400) {
            std::string message = "error " + std::to_string(answer.status);
            if (body.is_object() && body.as_object().contains("detail")) {
                const auto& detail = body.as_object().at("detail");
                message += ": " + (detail.is_string() ? std::string(detail.as_string())
                                                      : json::serialize(detail));
                if (const auto* errors = body.as_object().if_contains("errors");
                    errors != nullptr && errors->is_array()) {
                    for (const auto& e : errors->as_array()) {
                        if (e.is_object() && e.as_object().contains("field")) {
                            message += "\n  " + std::string(e.at("field").as_string()) + ": " +
                                       std::string(e.at("message").as_string());
                        }
                    }
                }
            } else if (!answer.body.empty()) {
                message += ": " + answer.body;
            }
            throw Failure{message};
        }
        return body;
    }

    const Globals& globals_;
    Target target_;
};

std::string Text(const json::value& value) {
    if (value.is_string()) {
        return std::string(value.as_string());
    }
    if (value.is_null()) {
        return "-";
    }
    return json::serialize(value);
}

void PrintPretty(const json::value& value, std::ostream& out, const std::string& indent = "") {
    if (value.is_object()) {
        const auto& object = value.as_object();
        if (object.empty()) {
            out << "{}";
            return;
        }
        out << "{\n";
        std::size_t i = 0;
        for (const auto& member : object) {
            out << indent << "  " << json::serialize(json::string(member.key())) << ": ";
            PrintPretty(member.value(), out, indent + "  ");
            out << (++i < object.size() ? ",\n" : "\n");
        }
        out << indent << "}";
    } else if (value.is_array()) {
        const auto& array = value.as_array();
        if (array.empty()) {
            out << "[]";
            return;
        }
        out << "[\n";
        for (std::size_t i = 0; i < array.size(); ++i) {
            out << indent << "  ";
            PrintPretty(array[i], out, indent + "  ");
            out << (i + 1 < array.size() ? ",\n" : "\n");
        }
        out << indent << "]";
    } else {
        out << json::serialize(value);
    }
}

void PrintTable(const json::value& rows, const std::vector<std::string>& columns) {
    std::vector<std::vector<std::string>> cells;
    std::vector<std::size_t> widths;
    for (const auto& column : columns) {
        widths.push_back(column.size());
    }
    if (rows.is_array()) {
        for (const auto& row : rows.as_array()) {
            std::vector<std::string> line;
            for (std::size_t i = 0; i < columns.size(); ++i) {
                const auto* cell =
                    row.is_object() ? row.as_object().if_contains(columns[i]) : nullptr;
                line.push_back(cell != nullptr ? Text(*cell) : "-");
                widths[i] = std::max(widths[i], line.back().size());
            }
            cells.push_back(std::move(line));
        }
    }
    auto print = [&](const std::vector<std::string>& line) {
        for (std::size_t i = 0; i < line.size(); ++i) {
            std::cout << line[i];
            if (i + 1 < line.size()) {
                std::cout << std::string(widths[i] - line[i].size() + 2, ' ');
            }
        }
        std::cout << "\n";
    };
    std::vector<std::string> header;
    for (const auto& column : columns) {
        std::string upper = column;
        for (char& c : upper) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        header.push_back(upper);
    }
    print(header);
    for (const auto& line : cells) {
        print(line);
    }
}

// Prints an object as "key: value" lines, or as JSON with --json.
void Show(const Globals& globals, const json::value& value) {
    if (globals.json_output || !value.is_object()) {
        PrintPretty(value, std::cout);
        std::cout << "\n";
        return;
    }
    std::size_t width = 0;
    for (const auto& member : value.as_object()) {
        width = std::max(width, member.key().size());
    }
    for (const auto& member : value.as_object()) {
        std::cout << std::string(member.key()) << ":"
                  << std::string(width - member.key().size() + 1, ' ') << Text(member.value())
                  << "\n";
    }
}

void List(const Globals& globals, const json::value& value,
          const std::vector<std::string>& columns) {
    if (globals.json_output) {
        PrintPretty(value, std::cout);
        std::cout << "\n";
        return;
    }
    PrintTable(value, columns);
}

std::string ReadFileOrThrow(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Failure{"wakactl: cannot read " + path};
    }
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

json::object ParseJsonArg(const std::string& text, const std::string& what) {
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) {
        throw Failure{"wakactl: " + what + " is not a JSON object"};
    }
    return value.as_object();
}

json::object KeyValues(const std::vector<std::string>& pairs, const std::string& what) {
    json::object out;
    for (const auto& pair : pairs) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Failure{"wakactl: " + what + " '" + pair + "' must be written name=value"};
        }
        out[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    return out;
}

bool IsTerminal(const std::string& status) {
    return status == "deployed" || status == "failed" || status == "rolled_back" ||
           status == "rejected" || status == "expired" || status == "cancelled";
}

// Polls the deployment until it ends, printing each new event; a live status line on a terminal.
int WaitDeployment(const Globals& globals, const Client& client, const std::string& id,
                   int timeout_seconds) {
    const bool tty = ::isatty(STDOUT_FILENO) == 1 && !globals.json_output;
    std::size_t printed = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    for (;;) {
        json::value deployment = client.Call("GET", "/api/v1/deployments/" + UrlEncode(id));
        const auto& object = deployment.as_object();
        const std::string status(object.at("status").as_string());
        std::string step;
        if (const auto* events = object.if_contains("events");
            events != nullptr && events->is_array()) {
            const auto& list = events->as_array();
            for (; printed < list.size(); ++printed) {
                const auto& e = list[printed].as_object();
                step = Text(e.at("step"));
                if (tty) {
                    std::cout << "\r\033[K";
                }
                if (!globals.json_output) {
                    std::cout << Text(e.at("at")) << "  " << Text(e.at("status")) << "  " << step
                              << "  " << Text(e.at("message")) << "\n";
                }
            }
        }
        if (tty) {
            std::cout << "\r\033[K[" << status << "] " << id << (step.empty() ? "" : "  " + step)
                      << std::flush;
        }
        if (IsTerminal(status)) {
            if (tty) {
                std::cout << "\r\033[K";
            }
            if (globals.json_output) {
                PrintPretty(deployment, std::cout);
                std::cout << "\n";
            } else {
                std::cout << "deployment " << id << " " << status;
                if (const auto* error = object.if_contains("error_message");
                    error != nullptr && error->is_string()) {
                    std::cout << ": " << std::string(error->as_string());
                }
                std::cout << "\n";
            }
            return status == "deployed" ? 0 : 1;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw Failure{"wakactl: deployment " + id + " still " + status + " after " +
                          std::to_string(timeout_seconds) + " s"};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

// Walks the command tree and prints a bash completion function over it.
void PrintBashCompletion(CLI::App& app) {
    std::map<std::string, std::string> words;  // "path of subcommands" -> candidates
    std::function<void(CLI::App*, const std::string&)> walk = [&](CLI::App* node,
                                                                  const std::string& path) {
        std::string candidates;
        for (CLI::App* sub : node->get_subcommands({})) {
            candidates += sub->get_name() + " ";
            walk(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name());
        }
        for (const CLI::Option* option : node->get_options()) {
            for (const auto& name : option->get_lnames()) {
                candidates += "--" + name + " ";
            }
        }
        words[path] = candidates;
    };
    walk(&app, "");
    std::cout << "# bash completion for wakactl: source <(wakactl completion bash)\n"
                 "_wakactl() {\n"
                 "    local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" w i\n"
                 "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
                 "        w=${COMP_WORDS[i]}\n"
                 "        [[ $w == -* ]] && continue\n"
                 "        case \"${path:+$path }$w\" in\n";
    for (const auto& [path, candidates] : words) {
        if (!path.empty()) {
            std::cout << "            \"" << path << "\") path=\"" << path << "\" ;;\n";
        }
    }
    std::cout << "        esac\n"
                 "    done\n"
                 "    local options\n"
                 "    case \"$path\" in\n";
    for (const auto& [path, candidates] : words) {
        std::cout << "        \"" << path << "\") options=\"" << candidates << "\" ;;\n";
    }
    std::cout << "    esac\n"
                 "    COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n"
                 "}\n"
                 "complete -o default -F _wakactl wakactl\n";
}

int Run(int argc, char** argv) {
    Globals globals;
    globals.url = EnvOr("WAKA_URL", "http://127.0.0.1:8000");
    globals.token = EnvOr("WAKA_TOKEN", "");
    int exit_code = 0;
    std::function<void()> action;

    CLI::App app{"wakactl: operate Waka Deploy through its REST API", "wakactl"};
    app.require_subcommand(1);
    app.fallthrough();  // --json, --url and --token also after a subcommand
    app.option_defaults()->always_capture_default();
    app.add_option("--url", globals.url, "Coordinator URL (env WAKA_URL)");
    app.add_option("--token", globals.token, "Bearer token (env WAKA_TOKEN)");
    app.add_flag("--json", globals.json_output, "Print the server's JSON instead of tables");
    app.set_version_flag("--version", "wakactl " + std::string(kVersion),
                         "Print the version and exit");
    auto client = [&globals] { return Client(globals); };

    // health
    app.add_subcommand("health", "GET /health: the coordinator and its database")->callback([&] {
        action = [&] {
            Answer answer = client().Raw("GET", "/health", "");
            if (answer.status == 0) {
                throw Failure{"wakactl: " + answer.error};
            }
            boost::system::error_code ec;
            json::value body = json::parse(answer.body, ec);
            if (globals.json_output || ec) {
                std::cout << answer.body << "\n";
            } else {
                Show(globals, body);
            }
            exit_code = answer.status == 200 ? 0 : 1;
        };
    });

    // tokens
    auto* tokens = app.add_subcommand("tokens", "API tokens (admin)");
    tokens->require_subcommand(1);
    static std::string token_name, token_role, token_id;
    auto* token_create =
        tokens->add_subcommand("create", "Create a token; its secret is shown once");
    token_create->add_option("name", token_name, "Token name")->required();
    token_create->add_option("--role", token_role, "viewer|operator|approver|admin")->required();
    token_create->callback([&] {
        action = [&] {
            Show(globals, client().Call("POST", "/api/v1/tokens",
                                        json::serialize(json::object{{"name", token_name},
                                                                     {"role", token_role}})));
        };
    });
    tokens->add_subcommand("list", "List tokens")->callback([&] {
        action = [&] {
            List(globals, client().Call("GET", "/api/v1/tokens"),
                 {"id", "name", "role", "created_by", "created_at", "revoked_at"});
        };
    });
    auto* token_revoke = tokens->add_subcommand("revoke", "Revoke a token");
    token_revoke->add_option("id", token_id, "Token id")->required();
    token_revoke->callback([&] {
        action = [&] {
            client().Call("DELETE", "/api/v1/tokens/" + UrlEncode(token_id));
            std::cout << "revoked " << token_id << "\n";
        };
    });

    // versions
    auto* versions = app.add_subcommand("versions", "Component versions");
    versions->require_subcommand(1);
    static std::string v_type, v_name, v_version, v_changelog, v_release_date;
    static std::vector<std::string> v_deps;
    static bool v_security = false, v_unstable = false;
    auto* version_create = versions->add_subcommand("create", "Register a version");
    version_create->add_option("type", v_type, "platform|suite|capability")->required();
    version_create->add_option("name", v_name, "Component name")->required();
    version_create->add_option("version", v_version, "SemVer version")->required();
    version_create->add_option("--changelog", v_changelog, "Changelog text");
    version_create->add_option("--release-date", v_release_date, "RFC 3339 time");
    version_create->add_option("--depends", v_deps, "type:name=range (repeatable)");
    version_create->add_flag("--security-patch", v_security, "Mark as a security patch");
    version_create->add_flag("--unstable", v_unstable, "Mark as not stable");
    version_create->callback([&] {
        action = [&] {
            json::object body{{"component_type", v_type},
                              {"component_name", v_name},
                              {"version", v_version},
                              {"is_security_patch", v_security},
                              {"is_stable", !v_unstable}};
            if (!v_changelog.empty()) {
                body["changelog"] = v_changelog;
            }
            if (!v_release_date.empty()) {
                body["release_date"] = v_release_date;
            }
            if (!v_deps.empty()) {
                body["dependencies"] = KeyValues(v_deps, "--depends");
            }
            Show(globals, client().Call("POST", "/api/v1/versions", json::serialize(body)));
        };
    });
    auto* version_list = versions->add_subcommand("list", "List versions, newest first");
    version_list->add_option("--type", v_type, "Filter by component type");
    version_list->add_option("--name", v_name, "Filter by component name");
    version_list->callback([&] {
        action = [&] {
            List(globals,
                 client().Call("GET", "/api/v1/versions" + Query({{"component_type", v_type},
                                                                  {"component_name", v_name}})),
                 {"component_type", "component_name", "version_string", "is_stable",
                  "is_security_patch", "artifact_sha256", "created_at"});
        };
    });
    auto* version_get = versions->add_subcommand("get", "Show one version");
    version_get->add_option("type", v_type)->required();
    version_get->add_option("name", v_name)->required();
    version_get->add_option("version", v_version)->required();
    version_get->callback([&] {
        action = [&] {
            Show(globals, client().Call("GET", "/api/v1/versions/" + UrlEncode(v_type) + "/" +
                                                   UrlEncode(v_name) + "/" + UrlEncode(v_version)));
        };
    });

    // artifacts
    auto* artifacts = app.add_subcommand("artifacts", "Release bundles");
    artifacts->require_subcommand(1);
    static std::string a_file;
    auto* upload = artifacts->add_subcommand("upload", "Upload the .tar.gz bundle of a version");
    upload->add_option("type", v_type)->required();
    upload->add_option("name", v_name)->required();
    upload->add_option("version", v_version)->required();
    upload->add_option("file", a_file, "The bundle (.tar.gz)")
        ->required()
        ->check(CLI::ExistingFile);
    upload->callback([&] {
        action = [&] {
            Show(globals, client().Upload("/api/v1/artifacts/" + UrlEncode(v_type) + "/" +
                                              UrlEncode(v_name) + "/" + UrlEncode(v_version),
                                          a_file));
        };
    });

    // instances
    auto* instances = app.add_subcommand("instances", "Instances (agents' machines)");
    instances->require_subcommand(1);
    static std::string i_id;
    static std::vector<std::string> i_labels;
    static bool i_all = false;
    auto* instance_create = instances->add_subcommand(
        "create", "Register an instance; prints its one-time enrollment token");
    instance_create->add_option("id", i_id)->required();
    instance_create->add_option("--label", i_labels, "key=value (repeatable)");
    instance_create->callback([&] {
        action = [&] {
            json::object body{{"id", i_id}, {"labels", KeyValues(i_labels, "--label")}};
            Show(globals, client().Call("POST", "/api/v1/instances", json::serialize(body)));
        };
    });
    auto* instance_list = instances->add_subcommand("list", "List instances");
    instance_list->add_option("--label", i_labels, "key=value filter (repeatable)");
    instance_list->add_flag("--all", i_all, "Include decommissioned instances");
    instance_list->callback([&] {
        action = [&] {
            std::vector<std::pair<std::string, std::string>> params;
            for (const auto& label : i_labels) {
                params.emplace_back("label", label);
            }
            if (i_all) {
                params.emplace_back("include_decommissioned", "true");
            }
            List(
                globals, client().Call("GET", "/api/v1/instances" + Query(params)),
                {"id", "connection_state", "agent_version", "current_manifest_id", "last_seen_at"});
        };
    });
    auto* instance_get = instances->add_subcommand("get", "Show an instance");
    instance_get->add_option("id", i_id)->required();
    instance_get->callback([&] {
        action = [&] {
            Show(globals, client().Call("GET", "/api/v1/instances/" + UrlEncode(i_id)));
        };
    });
    auto* instance_delete = instances->add_subcommand("delete", "Decommission an instance (admin)");
    instance_delete->add_option("id", i_id)->required();
    instance_delete->callback([&] {
        action = [&] {
            client().Call("DELETE", "/api/v1/instances/" + UrlEncode(i_id));
            std::cout << "decommissioned " << i_id << "\n";
        };
    });

    // manifests
    auto* manifests = app.add_subcommand("manifests", "Manifests (what an instance should run)");
    manifests->require_subcommand(1);
    static std::string m_id, m_instance, m_platform, m_platform_version, m_file;
    static std::vector<std::string> m_suites, m_capabilities;
    auto* manifest_create =
        manifests->add_subcommand("create", "Create a manifest from flags or a JSON file");
    manifest_create->add_option("--file", m_file, "A JSON file with the whole body")
        ->check(CLI::ExistingFile);
    manifest_create->add_option("--id", m_id, "Manifest id (generated when absent)");
    manifest_create->add_option("--instance", m_instance, "Instance the manifest is for");
    manifest_create->add_option("--platform", m_platform, "Platform name");
    manifest_create->add_option("--platform-version", m_platform_version, "Platform version");
    manifest_create->add_option("--suite", m_suites, "name=version (repeatable)");
    manifest_create->add_option("--capability", m_capabilities, "name=version (repeatable)");
    manifest_create->callback([&] {
        action = [&] {
            json::object body =
                m_file.empty() ? json::object{} : ParseJsonArg(ReadFileOrThrow(m_file), m_file);
            if (!m_id.empty()) body["id"] = m_id;
            if (!m_instance.empty()) body["instance_id"] = m_instance;
            if (!m_platform.empty()) body["platform_name"] = m_platform;
            if (!m_platform_version.empty()) body["platform_version"] = m_platform_version;
            if (!m_suites.empty()) body["suites"] = KeyValues(m_suites, "--suite");
            if (!m_capabilities.empty())
                body["capabilities"] = KeyValues(m_capabilities, "--capability");
            Show(globals, client().Call("POST", "/api/v1/manifests", json::serialize(body)));
        };
    });
    auto* manifest_get = manifests->add_subcommand("get", "Show a manifest");
    manifest_get->add_option("id", m_id)->required();
    manifest_get->callback([&] {
        action = [&] {
            Show(globals, client().Call("GET", "/api/v1/manifests/" + UrlEncode(m_id)));
        };
    });
    auto* manifest_list = manifests->add_subcommand("list", "Manifest history, newest first");
    manifest_list->add_option("--instance", m_instance, "Filter by instance");
    manifest_list->callback([&] {
        action = [&] {
            List(globals,
                 client().Call("GET", "/api/v1/manifests" + Query({{"instance_id", m_instance}})),
                 {"id", "instance_id", "platform_name", "platform_version", "created_by",
                  "created_at"});
        };
    });

    // deploy
    static std::string d_manifest, d_instance, d_reason, d_id, d_status;
    static bool d_dry_run = false, d_wait = false, d_force = false, d_skip = false;
    static int d_timeout = 600;
    auto* deploy = app.add_subcommand("deploy", "Deploy a manifest to an instance");
    deploy->add_option("--manifest", d_manifest, "Manifest id")->required();
    deploy->add_option("--instance", d_instance, "Instance id")->required();
    deploy->add_flag("--dry-run", d_dry_run, "Show the decision and the plan; change nothing");
    deploy->add_flag("--wait", d_wait,
                     "Follow the deployment until it ends; non-zero unless deployed");
    deploy->add_option("--timeout", d_timeout, "Seconds --wait waits at most");
    deploy->add_flag("--force", d_force, "Override the policy (admin; needs --reason)");
    deploy->add_flag("--skip-validation", d_skip, "Skip validation (admin)");
    deploy->add_option("--reason", d_reason, "Why (recorded in the audit log)");
    deploy->callback([&] {
        action = [&] {
            json::object body{{"manifest_id", d_manifest},
                              {"instance_id", d_instance},
                              {"dry_run", d_dry_run},
                              {"skip_validation", d_skip}};
            if (d_force) body["force"] = true;
            if (!d_reason.empty()) body["reason"] = d_reason;
            json::value created =
                client().Call("POST", "/api/v1/deployments", json::serialize(body));
            const std::string id = Text(created.at("id"));
            if (!d_wait || d_dry_run) {
                Show(globals, created);
                return;
            }
            if (!globals.json_output) {
                std::cout << "deployment " << id << " created (" << Text(created.at("status"))
                          << ")\n";
            }
            exit_code = WaitDeployment(globals, client(), id, d_timeout);
        };
    });

    // deployments
    auto* deployments = app.add_subcommand("deployments", "Deployments");
    deployments->require_subcommand(1);
    auto* deployment_get = deployments->add_subcommand("get", "Show a deployment and its events");
    deployment_get->add_option("id", d_id)->required();
    deployment_get->add_flag("--wait", d_wait, "Follow it until it ends");
    deployment_get->callback([&] {
        action = [&] {
            if (d_wait) {
                exit_code = WaitDeployment(globals, client(), d_id, d_timeout);
                return;
            }
            Show(globals, client().Call("GET", "/api/v1/deployments/" + UrlEncode(d_id)));
        };
    });
    auto* deployment_list = deployments->add_subcommand("list", "List deployments, newest first");
    deployment_list->add_option("--instance", d_instance, "Filter by instance");
    deployment_list->add_option("--status", d_status, "Filter by status");
    deployment_list->callback([&] {
        action = [&] {
            List(globals,
                 client().Call("GET", "/api/v1/deployments" + Query({{"instance_id", d_instance},
                                                                     {"status", d_status}})),
                 {"id", "status", "kind", "instance_id", "manifest_id", "created_at",
                  "completed_at"});
        };
    });

    // audit
    auto* audit = app.add_subcommand("audit", "The audit log");
    audit->require_subcommand(1);
    static std::string au_instance, au_actor, au_action, au_since, au_until;
    auto* audit_list = audit->add_subcommand("list", "Audit entries in order");
    audit_list->add_option("--instance", au_instance);
    audit_list->add_option("--actor", au_actor);
    audit_list->add_option("--action", au_action);
    audit_list->add_option("--since", au_since, "RFC 3339");
    audit_list->add_option("--until", au_until, "RFC 3339");
    audit_list->callback([&] {
        action = [&] {
            List(globals,
                 client().Call("GET", "/api/v1/audit" + Query({{"instance_id", au_instance},
                                                               {"actor", au_actor},
                                                               {"action", au_action},
                                                               {"since", au_since},
                                                               {"until", au_until}})),
                 {"seq", "at", "actor", "action", "target_type", "target_id", "decision"});
        };
    });
    audit->add_subcommand("verify", "Verify the audit hash chain")->callback([&] {
        action = [&] {
            json::value result = client().Call("GET", "/api/v1/audit/verify");
            Show(globals, result);
            exit_code = result.is_object() && result.as_object().contains("ok") &&
                                result.at("ok").is_bool() && result.at("ok").as_bool()
                            ? 0
                            : 1;
        };
    });

    // api: any route
    static std::string r_method, r_path, r_data;
    auto* api = app.add_subcommand("api", "Call any route: wakactl api METHOD PATH [--data JSON]");
    api->add_option("method", r_method, "GET, POST, PUT, DELETE, ...")->required();
    api->add_option("path", r_path, "Path and query, e.g. /api/v1/policies")->required();
    api->add_option("--data", r_data, "JSON request body");
    api->callback([&] {
        action = [&] {
            for (char& c : r_method) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            json::value body = client().Call(r_method, r_path, r_data);
            if (!body.is_null()) {
                PrintPretty(body, std::cout);
                std::cout << "\n";
            }
        };
    });

    // completion
    static std::string shell;
    auto* completion = app.add_subcommand("completion", "Print a shell completion script");
    completion->add_option("shell", shell, "bash")->required()->check(CLI::IsMember({"bash"}));
    completion->callback([&] { action = [&] { PrintBashCompletion(app); }; });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        if (action) {
            action();
        }
    } catch (const Failure& failure) {
        std::cerr << failure.message << "\n";
        return failure.code;
    } catch (const std::exception& e) {
        std::cerr << "wakactl: " << e.what() << "\n";
        return 1;
    }
    return exit_code;
}

}  // namespace
}  // namespace waka::ctl

int main(int argc, char** argv) { return waka::ctl::Run(argc, argv); }
