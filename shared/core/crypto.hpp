#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"

namespace waka {

// Incremental SHA-256 (OpenSSL EVP). Not copyable; Finish() may be called once.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void Update(std::string_view bytes);
    void Update(const void* data, std::size_t size);
    // Lower-case hex digest (64 characters).
    [[nodiscard]] std::string FinishHex();

private:
    struct State;
    std::unique_ptr<State> state_;
};

[[nodiscard]] std::string Sha256Hex(std::string_view bytes);
// HMAC-SHA256 of `message` under `key` (OpenSSL), lower-case hex (64 characters).
[[nodiscard]] std::string HmacSha256Hex(std::string_view key, std::string_view message);
// Hashes a whole file by streaming it; blocking: call it off I/O threads.
[[nodiscard]] Expected<std::string> Sha256File(const std::filesystem::path& path);

// Cryptographically random bytes as lower-case hex (2 * byte_count characters).
[[nodiscard]] std::string RandomHex(std::size_t byte_count);

// Compares two strings in time independent of where they differ.
[[nodiscard]] bool ConstantTimeEquals(std::string_view a, std::string_view b);

// True when text is exactly 64 lower-case hex digits.
[[nodiscard]] bool IsSha256Hex(std::string_view text);

}  // namespace waka
