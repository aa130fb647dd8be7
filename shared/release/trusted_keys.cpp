#include "shared/release/trusted_keys.hpp"

#include <algorithm>
#include <system_error>

namespace waka::release {

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

Expected<ReleaseStatement> TrustedKeys::Verify(const SignedStatement& signed_statement) const {
    auto statement = ParseReleaseStatement(signed_statement.statement);
    if (!statement) {
        return statement.error();
    }
    if (revoked_.contains(statement->key_id)) {
        return MakeError(Errc::kInvalidArgument,
                         "release statement is signed by revoked key " + statement->key_id);
    }
    auto key = keys_.find(statement->key_id);
    if (key == keys_.end()) {
        return MakeError(Errc::kInvalidArgument,
                         "release statement is signed by unknown key " + statement->key_id);
    }
    if (!key->second.Verifies(SigningMessage(signed_statement.statement),
                              signed_statement.signature)) {
        return MakeError(Errc::kInvalidArgument,
                         "release statement signature does not verify "
                         "under key " +
                             statement->key_id);
    }
    return statement;
}

}  // namespace waka::release
