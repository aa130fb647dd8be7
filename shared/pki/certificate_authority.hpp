#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"
#include "shared/pki/agent_certificates.hpp"

// The coordinator's agent CA (ADR 0034): signs the requests agents make on their hosts into
// short-lived client certificates bound to their instance id.
namespace waka::pki {

struct IssuedCertificate {
    std::string certificate_pem;
    CertificateFacts facts;
};

class CertificateAuthority {
public:
    // Loads the CA certificate and its private key (PEM). Errc::kInvalidArgument naming the file
    // when one is missing or unreadable, the certificate is not a CA (basicConstraints CA:TRUE),
    // or the key does not belong to it.
    [[nodiscard]] static Expected<std::shared_ptr<const CertificateAuthority>> Load(
        const std::filesystem::path& cert_file, const std::filesystem::path& key_file);

    ~CertificateAuthority();
    CertificateAuthority(const CertificateAuthority&) = delete;
    CertificateAuthority& operator=(const CertificateAuthority&) = delete;

    // Checks a request (PEM, at most 16 KiB, its signature valid, an EC P-256 or Ed25519 key)
    // without signing it. Errc::kInvalidArgument naming what is wrong.
    [[nodiscard]] static Expected<void> CheckRequest(std::string_view request_pem);

    // Signs the request's public key into a client certificate: subject CN = instance_id (whatever
    // the request asked for), a random 128-bit serial, valid from five minutes ago (clock skew)
    // for `lifetime`, CA:FALSE, digitalSignature, extendedKeyUsage clientAuth. The real clock is
    // used: the certificate is checked by TLS against real time. Thread-safe.
    [[nodiscard]] Expected<IssuedCertificate> Sign(std::string_view request_pem,
                                                   const std::string& instance_id,
                                                   std::chrono::seconds lifetime) const;

private:
    struct Keys;
    explicit CertificateAuthority(std::unique_ptr<Keys> keys);
    std::unique_ptr<Keys> keys_;
};

}  // namespace waka::pki
