#include "tests/support/release/test_publisher.hpp"

#include <fstream>
#include <stdexcept>

#include "shared/core/crypto.hpp"

namespace waka::test {
namespace {

release::PrivateKey GenerateOrThrow() {
    auto key = release::PrivateKey::Generate();
    if (!key) {
        throw std::runtime_error("test publisher key: " + key.error().message);
    }
    return std::move(*key);
}

}  // namespace

TestPublisher::TestPublisher() : key_(GenerateOrThrow()), key_id_(key_.Public().Id()) {}

std::filesystem::path TestPublisher::InstallPublicKey(const std::filesystem::path& keys_dir,
                                                      const std::string& name) const {
    std::filesystem::create_directories(keys_dir);
    const std::filesystem::path path = keys_dir / (name + ".pub");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << key_.Public().Pem();
    return path;
}

release::SignedStatement TestPublisher::Sign(const std::string& type, const std::string& name,
                                             const std::string& version, const std::string& sha256,
                                             std::uint64_t size) const {
    release::ReleaseStatement statement{type, name, version, sha256, size, "2026-12-01T00:00:00Z",
                                        ""};
    auto signed_statement = release::SignRelease(key_, std::move(statement));
    if (!signed_statement) {
        throw std::runtime_error("sign: " + signed_statement.error().message);
    }
    return std::move(*signed_statement);
}

release::SignedStatement TestPublisher::SignFile(const std::string& type, const std::string& name,
                                                 const std::string& version,
                                                 const std::filesystem::path& file) const {
    auto sha = Sha256File(file);
    if (!sha) {
        throw std::runtime_error("hash " + file.string() + ": " + sha.error().message);
    }
    return Sign(type, name, version, *sha, std::filesystem::file_size(file));
}

std::string TestPublisher::SignatureHeader(const std::string& type, const std::string& name,
                                           const std::string& version,
                                           const std::filesystem::path& file) const {
    std::string text = release::EncodeSignedFile(SignFile(type, name, version, file));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    return text;
}

std::string TestPublisher::FloorFile(const std::string& type, const std::string& name,
                                     const std::string& min_version,
                                     const std::string& reason) const {
    auto signed_floor =
        release::SignFloor(key_, {type, name, min_version, reason, "2026-12-01T00:00:00Z", ""});
    if (!signed_floor) {
        throw std::runtime_error("sign floor: " + signed_floor.error().message);
    }
    return release::EncodeFloorFile(*signed_floor);
}

}  // namespace waka::test
