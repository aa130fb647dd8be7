#include "shared/release/signing_key.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "shared/core/crypto.hpp"

namespace waka::release {
namespace {

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Expected<std::string> ReadSmallFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return MakeError(Errc::kIo, "cannot read key file " + path.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    constexpr std::size_t kMaxKeyFile = 16 * 1024;  // a PEM Ed25519 key is about 120 bytes
    if (text.str().size() > kMaxKeyFile) {
        return MakeError(Errc::kInvalidArgument, "key file " + path.string() + " is too large");
    }
    return text.str();
}

Expected<PkeyPtr> RequireEd25519(EVP_PKEY* key, std::string_view what) {
    PkeyPtr owned(key);
    if (!owned) {
        return MakeError(Errc::kInvalidArgument, std::string(what) + " is not a PEM key");
    }
    if (EVP_PKEY_get_id(owned.get()) != EVP_PKEY_ED25519) {
        return MakeError(Errc::kInvalidArgument, std::string(what) + " is not an Ed25519 key");
    }
    return owned;
}

std::string KeyIdOf(EVP_PKEY* key) {
    std::array<unsigned char, 32> raw{};
    std::size_t size = raw.size();
    EVP_PKEY_get_raw_public_key(key, raw.data(), &size);
    std::string digest =
        Sha256Hex(std::string_view(reinterpret_cast<const char*>(raw.data()), size));
    return "ed25519:" + digest.substr(0, 16);
}

}  // namespace

struct PublicKey::Key {
    PkeyPtr pkey;
};
struct PrivateKey::Key {
    PkeyPtr pkey;
};

PublicKey::PublicKey(std::shared_ptr<Key> key)
    : key_(std::move(key)), id_(KeyIdOf(key_->pkey.get())) {}

Expected<PublicKey> PublicKey::FromPem(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    auto key =
        RequireEd25519(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), "public key");
    if (!key) {
        return key.error();
    }
    return PublicKey(std::make_shared<Key>(Key{std::move(*key)}));
}

Expected<PublicKey> PublicKey::FromPemFile(const std::filesystem::path& path) {
    auto text = ReadSmallFile(path);
    if (!text) {
        return text.error();
    }
    auto key = FromPem(*text);
    if (!key) {
        return key.error().WithContext(path.string());
    }
    return key;
}

std::string PublicKey::Pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), key_->pkey.get());
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

bool PublicKey::Verifies(std::string_view message, std::string_view signature) const {
    if (signature.size() != kSignatureBytes) {
        return false;
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()),
                            message.size()) == 1;
}

PrivateKey::PrivateKey(std::shared_ptr<Key> key) : key_(std::move(key)) {}

Expected<PrivateKey> PrivateKey::Generate() {
    auto key = RequireEd25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), "generated key");
    if (!key) {
        return key.error();
    }
    return PrivateKey(std::make_shared<Key>(Key{std::move(*key)}));
}

Expected<PrivateKey> PrivateKey::FromPemFile(const std::filesystem::path& path) {
    auto text = ReadSmallFile(path);
    if (!text) {
        return text.error();
    }
    BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
    auto key = RequireEd25519(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                              "private key " + path.string());
    if (!key) {
        return key.error();
    }
    return PrivateKey(std::make_shared<Key>(Key{std::move(*key)}));
}

PublicKey PrivateKey::Public() const {
    // Re-reading the public half through PEM keeps PublicKey free of private material.
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), key_->pkey.get());
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return PublicKey::FromPem(std::string_view(data, static_cast<std::size_t>(size))).value();
}

Expected<std::string> PrivateKey::Sign(std::string_view message) const {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    std::string signature(kSignatureBytes, '\0');
    std::size_t size = signature.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1 ||
        size != kSignatureBytes) {
        return MakeError(Errc::kInternal, "Ed25519 signing failed");
    }
    return signature;
}

Expected<void> PrivateKey::WritePemFile(const std::filesystem::path& path) const {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return MakeError(Errc::kIo, "cannot create " + path.string() + ": " + std::strerror(errno));
    }
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    bool written = ::write(fd, data, static_cast<std::size_t>(size)) == size;
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!written || !synced) {
        return MakeError(Errc::kIo, "cannot write " + path.string());
    }
    return {};
}

std::string Base64Encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(size));
    return out;
}

Expected<std::string> Base64Decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return MakeError(Errc::kInvalidArgument, "not base64 (length is not a multiple of 4)");
    }
    std::string out(3 * (text.size() / 4), '\0');
    int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
    if (size < 0) {
        return MakeError(Errc::kInvalidArgument, "not base64");
    }
    // EVP_DecodeBlock counts padding as zero bytes: drop one per '='.
    std::size_t padding = 0;
    for (auto it = text.rbegin(); it != text.rend() && *it == '=' && padding < 2; ++it) {
        ++padding;
    }
    out.resize(static_cast<std::size_t>(size) - padding);
    return out;
}

}  // namespace waka::release
