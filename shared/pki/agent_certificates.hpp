#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "shared/core/error.hpp"

using SSL = struct ssl_st;

// Agent identity by certificate (ADR 0034), the parts both daemons share: the agent makes its key
// and a certificate signing request on its own host (the key never leaves it), and either side
// reads back what a certificate says. OpenSSL 3 only; no Asio, no Beast.
namespace waka::pki {

using SystemTime = std::chrono::system_clock::time_point;

// What a certificate says about the agent it was issued to.
struct CertificateFacts {
    std::string common_name;  // the instance id
    std::string serial;       // lower-case hex, no leading zeros
    SystemTime not_before;
    SystemTime not_after;
};

struct KeyAndRequest {
    std::string private_key_pem;  // PKCS#8, unencrypted: stored 0600 by the caller, never sent
    std::string request_pem;      // the CSR, subject CN = instance_id, signed by the key
};

// A new EC P-256 key and a CSR for it. Errc::kInternal when OpenSSL fails.
[[nodiscard]] Expected<KeyAndRequest> MakeKeyAndRequest(const std::string& instance_id);

// The facts of the first certificate in a PEM text. Errc::kInvalidArgument when there is none.
[[nodiscard]] Expected<CertificateFacts> ReadCertificate(std::string_view pem);

// Whether the certificate (PEM) was issued for the private key (PEM): the agent checks an issued
// certificate against the key it kept before it stores the pair.
[[nodiscard]] bool CertificateMatchesKey(std::string_view certificate_pem,
                                         std::string_view private_key_pem);

// The client certificate a server-side TLS handshake verified, or nullopt when the peer sent none
// (a failed verification never gets this far: the handshake fails).
[[nodiscard]] std::optional<CertificateFacts> VerifiedPeerCertificate(SSL* ssl);

}  // namespace waka::pki
