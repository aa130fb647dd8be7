#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"

// Ed25519 keys of the release publisher (OpenSSL 3 EVP; docs/security.md "Release signing").
// The private key lives offline with the publisher (wakactl keys generate / release sign); the
// coordinator and the agents hold public keys only.
namespace waka::release {

inline constexpr std::size_t kSignatureBytes = 64;

class PublicKey {
public:
    // Reads a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) file; refuses any key type but Ed25519.
    [[nodiscard]] static Expected<PublicKey> FromPemFile(const std::filesystem::path& path);
    [[nodiscard]] static Expected<PublicKey> FromPem(std::string_view pem);

    // "ed25519:" and the first 16 hex digits of the SHA-256 of the raw 32-byte key.
    [[nodiscard]] const std::string& Id() const { return id_; }
    [[nodiscard]] std::string Pem() const;
    // True when `signature` (raw, 64 bytes) signs `message` under this key.
    [[nodiscard]] bool Verifies(std::string_view message, std::string_view signature) const;

private:
    struct Key;
    explicit PublicKey(std::shared_ptr<Key> key);
    std::shared_ptr<Key> key_;
    std::string id_;
};

class PrivateKey {
public:
    [[nodiscard]] static Expected<PrivateKey> Generate();
    // Reads a PEM "PRIVATE KEY" (PKCS#8, unencrypted) file; refuses any key type but Ed25519.
    [[nodiscard]] static Expected<PrivateKey> FromPemFile(const std::filesystem::path& path);

    [[nodiscard]] PublicKey Public() const;
    // The raw 64-byte Ed25519 signature of `message`.
    [[nodiscard]] Expected<std::string> Sign(std::string_view message) const;
    // Writes the key with mode 0600 (created so, never widened); refuses to overwrite a file.
    [[nodiscard]] Expected<void> WritePemFile(const std::filesystem::path& path) const;

private:
    struct Key;
    explicit PrivateKey(std::shared_ptr<Key> key);
    std::shared_ptr<Key> key_;
};

// Standard base64 with padding, for signatures in JSON and headers.
[[nodiscard]] std::string Base64Encode(std::string_view bytes);
[[nodiscard]] Expected<std::string> Base64Decode(std::string_view text);

}  // namespace waka::release
