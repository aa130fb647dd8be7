#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "shared/core/error.hpp"
#include "shared/pki/agent_certificates.hpp"

// The agent's client certificate and its key (ADR 0034): `<state_dir>/identity.pem`, mode 0600,
// the certificate first and then the key, replaced atomically. The key is made on this host and
// never sent; the coordinator's agent CA signs a request for it.
namespace waka::agent::daemon {

class ClientIdentity {
public:
    ClientIdentity(std::filesystem::path state_dir, std::string instance_id);

    // Reads what is stored. A missing file is no error (not issued yet); Errc::kIo when the file
    // cannot be read, kInvalidArgument when it holds no certificate for this instance.
    [[nodiscard]] Expected<void> Load();

    // Where the pair is (or will be) stored.
    [[nodiscard]] const std::filesystem::path& Path() const { return path_; }
    // The file the link and the downloader present, once a certificate is stored.
    [[nodiscard]] std::optional<std::filesystem::path> File() const;
    // When a new certificate should be asked for: with a third of the lifetime left; now when
    // none is stored.
    [[nodiscard]] pki::SystemTime RenewalAt() const;
    [[nodiscard]] std::optional<pki::CertificateFacts> Facts() const { return facts_; }

    // A request for a new key, which is kept in memory until a certificate for it is accepted
    // (a later request replaces it).
    [[nodiscard]] Expected<std::string> NewRequest();
    // Stores a certificate issued for the kept key. Errc::kInvalidArgument when it is not for
    // that key or not for this instance (nothing changes), kIo when it cannot be written.
    [[nodiscard]] Expected<void> Accept(const std::string& certificate_pem);

private:
    std::filesystem::path path_;
    std::string instance_id_;
    std::optional<pki::CertificateFacts> facts_;
    std::string pending_key_;  // PEM; wiped when replaced or stored
};

}  // namespace waka::agent::daemon
