#include "coordinator/deploy/agent_identity.hpp"

#include "shared/core/log.hpp"

namespace waka::coordinator::deploy {
namespace {

HelloIdentity Refuse(std::string reason) { return {std::move(reason), std::nullopt, {}, false}; }

}  // namespace

ports::AgentCertificateRecord RecordOf(const pki::IssuedCertificate& issued) {
    return {issued.facts.serial, issued.facts.not_after};
}

AgentIdentity::AgentIdentity(AgentIdentityOptions options, ports::InstanceRepository& instances,
                             const Clock& clock)
    : options_(std::move(options)), instances_(instances), clock_(clock) {}

HelloIdentity AgentIdentity::ForHello(const ports::AgentHello& hello) const {
    HelloIdentity out;
    if (!Enabled()) {
        return out;  // no CA: the gateway asks for no certificate, requests are ignored
    }
    if (hello.peer_certificate) {
        if (hello.peer_certificate->instance_id != hello.instance_id) {
            return Refuse("client certificate names another instance");
        }
        // A certified agent renews over its session (Renew), where the rate of issuance is
        // bounded; a request in its Hello is not signed, so reconnecting cannot mint certificates.
        out.presented_serial = hello.peer_certificate->serial;
        return out;
    }
    out.credential_needs_certificate = options_.require_certificate && !hello.peer_certificate;
    if (hello.certificate_request.empty()) {
        if (out.credential_needs_certificate) {
            return Refuse("a client certificate is required: send a certificate request");
        }
        return out;
    }
    // Signed before the login is decided, so that token, credential and certificate are settled
    // in one transaction; a refused login discards it unrecorded.
    auto issued =
        options_.ca->Sign(hello.certificate_request, hello.instance_id, options_.lifetime);
    if (!issued) {
        return Refuse(issued.error().message);
    }
    out.issued = std::move(*issued);
    return out;
}

boost::asio::awaitable<Expected<std::string>> AgentIdentity::Renew(const std::string& instance_id,
                                                                   const std::string& request_pem) {
    if (!Enabled()) {
        co_return MakeError(Errc::kPermissionDenied, "this coordinator has no agent CA");
    }
    auto issued = options_.ca->Sign(request_pem, instance_id, options_.lifetime);
    if (!issued) {
        co_return issued.error();
    }
    const auto not_renewed_since = clock_.Now() - options_.lifetime / 10;
    auto recorded =
        co_await instances_.RecordCertificate(instance_id, RecordOf(*issued), not_renewed_since);
    if (!recorded) {
        co_return recorded.error();
    }
    log::Info("agent certificate renewed instance_id={} serial={} not_after={}", instance_id,
              issued->facts.serial, FormatRfc3339(issued->facts.not_after));
    co_return std::move(issued->certificate_pem);
}

}  // namespace waka::coordinator::deploy
