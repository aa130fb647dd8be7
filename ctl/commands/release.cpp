#include <fstream>
#include <iostream>

#include "ctl/commands/commands.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/crypto.hpp"
#include "shared/release/floor.hpp"
#include "shared/release/signing_key.hpp"
#include "shared/release/statement.hpp"

// The publisher's offline commands (docs/security.md "Release signing"): they touch local files
// only and never talk to the coordinator, so that the private key can live on a machine that has
// no network at all.
namespace waka::ctl {
namespace {

struct FloorArgs {
    std::string key;
    std::string type;
    std::string name;
    std::string min_version;
    std::string reason;
    std::string out;
};

struct SignArgs {
    std::string key;
    std::string type;
    std::string name;
    std::string version;
    std::string bundle;
    std::string out;
};

Expected<void> GenerateKeys(const std::string& directory, const std::string& name) {
    auto key = release::PrivateKey::Generate();
    if (!key) {
        return key.error();
    }
    std::filesystem::path private_path = std::filesystem::path(directory) / (name + ".key");
    std::filesystem::path public_path = std::filesystem::path(directory) / (name + ".pub");
    for (const auto& path : {private_path, public_path}) {
        if (std::filesystem::exists(path)) {
            return Fail("wakactl: " + path.string() + " exists; keys are never overwritten");
        }
    }
    if (auto written = key->WritePemFile(private_path); !written) {
        return Fail("wakactl: " + written.error().message, Errc::kIo);
    }
    std::ofstream(public_path) << key->Public().Pem();
    std::cout << "key_id: " << key->Public().Id() << "\nprivate key: " << private_path.string()
              << " (mode 0600; keep it offline)\npublic key: " << public_path.string() << "\n";
    return {};
}

std::string UtcSecondNow() {
    std::string now = FormatRfc3339(std::chrono::system_clock::now());  // ...:SS.mmmZ
    return now.substr(0, 19) + "Z";
}

Expected<void> WriteSigned(const std::string& out, const std::string& text) {
    std::ofstream file(out, std::ios::trunc);
    file << text;
    if (!file.flush()) {
        return Fail("wakactl: cannot write " + out, Errc::kIo);
    }
    return {};
}

Expected<void> SignBundle(const SignArgs& args) {
    auto key = release::PrivateKey::FromPemFile(args.key);
    if (!key) {
        return Fail("wakactl: " + key.error().message);
    }
    auto sha256 = Sha256File(args.bundle);
    if (!sha256) {
        return Fail("wakactl: " + sha256.error().message, Errc::kIo);
    }
    release::ReleaseStatement statement{
        args.type,      args.name, args.version, *sha256, std::filesystem::file_size(args.bundle),
        UtcSecondNow(), ""};
    auto signed_statement = release::SignRelease(*key, statement);
    if (!signed_statement) {
        return Fail("wakactl: " + signed_statement.error().message);
    }
    std::string out = args.out.empty() ? args.bundle + ".sig" : args.out;
    if (auto written = WriteSigned(out, release::EncodeSignedFile(*signed_statement)); !written) {
        return written;
    }
    std::cout << "signed " << args.type << " " << args.name << " " << args.version << " ("
              << *sha256 << ", " << statement.size << " bytes) with " << key->Public().Id()
              << "\nsignature: " << out << "\n";
    return {};
}

Expected<void> SignFloor(const FloorArgs& args) {
    auto key = release::PrivateKey::FromPemFile(args.key);
    if (!key) {
        return Fail("wakactl: " + key.error().message);
    }
    release::FloorStatement floor{args.type,   args.name,      args.min_version,
                                  args.reason, UtcSecondNow(), ""};
    auto signed_floor = release::SignFloor(*key, floor);
    if (!signed_floor) {
        return Fail("wakactl: " + signed_floor.error().message);
    }
    const std::string out = args.out.empty()
                                ? args.type + "-" + args.name + "-" + args.min_version + ".floor"
                                : args.out;
    if (auto written = WriteSigned(out, release::EncodeFloorFile(*signed_floor)); !written) {
        return written;
    }
    std::cout << "floor " << args.type << " " << args.name << " >= " << args.min_version
              << " signed with " << key->Public().Id() << "\nfloor file: " << out
              << "\nhand it to the coordinator: wakactl floors set " << out << "\n";
    return {};
}

void AddFloorSigning(CLI::App* release, Context& context) {
    auto* floor = release->add_subcommand(
        "floor", "Sign an anti-rollback floor: no version below --min-version is installed again");
    auto args = std::make_shared<FloorArgs>();
    floor->add_option("--key", args->key, "The private key file")
        ->required()
        ->check(CLI::ExistingFile);
    floor->add_option("--type", args->type, "platform, suite or capability")->required();
    floor->add_option("--name", args->name, "Component name")->required();
    floor->add_option("--min-version", args->min_version, "Lowest version still allowed")
        ->required();
    floor->add_option("--reason", args->reason, "Why, e.g. the advisory it closes")->required();
    floor->add_option("-o,--output", args->out,
                      "Where to write it (default TYPE-NAME-MINVERSION.floor)");
    OnRun(floor, context, [args] { return SignFloor(*args); });
}

}  // namespace

void AddReleaseCommands(CLI::App& app, Context& context) {
    auto* keys = app.add_subcommand("keys", "Release signing keys (offline)");
    keys->require_subcommand(1);
    auto* generate = keys->add_subcommand("generate", "Write a new Ed25519 key pair NAME.key/.pub");
    auto directory = std::make_shared<std::string>(".");
    auto name = std::make_shared<std::string>("release");
    generate->add_option("--dir", *directory, "Where to write the files (default .)")
        ->check(CLI::ExistingDirectory);
    generate->add_option("--name", *name, "File name stem (default release)");
    OnRun(generate, context, [directory, name] { return GenerateKeys(*directory, *name); });

    auto* release = app.add_subcommand("release", "Signed release statements (offline)");
    release->require_subcommand(1);
    auto* sign = release->add_subcommand("sign", "Sign a bundle: writes BUNDLE.sig");
    auto args = std::make_shared<SignArgs>();
    sign->add_option("--key", args->key, "The private key file")
        ->required()
        ->check(CLI::ExistingFile);
    sign->add_option("--type", args->type, "platform, suite or capability")->required();
    sign->add_option("--name", args->name, "Component name")->required();
    sign->add_option("--version", args->version, "Version")->required();
    sign->add_option("bundle", args->bundle, "The bundle (.tar.gz)")
        ->required()
        ->check(CLI::ExistingFile);
    sign->add_option("-o,--output", args->out, "Where to write the statement (default BUNDLE.sig)");
    OnRun(sign, context, [args] { return SignBundle(*args); });
    AddFloorSigning(release, context);
}

}  // namespace waka::ctl
