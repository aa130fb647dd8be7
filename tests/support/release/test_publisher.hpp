#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "shared/release/floor.hpp"
#include "shared/release/signing_key.hpp"
#include "shared/release/statement.hpp"

// A release publisher for tests: a fresh Ed25519 key that signs the bundles a test uploads, and
// installs its public half where a coordinator or an agent under test reads trusted keys. Real
// keys and real signatures, so that every test that deploys goes through the same checks as
// production (ADR 0020).
namespace waka::test {

class TestPublisher {
public:
    TestPublisher();

    [[nodiscard]] const std::string& KeyId() const { return key_id_; }
    // Writes "<name>.pub" into `keys_dir` (created if needed) and answers its path.
    std::filesystem::path InstallPublicKey(const std::filesystem::path& keys_dir,
                                           const std::string& name = "publisher") const;
    [[nodiscard]] const release::PrivateKey& Key() const { return key_; }

    // The signed statement for a release of these bytes / of this file.
    [[nodiscard]] release::SignedStatement Sign(const std::string& type, const std::string& name,
                                                const std::string& version,
                                                const std::string& sha256,
                                                std::uint64_t size) const;
    [[nodiscard]] release::SignedStatement SignFile(const std::string& type,
                                                    const std::string& name,
                                                    const std::string& version,
                                                    const std::filesystem::path& file) const;
    // The `.sig` file's text, as sent in X-Waka-Release-Signature.
    [[nodiscard]] std::string SignatureHeader(const std::string& type, const std::string& name,
                                              const std::string& version,
                                              const std::filesystem::path& file) const;

    // The floor file (`wakactl release floor`) for type:name >= min_version.
    [[nodiscard]] std::string FloorFile(const std::string& type, const std::string& name,
                                        const std::string& min_version,
                                        const std::string& reason) const;

private:
    release::PrivateKey key_;
    std::string key_id_;
};

}  // namespace waka::test
