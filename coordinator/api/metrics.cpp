#include "coordinator/api/metrics.hpp"

#include <boost/json/object.hpp>
#include <charconv>
#include <chrono>
#include <vector>

#include "coordinator/api/fleet_figures.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/deploy/audit_verifier.hpp"
#include "coordinator/deploy/policy_decider.hpp"
#include "coordinator/policy/decision.hpp"
#include "coordinator/ports/repositories.hpp"
#include "shared/net/peer_gate.hpp"

namespace waka::coordinator::api {
namespace {

// The shortest text that reads back as the same double ("0.005", not "0.0050000000000000001").
std::string Number(double value) {
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc{} ? std::string(buffer, end) : "NaN";
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// The statuses a deployment ends in, in the table's order.
std::vector<domain::DeploymentStatus> FinalStatuses() {
    std::vector<domain::DeploymentStatus> out;
    for (const auto status : domain::AllDeploymentStatuses()) {
        if (domain::IsTerminal(status)) {
            out.push_back(status);
        }
    }
    return out;
}

std::uint64_t CountOf(const std::map<domain::DeploymentStatus, std::uint64_t>& counts,
                      domain::DeploymentStatus status) {
    auto found = counts.find(status);
    return found == counts.end() ? 0 : found->second;
}

// Every (kind, verdict) pair, zeros included, so a rate over any of them is defined from the start.
void RenderDecisions(std::string& out, const std::vector<deploy::DecisionCount>& taken) {
    Family(out, "waka_policy_decisions_total", "counter",
           "Policy decisions taken by this coordinator since it started (dry runs excluded), by "
           "kind of change and verdict.");
    constexpr policy::ChangeKind kKinds[] = {
        policy::ChangeKind::kOperatorDeployment, policy::ChangeKind::kAutoUpdate,
        policy::ChangeKind::kPatch, policy::ChangeKind::kRollback};
    constexpr policy::Verdict kVerdicts[] = {
        policy::Verdict::kAllowNow, policy::Verdict::kDeferToWindow,
        policy::Verdict::kAwaitApproval, policy::Verdict::kRefuse};
    std::map<std::pair<std::string, std::string>, std::uint64_t> counts;
    for (const auto& entry : taken) {
        counts[{entry.kind, entry.verdict}] = entry.count;
    }
    for (const auto kind : kKinds) {
        for (const auto verdict : kVerdicts) {
            const std::string kind_name(policy::ToString(kind));
            const std::string verdict_name(policy::ToString(verdict));
            const auto found = counts.find({kind_name, verdict_name});
            out += "waka_policy_decisions_total{kind=\"" + kind_name + "\",verdict=\"" +
                   verdict_name + "\"} " +
                   std::to_string(found == counts.end() ? 0 : found->second) + "\n";
        }
    }
}

// Every (listener, reason) pair, zeros included.
void RenderRefusals(std::string& out,
                    const std::vector<std::shared_ptr<const net::PeerGate>>& gates) {
    Family(out, "waka_connections_refused_total", "counter",
           "Connections a listener closed right after accepting them, by reason (network: from "
           "outside its allowed_networks; address_limit: the address held "
           "max_connections_per_address; handshake_rate: the address connected faster than "
           "handshakes_per_second_per_address; address_table_full: too many addresses tracked).");
    for (const auto& gate : gates) {
        for (std::size_t i = 0; i < static_cast<std::size_t>(net::RefusalReason::kCount_); ++i) {
            const auto reason = static_cast<net::RefusalReason>(i);
            out += "waka_connections_refused_total{listener=\"" + EscapeLabel(gate->Listener()) +
                   "\",reason=\"" + std::string(net::ToString(reason)) + "\"} " +
                   std::to_string(gate->Refused(reason)) + "\n";
        }
    }
}

void RenderCompliance(std::string& out, const std::vector<PatchComplianceCount>& patches) {
    Family(out, "waka_patch_instances", "gauge",
           "Instances affected by each security patch, by where they stand (as GET "
           "/api/v1/security/compliance counts them).");
    for (const auto& patch : patches) {
        const std::string labels = "patch_id=\"" + EscapeLabel(patch.patch_id) + "\",severity=\"" +
                                   EscapeLabel(patch.severity) + "\"";
        const std::pair<std::string_view, std::size_t> states[] = {{"patched", patch.patched},
                                                                   {"pending", patch.pending},
                                                                   {"failed", patch.failed},
                                                                   {"unpatched", patch.unpatched}};
        for (const auto& [state, count] : states) {
            out += "waka_patch_instances{" + labels + ",state=\"" + std::string(state) + "\"} " +
                   std::to_string(count) + "\n";
        }
    }
    Family(out, "waka_patches_noncompliant", "gauge",
           "Security patches not yet applied on every instance they affect, by severity.");
    std::map<std::string, std::uint64_t> open = {
        {"critical", 0}, {"high", 0}, {"medium", 0}, {"low", 0}};
    for (const auto& patch : patches) {
        if (patch.pending + patch.failed + patch.unpatched > 0) {
            ++open[patch.severity];
        }
    }
    for (const auto& [severity, count] : open) {
        out += "waka_patches_noncompliant{severity=\"" + EscapeLabel(severity) + "\"} " +
               std::to_string(count) + "\n";
    }
}

// The scheduled verification's findings; waka_audit_chain_valid only once one has completed, so
// that an alert on it never fires on a coordinator that has not verified yet.
void RenderAuditVerification(std::string& out, const deploy::AuditVerifier& verifier) {
    const deploy::AuditVerifierStatus status = verifier.Status();
    Family(out, "waka_audit_chain_valid", "gauge",
           "1 when the last scheduled verification of the audit chain found it intact, 0 when it "
           "found it broken (the log names the first bad seq).");
    if (status.valid) {
        out += "waka_audit_chain_valid " + std::to_string(*status.valid ? 1 : 0) + "\n";
    }
    Family(out, "waka_audit_verify_failures_total", "counter",
           "Scheduled verifications of the audit chain that found it broken.");
    out += "waka_audit_verify_failures_total " + std::to_string(status.failures) + "\n";
    Family(out, "waka_audit_verify_errors_total", "counter",
           "Scheduled verifications of the audit chain that could not run (database errors).");
    out += "waka_audit_verify_errors_total " + std::to_string(status.errors) + "\n";
    Family(out, "waka_audit_verified_entries", "gauge",
           "Entries the last scheduled verification of the audit chain checked.");
    out += "waka_audit_verified_entries " + std::to_string(status.entries) + "\n";
    Family(out, "waka_audit_last_verify_timestamp_seconds", "gauge",
           "When the last scheduled verification of the audit chain completed (Unix time).");
    if (status.last_run_at) {
        const auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(
            status.last_run_at->time_since_epoch());
        out += "waka_audit_last_verify_timestamp_seconds " +
               Number(static_cast<double>(since_epoch.count()) / 1000.0) + "\n";
    }
}

// Every state and status is printed, 0 included, so that a rate over a series never starts late.
void RenderRollouts(std::string& out, const ports::RolloutRepository::Counts& counts) {
    Family(out, "waka_rollouts", "gauge", "Rollouts stored, by state.");
    for (auto state : {domain::RolloutState::kRunning, domain::RolloutState::kPaused,
                       domain::RolloutState::kSucceeded, domain::RolloutState::kAborted,
                       domain::RolloutState::kReverting, domain::RolloutState::kReverted}) {
        std::uint64_t n = 0;
        for (const auto& [stored, count] : counts.rollouts) {
            n += stored == state ? count : 0;
        }
        out += "waka_rollouts{state=\"" + std::string(domain::ToString(state)) + "\"} " +
               std::to_string(n) + "\n";
    }
    Family(out, "waka_rollout_members", "gauge",
           "Members of every stored rollout, by status (docs/rollouts.md).");
    for (auto status : domain::AllMemberStatuses()) {
        std::uint64_t n = 0;
        for (const auto& [stored, count] : counts.members) {
            n += stored == status ? count : 0;
        }
        out += "waka_rollout_members{status=\"" + std::string(domain::ToString(status)) + "\"} " +
               std::to_string(n) + "\n";
    }
}

// The database's part of a scrape: what FleetFiguresCache keeps.
boost::asio::awaitable<Expected<FleetFigures>> ComputeFigures(Services& services) {
    auto counts = co_await services.context.repositories.deployments.CountByStatus();
    if (!counts) {
        co_return counts.error();
    }
    auto compliance = co_await CountPatchCompliance(services);
    if (!compliance) {
        co_return compliance.error();
    }
    auto rollouts = co_await services.context.repositories.rollouts.Count();
    if (!rollouts) {
        co_return rollouts.error();
    }
    FleetFigures figures;
    figures.deployments = std::move(*counts);
    figures.patches = std::move(*compliance);
    figures.rollouts = std::move(*rollouts);
    co_return figures;
}

// Process-local figures (requests, agents, decisions, pool) are read live; the database's come
// from the cache.
boost::asio::awaitable<http::Response> Scrape(Services& services, const HttpMetrics& metrics,
                                              FleetFiguresCache& cache) {
    ApiContext& context = services.context;
    const FleetFiguresCache::Result figures =
        co_await cache.Get(context.clock.Now(), std::chrono::seconds(context.metrics_cache_seconds),
                           [&services] { return ComputeFigures(services); });
    if (!*figures) {
        co_return ToResponse(FromError(figures->error()));
    }
    const ports::StatusCounts* counts = &(*figures)->deployments;
    const std::vector<PatchComplianceCount>& compliance = (*figures)->patches;
    std::string out;
    Family(out, "waka_build_info", "gauge", "The coordinator's version (value is always 1).");
    out += "waka_build_info{version=\"" + EscapeLabel(context.version) + "\"} 1\n";
    out += metrics.Render();
    Family(out, "waka_agents_connected", "gauge",
           "Agents holding a session on this coordinator's gateway.");
    out += "waka_agents_connected " +
           std::to_string(context.connected_agents ? context.connected_agents() : 0) + "\n";
    RenderRefusals(out, context.peer_gates);
    Family(out, "waka_deployments", "gauge", "Deployments stored, by current status.");
    for (const auto status : domain::AllDeploymentStatuses()) {
        out += "waka_deployments{status=\"" + std::string(domain::ToString(status)) + "\"} " +
               std::to_string(CountOf(counts->all, status)) + "\n";
    }
    Family(out, "waka_deployment_outcomes_total", "counter",
           "Deployments that ended, by final status (counted from the database, which keeps "
           "every deployment).");
    for (const auto outcome : FinalStatuses()) {
        out += "waka_deployment_outcomes_total{outcome=\"" +
               std::string(domain::ToString(outcome)) + "\"} " +
               std::to_string(CountOf(counts->all, outcome)) + "\n";
    }
    Family(out, "waka_rollback_outcomes_total", "counter",
           "Rollbacks (deployments of kind rollback) that ended, by final status.");
    for (const auto outcome : FinalStatuses()) {
        out += "waka_rollback_outcomes_total{outcome=\"" + std::string(domain::ToString(outcome)) +
               "\"} " + std::to_string(CountOf(counts->rollbacks, outcome)) + "\n";
    }
    RenderDecisions(out, context.decisions.Counts());
    RenderCompliance(out, compliance);
    RenderRollouts(out, (*figures)->rollouts);
    if (context.audit_verifier != nullptr) {
        RenderAuditVerification(out, *context.audit_verifier);
    }
    Family(out, "waka_db_pool_connections", "gauge", "PostgreSQL connections in the pool.");
    out +=
        "waka_db_pool_connections " + std::to_string(context.repositories.health.PoolSize()) + "\n";
    Family(out, "waka_db_pool_in_use", "gauge", "PostgreSQL connections borrowed right now.");
    out += "waka_db_pool_in_use " + std::to_string(context.repositories.health.InUse()) + "\n";

    http::Response response;
    response.status = 200;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = std::move(out);
    co_return response;
}

}  // namespace

std::string EscapeLabel(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

void HttpMetrics::Observe(std::string_view method, std::string_view route, unsigned status,
                          double seconds) {
    std::lock_guard lock(mutex_);
    ++requests_[{std::string(method), std::string(route), status}];
    Histogram& histogram = latency_[{std::string(method), std::string(route)}];
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        if (seconds <= kLatencyBuckets[i]) {
            ++histogram.buckets[i];
            break;
        }
    }
    ++histogram.count;
    histogram.sum += seconds;
}

void HttpMetrics::CountAuthFailure(std::string_view reason) {
    std::lock_guard lock(mutex_);
    ++auth_failures_[std::string(reason)];
}

void HttpMetrics::CountRateLimited(std::string_view limit) {
    std::lock_guard lock(mutex_);
    ++rate_limited_[std::string(limit)];
}

// Both reasons and both limits always, zeros included.
void HttpMetrics::RenderLimits(std::string& out) const {
    Family(out, "waka_http_auth_failures_total", "counter",
           "Requests refused with 401 before any handler ran, by reason.");
    for (const char* reason : {"missing_token", "unknown_or_revoked_token"}) {
        const auto found = auth_failures_.find(reason);
        out += std::string("waka_http_auth_failures_total{reason=\"") + reason + "\"} " +
               std::to_string(found == auth_failures_.end() ? 0 : found->second) + "\n";
    }
    Family(out, "waka_http_rate_limited_total", "counter",
           "Requests answered 429 by the per-client rate limits, by limit.");
    for (const char* limit : {"requests", "auth_failures"}) {
        const auto found = rate_limited_.find(limit);
        out += std::string("waka_http_rate_limited_total{limit=\"") + limit + "\"} " +
               std::to_string(found == rate_limited_.end() ? 0 : found->second) + "\n";
    }
}

std::string HttpMetrics::Render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    RenderLimits(out);
    Family(out, "waka_http_requests_total", "counter",
           "HTTP requests answered, by method, route template and status.");
    for (const auto& [key, count] : requests_) {
        const auto& [method, route, status] = key;
        out += "waka_http_requests_total{method=\"" + EscapeLabel(method) + "\",route=\"" +
               EscapeLabel(route) + "\",status=\"" + std::to_string(status) + "\"} " +
               std::to_string(count) + "\n";
    }
    Family(out, "waka_http_request_duration_seconds", "histogram",
           "Time from routing to the handler's answer, by method and route template.");
    for (const auto& [key, histogram] : latency_) {
        const std::string labels =
            "method=\"" + EscapeLabel(key.first) + "\",route=\"" + EscapeLabel(key.second) + "\"";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
            cumulative += histogram.buckets[i];
            out += "waka_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
                   Number(kLatencyBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
        }
        out += "waka_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
               std::to_string(histogram.count) + "\n";
        out += "waka_http_request_duration_seconds_sum{" + labels + "} " + Number(histogram.sum) +
               "\n";
        out += "waka_http_request_duration_seconds_count{" + labels + "} " +
               std::to_string(histogram.count) + "\n";
    }
    return out;
}

void AddMetricsRoutes(Router& router, Services& services, const HttpMetrics& metrics) {
    auto cache = std::make_shared<FleetFiguresCache>();
    router.Add({"GET", "/metrics", domain::Role::kViewer,
                [&services, &metrics, cache](Call&) { return Scrape(services, metrics, *cache); }});
}

}  // namespace waka::coordinator::api
