#include "agent/daemon/client_identity.hpp"

#include "agent/journal/durable_file.hpp"

namespace waka::agent::daemon {
namespace {

constexpr const char* kFileName = "identity.pem";
constexpr std::size_t kMaxFileBytes = 64 * 1024;

// Overwrites a key before its memory is released.
void Wipe(std::string& secret) {
    volatile char* p = secret.data();
    for (std::size_t i = 0; i < secret.size(); ++i) {
        p[i] = 0;
    }
    secret.clear();
}

}  // namespace

ClientIdentity::ClientIdentity(std::filesystem::path state_dir, std::string instance_id)
    : path_(std::move(state_dir) / kFileName), instance_id_(std::move(instance_id)) {}

Expected<void> ClientIdentity::Load() {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) {
        facts_.reset();
        return {};
    }
    auto text = journal::ReadSmallFile(path_, kMaxFileBytes);
    if (!text) {
        return text.error().WithContext("read " + path_.string());
    }
    auto facts = pki::ReadCertificate(*text);
    if (!facts || facts->common_name != instance_id_) {
        return MakeError(Errc::kInvalidArgument,
                         path_.string() + " holds no client certificate for instance " +
                             instance_id_ + " (remove it to be issued a new one)");
    }
    facts_ = std::move(*facts);
    return {};
}

std::optional<std::filesystem::path> ClientIdentity::File() const {
    if (!facts_) {
        return std::nullopt;
    }
    return path_;
}

pki::SystemTime ClientIdentity::RenewalAt() const {
    if (!facts_) {
        return pki::SystemTime::min();
    }
    return facts_->not_after - (facts_->not_after - facts_->not_before) / 3;
}

Expected<std::string> ClientIdentity::NewRequest() {
    auto made = pki::MakeKeyAndRequest(instance_id_);
    if (!made) {
        return made.error();
    }
    Wipe(pending_key_);
    pending_key_ = std::move(made->private_key_pem);
    return std::move(made->request_pem);
}

Expected<void> ClientIdentity::Accept(const std::string& certificate_pem) {
    auto facts = pki::ReadCertificate(certificate_pem);
    if (!facts || facts->common_name != instance_id_) {
        return MakeError(
            Errc::kInvalidArgument,
            "the coordinator sent a certificate that is not for instance " + instance_id_);
    }
    if (pending_key_.empty() || !pki::CertificateMatchesKey(certificate_pem, pending_key_)) {
        return MakeError(Errc::kInvalidArgument,
                         "the coordinator sent a certificate for a key this agent does not hold");
    }
    std::string pair = certificate_pem + pending_key_;
    auto written = journal::WriteFileAtomically(path_, pair, 0600);
    Wipe(pair);
    if (!written) {
        return written.error().WithContext("store the client certificate");
    }
    Wipe(pending_key_);
    facts_ = std::move(*facts);
    return {};
}

}  // namespace waka::agent::daemon
