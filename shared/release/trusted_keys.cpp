#include "shared/release/trusted_keys.hpp"

#include <algorithm>
#include <system_error>

#include "shared/core/log.hpp"

namespace waka::release {
namespace {

std::string Trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

}  // namespace

Expected<TrustedKeys> LoadTrustedKeys(const TrustSettings& settings) {
    auto keys = TrustedKeys::FromDirectory(settings.keys_dir);
    if (!keys) {
        return keys.error().WithContext("trusted release keys in " + settings.keys_dir.string());
    }
    for (const std::string& id : settings.revoked_key_ids) {
        keys->Revoke(id);
    }
    return keys;
}

void LogTrustAtStartUp(const TrustSettings& settings) {
    if (!settings.require_signed) {
        log::Warn("signed releases are not required: unsigned releases will be accepted");
    }
    auto keys = LoadTrustedKeys(settings);
    if (!keys) {
        log::Error("{}", keys.error().message);
    } else if (keys->Empty()) {
        log::Warn("no trusted release key in {}: every signed release will be refused",
                  settings.keys_dir.string());
    } else {
        log::Info("trusted release keys dir={} count={} revoked={}", settings.keys_dir.string(),
                  keys->KeyIds().size(), settings.revoked_key_ids.size());
    }
}

Expected<std::set<std::string>> ParseKeyIdList(std::string_view text) {
    std::set<std::string> ids;
    while (!text.empty()) {
        const auto comma = text.find(',');
        std::string item = Trimmed(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (item.empty()) {
            continue;
        }
        if (!IsKeyId(item)) {
            return MakeError(Errc::kInvalidArgument,
                             "'" + item.substr(0, 80) +
                                 "' is not a key id (ed25519: and 16 lower-case hex digits)");
        }
        ids.insert(std::move(item));
    }
    return ids;
}

void TrustedKeys::Add(PublicKey key) {
    std::string id = key.Id();
    keys_.insert_or_assign(std::move(id), std::move(key));
}

void TrustedKeys::Revoke(std::string key_id) { revoked_.insert(std::move(key_id)); }

Expected<TrustedKeys> TrustedKeys::FromFiles(const std::vector<std::filesystem::path>& files) {
    TrustedKeys out;
    for (const auto& file : files) {
        auto key = PublicKey::FromPemFile(file);
        if (!key) {
            return key.error();
        }
        out.Add(std::move(*key));
    }
    return out;
}

Expected<TrustedKeys> TrustedKeys::FromDirectory(const std::filesystem::path& directory) {
    std::error_code ec;
    if (!std::filesystem::exists(directory, ec)) {
        return TrustedKeys{};
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
        if (entry.path().extension() == ".pub") {
            files.push_back(entry.path());
        }
    }
    if (ec) {
        return MakeError(Errc::kIo, "cannot list " + directory.string() + ": " + ec.message());
    }
    std::sort(files.begin(), files.end());
    return FromFiles(files);
}

std::vector<std::string> TrustedKeys::KeyIds() const {
    std::vector<std::string> ids;
    for (const auto& [id, key] : keys_) {
        ids.push_back(id);
    }
    return ids;
}

Expected<void> TrustedKeys::CheckSignature(std::string_view what, const std::string& key_id,
                                           const std::string& message,
                                           const std::string& signature) const {
    const std::string subject(what);
    if (revoked_.contains(key_id)) {
        return MakeError(Errc::kInvalidArgument, subject + " is signed by revoked key " + key_id);
    }
    auto key = keys_.find(key_id);
    if (key == keys_.end()) {
        return MakeError(Errc::kInvalidArgument, subject + " is signed by unknown key " + key_id);
    }
    if (!key->second.Verifies(message, signature)) {
        return MakeError(Errc::kInvalidArgument,
                         subject + " signature does not verify under key " + key_id);
    }
    return {};
}

Expected<ReleaseStatement> TrustedKeys::Verify(const SignedStatement& signed_statement) const {
    auto statement = ParseReleaseStatement(signed_statement.statement);
    if (!statement) {
        return statement.error();
    }
    if (auto checked =
            CheckSignature("release statement", statement->key_id,
                           SigningMessage(signed_statement.statement), signed_statement.signature);
        !checked) {
        return checked.error();
    }
    return statement;
}

Expected<FloorStatement> TrustedKeys::VerifyFloor(const SignedStatement& signed_floor) const {
    auto floor = ParseFloorStatement(signed_floor.statement);
    if (!floor) {
        return floor.error();
    }
    if (auto checked =
            CheckSignature("floor statement", floor->key_id,
                           FloorSigningMessage(signed_floor.statement), signed_floor.signature);
        !checked) {
        return checked.error();
    }
    return floor;
}

}  // namespace waka::release
