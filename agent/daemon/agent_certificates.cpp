// The Agent's client certificate (ADR 0034): storing what the coordinator issued and renewing it
// over the open session before it expires.
#include <algorithm>

#include "agent/daemon/agent.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::daemon {
namespace {

// How long after an unanswered or refused renewal the agent asks again: a tenth of the lifetime,
// within [1 s, 1 h].
std::chrono::system_clock::duration RetryInterval(const pki::CertificateFacts& facts) {
    const auto tenth = (facts.not_after - facts.not_before) / 10;
    return std::clamp<std::chrono::system_clock::duration>(tenth, std::chrono::seconds(1),
                                                           std::chrono::hours(1));
}

}  // namespace

void Agent::StoreCertificate(const std::string& certificate_pem) {
    if (!options_.identity) {
        return;
    }
    if (auto stored = options_.identity->Accept(certificate_pem); !stored) {
        log::Error("client certificate not stored error={}", stored.error().message);
        return;
    }
    const auto facts = options_.identity->Facts();
    log::Info("client certificate stored serial={} not_after={} (used from the next connection)",
              facts->serial, FormatRfc3339(facts->not_after));
}

void Agent::OnCertificate(const std::string& certificate_pem) {
    StoreCertificate(certificate_pem);
    ScheduleRenewal();
}

void Agent::ScheduleRenewal() {
    renewal_.cancel();
    if (!options_.identity || !options_.identity->Facts() || stopping_) {
        return;  // none stored: the next Hello asks for one
    }
    renewal_.expires_at(options_.identity->RenewalAt());
    renewal_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            OnRenewalDue();
        }
    });
}

void Agent::OnRenewalDue() {
    if (stopping_ || channel_ == nullptr || !channel_->Established()) {
        return;
    }
    const auto facts = options_.identity->Facts();
    auto request = options_.identity->NewRequest();
    if (!request || !channel_->SendCertificateRequest(*request)) {
        log::Warn("client certificate renewal not sent, retrying later");
    } else {
        log::Info("client certificate renewal requested serial={} not_after={}", facts->serial,
                  FormatRfc3339(facts->not_after));
    }
    // Again later unless an answer re-arms it first.
    renewal_.expires_after(RetryInterval(*facts));
    renewal_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            OnRenewalDue();
        }
    });
}

}  // namespace waka::agent::daemon
