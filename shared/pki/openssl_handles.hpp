#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

// Owning handles for the OpenSSL objects of shared/pki, and PEM in and out of memory. Internal to
// the library.
namespace waka::pki::detail {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

inline BioPtr ReadBio(std::string_view pem) {
    return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

inline std::string BioText(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

template <class T, int (*Write)(BIO*, const T*)>
std::string WritePem(const T* object) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || Write(bio.get(), object) != 1) {
        return {};
    }
    return BioText(bio.get());
}

inline X509Ptr ParseCertificate(std::string_view pem) {
    auto bio = ReadBio(pem);
    return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

}  // namespace waka::pki::detail
