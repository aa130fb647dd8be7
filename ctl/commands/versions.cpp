#include <openssl/evp.h>

#include <array>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/input.hpp"
#include "ctl/output.hpp"
#include "shared/release/envelope.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

struct VersionArgs {
    std::string type;
    std::string name;
    std::string version;
    std::string changelog;
    std::string release_date;
    std::vector<std::string> dependencies;
    bool security_patch = false;
    bool unstable = false;
    std::string file;
    std::string sha256;
    std::string signature;  // the .sig file of `wakactl release sign`
};

// The upload's X-Waka-Release-Signature: --signature, else FILE.sig when it exists, else none
// (the coordinator then refuses the upload if it requires signed releases).
Expected<Headers> SignatureHeaders(const VersionArgs& args) {
    std::string path = args.signature;
    std::error_code ec;
    if (path.empty() && std::filesystem::exists(args.file + ".sig", ec)) {
        path = args.file + ".sig";
    }
    if (path.empty()) {
        return Headers{};
    }
    auto text = ReadInputFile(path);
    if (!text) {
        return text.error();
    }
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) {
        text->pop_back();
    }
    if (text->size() > release::kMaxSignedFileBytes ||
        text->find_first_of("\r\n") != std::string::npos) {
        return Fail("wakactl: " + path + " is not a signature file of wakactl release sign");
    }
    return Headers{{"X-Waka-Release-Signature", *text}};
}

// Lower-case hex SHA-256 of a file ("" when it cannot be read).
std::string FileSha256(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
    if (!in || !context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
        return {};
    }
    std::array<char, 65536> buffer{};
    while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
        EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    EVP_DigestFinal_ex(context.get(), digest.data(), &size);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

// Downloads a bundle by its SHA-256 and checks what arrived is that content.
Expected<void> Download(Context& context, const VersionArgs& args) {
    const std::string file = args.file.empty() ? args.sha256 + ".tar.gz" : args.file;
    auto client = context.MakeClient();
    if (!client) {
        return client.error();
    }
    if (auto downloaded = client->Download("/api/v1/artifacts/" + UrlEncode(args.sha256), file);
        !downloaded) {
        return downloaded;
    }
    std::error_code ec;
    if (FileSha256(file) != args.sha256) {
        std::filesystem::remove(file, ec);
        return Fail(
            "wakactl: the downloaded file does not have SHA-256 " + args.sha256 + "; removed",
            Errc::kProtocol);
    }
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) {
        return Fail("wakactl: cannot read " + file + ": " + ec.message(), Errc::kIo);
    }
    std::cout << "downloaded " << file << " (" << size << " bytes, SHA-256 verified)\n";
    return {};
}

// "/TYPE/NAME/VERSION", each part encoded.
std::string ReleasePath(const VersionArgs& args) {
    return "/" + UrlEncode(args.type) + "/" + UrlEncode(args.name) + "/" + UrlEncode(args.version);
}

void AddReleaseArgs(CLI::App* command, VersionArgs& args) {
    command->add_option("type", args.type, "platform|suite|capability")->required();
    command->add_option("name", args.name, "Component name")->required();
    command->add_option("version", args.version, "SemVer version")->required();
}

Expected<json::object> CreateBody(const VersionArgs& args) {
    json::object body{{"component_type", args.type},
                      {"component_name", args.name},
                      {"version", args.version},
                      {"is_security_patch", args.security_patch},
                      {"is_stable", !args.unstable}};
    if (!args.changelog.empty()) {
        body["changelog"] = args.changelog;
    }
    if (!args.release_date.empty()) {
        body["release_date"] = args.release_date;
    }
    if (!args.dependencies.empty()) {
        auto dependencies = KeyValues(args.dependencies, "--depends");
        if (!dependencies) {
            return dependencies.error();
        }
        body["dependencies"] = std::move(*dependencies);
    }
    return body;
}

void AddCreate(CLI::App* versions, Context& context, const std::shared_ptr<VersionArgs>& args) {
    auto* create = versions->add_subcommand("create", "Register a version");
    AddReleaseArgs(create, *args);
    create->add_option("--changelog", args->changelog, "Changelog text");
    create->add_option("--release-date", args->release_date, "RFC 3339 time");
    create->add_option("--depends", args->dependencies, "type:name=range (repeatable)");
    create->add_flag("--security-patch", args->security_patch, "Mark as a security patch");
    create->add_flag("--unstable", args->unstable, "Mark as not stable");
    OnRun(create, context, [&context, args]() -> Expected<void> {
        auto body = CreateBody(*args);
        if (!body) {
            return body.error();
        }
        return ShowAnswer(context.globals,
                          context.Call("POST", "/api/v1/versions", json::serialize(*body)));
    });
}

void AddListAndGet(CLI::App* versions, Context& context, const std::shared_ptr<VersionArgs>& args) {
    auto* list = versions->add_subcommand("list", "List versions, newest first");
    list->add_option("--type", args->type, "Filter by component type");
    list->add_option("--name", args->name, "Filter by component name");
    const auto limit = AddLimitOption(list);
    OnRun(list, context, [&context, args, limit] {
        const std::string query =
            Query({{"component_type", args->type}, {"component_name", args->name}});
        return ListPaged(context.globals, context.MakeClient(), "/api/v1/versions" + query, *limit,
                         {"component_type", "component_name", "version_string", "is_stable",
                          "is_security_patch", "artifact_sha256", "created_at"});
    });

    auto* get = versions->add_subcommand("get", "Show one version");
    get->add_option("type", args->type)->required();
    get->add_option("name", args->name)->required();
    get->add_option("version", args->version)->required();
    OnRun(get, context, [&context, args] {
        return ShowAnswer(context.globals,
                          context.Call("GET", "/api/v1/versions" + ReleasePath(*args)));
    });
}

void AddArtifacts(CLI::App& app, Context& context, const std::shared_ptr<VersionArgs>& args) {
    auto* artifacts = app.add_subcommand("artifacts", "Release bundles");
    artifacts->require_subcommand(1);
    auto* upload = artifacts->add_subcommand("upload", "Upload the .tar.gz bundle of a version");
    upload->add_option("type", args->type)->required();
    upload->add_option("name", args->name)->required();
    upload->add_option("version", args->version)->required();
    upload->add_option("file", args->file, "The bundle (.tar.gz)")
        ->required()
        ->check(CLI::ExistingFile);
    upload
        ->add_option("--signature", args->signature,
                     "Its signed release statement (default: FILE.sig when it exists)")
        ->check(CLI::ExistingFile);
    OnRun(upload, context, [&context, args]() -> Expected<void> {
        auto headers = SignatureHeaders(*args);
        if (!headers) {
            return headers.error();
        }
        auto client = context.MakeClient();
        if (!client) {
            return client.error();
        }
        return ShowAnswer(context.globals, client->Upload("/api/v1/artifacts" + ReleasePath(*args),
                                                          args->file, *headers));
    });

    auto* download = artifacts->add_subcommand("download", "Download a bundle by its SHA-256");
    download->add_option("sha256", args->sha256, "The artifact's SHA-256 (artifact_sha256)")
        ->required();
    download->add_option("-o,--output", args->file, "Where to write it (default SHA256.tar.gz)");
    OnRun(download, context, [&context, args] { return Download(context, *args); });
}

}  // namespace

void AddVersionCommands(CLI::App& app, Context& context) {
    auto* versions = app.add_subcommand("versions", "Component versions");
    versions->require_subcommand(1);
    auto args = std::make_shared<VersionArgs>();
    AddCreate(versions, context, args);
    AddListAndGet(versions, context, args);
    AddArtifacts(app, context, args);
}

}  // namespace waka::ctl
