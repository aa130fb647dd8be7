#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "coordinator/ports/agent_events.hpp"
#include "coordinator/ports/instance_repository.hpp"
#include "shared/core/clock.hpp"
#include "shared/pki/certificate_authority.hpp"

// Agent identity by certificate (ADR 0034), the coordinator's rules: which Hello needs which
// certificate, what the agent CA signs, and renewals over an open session.
namespace waka::coordinator::deploy {

struct AgentIdentityOptions {
    std::shared_ptr<const pki::CertificateAuthority> ca;  // null: no agent certificates at all
    std::chrono::seconds lifetime{std::chrono::hours(24 * 30)};
    // A Hello with a credential must come over a connection with this instance's client
    // certificate; only an enrollment may come without one (and must ask for one).
    bool require_certificate = false;
};

// The certificate part of one Hello, decided before the repository is asked.
struct HelloIdentity {
    std::string refusal;  // non-empty: refuse with this reason, ask nothing
    std::optional<pki::IssuedCertificate> issued;  // to record and send when the login succeeds
    std::optional<std::string> presented_serial;
    bool credential_needs_certificate = false;
};

// What the repository records of an issued certificate.
[[nodiscard]] ports::AgentCertificateRecord RecordOf(const pki::IssuedCertificate& issued);

class AgentIdentity {
public:
    AgentIdentity(AgentIdentityOptions options, ports::InstanceRepository& instances,
                  const Clock& clock);

    [[nodiscard]] bool Enabled() const { return options_.ca != nullptr; }
    // Checks the Hello's certificate and request, and signs the request of a Hello without a
    // certificate (enrollment, or a credential while certificates are not required).
    [[nodiscard]] HelloIdentity ForHello(const ports::AgentHello& hello) const;
    // A renewal asked for over an open session: the PEM certificate, recorded before it is
    // answered. kPermissionDenied without an agent CA; kInvalidArgument for a bad request;
    // kConflict when renewing again within a tenth of the lifetime.
    boost::asio::awaitable<Expected<std::string>> Renew(const std::string& instance_id,
                                                        const std::string& request_pem);

private:
    const AgentIdentityOptions options_;
    ports::InstanceRepository& instances_;
    const Clock& clock_;
};

}  // namespace waka::coordinator::deploy
