#include <boost/json.hpp>
#include <memory>
#include <regex>

#include "coordinator/api/json_input.hpp"
#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/api/semver_rules.hpp"
#include "coordinator/deploy/patch_service.hpp"
#include "coordinator/deploy/task_group.hpp"
#include "coordinator/domain/patch_registration.hpp"
#include "coordinator/policy/decision.hpp"
#include "coordinator/ports/patch_repository.hpp"
#include "shared/core/ids.hpp"
#include "shared/semver/range.hpp"

// The security patch catalog (docs/patches-and-rollback.md): register, list, critical, one.
namespace waka::coordinator::api {
namespace {

constexpr std::size_t kMaxDescription = 65536;
constexpr std::size_t kMaxCves = 100;

boost::json::array StringsJson(const std::vector<std::string>& items) {
    boost::json::array array;
    for (const auto& item : items) {
        array.emplace_back(item);
    }
    return array;
}

// The prototype's SecurityPatch fields, then who registered it and when.
boost::json::object PatchJson(const domain::SecurityPatch& p) {
    return {{"id", p.id},
            {"patch_id", p.id},
            {"cve_ids", StringsJson(p.cve_ids)},
            {"component_type", p.component_type},
            {"component_name", p.component_name},
            {"affected_versions", p.affected_versions},
            {"patched_version", p.patched_version},
            {"severity", p.severity},
            {"description", p.description},
            {"release_date", FormatRfc3339(p.release_date)},
            {"is_mandatory", p.severity == "critical"},
            {"metadata", StoredJson(p.metadata_json)},
            {"created_by", p.created_by},
            {"created_at", FormatRfc3339(p.created_at)}};
}

bool IsCveId(const std::string& text) {
    static const std::regex kCve("CVE-[0-9]{4}-[0-9]{4,}");
    return std::regex_match(text, kCve);
}

// cve_ids is read here (ObjectReader has no list reader): a list of "CVE-YYYY-NNNN" strings.
std::vector<std::string> ReadCves(boost::json::object& object, std::vector<FieldError>& errors) {
    std::vector<std::string> cves;
    const auto* value = object.if_contains("cve_ids");
    if (value == nullptr || value->is_null()) {
        object.erase("cve_ids");
        return cves;
    }
    if (!value->is_array() || value->as_array().size() > kMaxCves) {
        errors.push_back({"cve_ids", "must be a list of at most 100 CVE ids"});
    } else {
        for (const auto& item : value->as_array()) {
            if (!item.is_string() || !IsCveId(std::string(item.as_string()))) {
                errors.push_back({"cve_ids", "every entry must be a CVE id like CVE-2026-12345"});
                break;
            }
            cves.emplace_back(item.as_string());
        }
    }
    object.erase("cve_ids");
    return cves;
}

// The affected range must parse, and the patched version must lie outside it: a fix that is
// itself affected would be applied forever.
void CheckVersions(ObjectReader& reader, const std::optional<std::string>& range,
                   const std::optional<std::string>& patched) {
    if (range) {
        if (auto problem = CheckSemVerRange(*range)) {
            reader.Fail("affected_versions", "is not a version range: " + *problem);
            return;
        }
    }
    if (patched && !IsStrictSemVer(*patched)) {
        reader.Fail("patched_version", "'" + *patched + "' is not a semantic version (e.g. 1.5.1)");
        return;
    }
    if (range && patched) {
        auto inside = semver::Satisfies(*patched, *range);
        if (inside && *inside) {
            reader.Fail("patched_version",
                        *patched + " is inside the affected range '" + *range + "'");
        }
    }
}

void ReadComponent(ObjectReader& reader, domain::SecurityPatch& patch) {
    auto type = reader.String("component_type", true);
    auto name = reader.String("component_name", true);
    if (type && !IsComponentType(*type)) {
        reader.Fail("component_type", "must be one of platform, suite, capability");
    }
    if (name && !IsValidId(*name)) {
        reader.Fail("component_name", "is not a valid component name");
    }
    patch.component_type = type.value_or("");
    patch.component_name = name.value_or("");
}

void ReadIdAndSeverity(ObjectReader& reader, domain::SecurityPatch& patch) {
    auto id = reader.String("patch_id");
    auto alias = reader.String("id");
    if (id && alias && *id != *alias) {
        reader.Fail("patch_id", "give either patch_id or id, not two different values");
    }
    if (!id && !alias) {
        reader.Fail("patch_id", "is required");
    }
    patch.id = id ? *id : alias.value_or("");
    if (!patch.id.empty() && !IsValidId(patch.id)) {
        reader.Fail("patch_id", "must be 1-128 characters of [A-Za-z0-9._-]");
    }
    auto severity = reader.String("severity", true);
    if (severity && !policy::ParseSeverity(*severity)) {
        reader.Fail("severity", "must be one of critical, high, medium, low");
    }
    patch.severity = severity.value_or("");
}

void ReadText(ObjectReader& reader, domain::SecurityPatch& patch, TimePoint now) {
    patch.description = reader.String("description").value_or("");
    if (patch.description.size() > kMaxDescription) {
        reader.Fail("description", "is longer than 65536 bytes");
    }
    patch.release_date = now;
    if (auto date = reader.String("release_date")) {
        auto parsed = ParseRfc3339(*date);
        if (!parsed) {
            reader.Fail("release_date", "must be an RFC 3339 timestamp with a time zone");
        } else {
            patch.release_date = *parsed;
        }
    }
    if (const auto* metadata = reader.Object("metadata")) {
        patch.metadata_json = boost::json::serialize(*metadata);
    }
}

ApiExpected<domain::SecurityPatch> ParsePatch(std::string_view body, TimePoint now) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    std::vector<FieldError> cve_errors;
    domain::SecurityPatch patch;
    patch.cve_ids = ReadCves(*object, cve_errors);
    ObjectReader reader(*object);
    for (auto& error : cve_errors) {
        reader.Fail(error.field, std::move(error.message));
    }
    ReadIdAndSeverity(reader, patch);
    ReadComponent(reader, patch);
    auto range = reader.String("affected_versions", true);
    auto patched = reader.String("patched_version", true);
    CheckVersions(reader, range, patched);
    patch.affected_versions = range.value_or("");
    patch.patched_version = patched.value_or("");
    if (auto refusal = domain::CheckPatchedAboveAffected(patch)) {
        reader.Fail("patched_version", std::move(*refusal));
    }
    ReadText(reader, patch, now);
    return Validated(std::move(patch), reader.Finish());
}

ApiExpected<ports::PatchFilter> ParsePatchFilter(const http::Request& request) {
    auto page = ParsePage(request);
    if (!page) {
        return page.error();
    }
    ports::PatchFilter filter;
    filter.limit = page->limit;
    filter.cursor = page->cursor;
    std::vector<FieldError> errors;
    if (auto type = request.Query("component_type"); type && !type->empty()) {
        if (!IsComponentType(*type)) {
            errors.push_back({"component_type", "must be one of platform, suite, capability"});
        }
        filter.component_type = std::move(*type);
    }
    if (auto name = request.Query("component_name"); name && !name->empty()) {
        filter.component_name = std::move(*name);
    }
    if (auto severity = request.Query("severity"); severity && !severity->empty()) {
        if (!policy::ParseSeverity(*severity)) {
            errors.push_back({"severity", "must be one of critical, high, medium, low"});
        }
        filter.severity = std::move(*severity);
    }
    return Validated(std::move(filter), std::move(errors));
}

boost::asio::awaitable<http::Response> CreatePatch(Services& services,
                                                   ports::PatchRepository& patches, Call& call) {
    auto patch = ParsePatch(call.request.body, services.context.clock.Now());
    if (!patch) {
        co_return ToResponse(patch.error());
    }
    // The route lets operators in; the severity, known only from the body, may need more.
    if (auto refusal = domain::CheckRegistrationRole(patch->severity, call.principal)) {
        co_return ToResponse(Forbidden(std::move(*refusal)));
    }
    auto created = co_await patches.Create(call.principal, std::move(*patch));
    if (!created) {
        co_return ToResponse(FromError(created.error()));
    }
    // Enforcement runs on its own: the answer does not wait for the fleet.
    services.context.background.Spawn(
        [&services, patch_id = created->id] { return services.context.patches.Enforce(patch_id); });
    co_return JsonResponse(201, PatchJson(*created));
}

boost::asio::awaitable<http::Response> AnswerList(ports::PatchRepository& patches,
                                                  ports::PatchFilter filter) {
    const std::size_t limit = filter.limit;
    auto list = co_await patches.List(std::move(filter));
    if (!list) {
        co_return ToResponse(FromError(list.error()));
    }
    boost::json::array array;
    for (const auto& patch : *list) {
        array.push_back(PatchJson(patch));
    }
    http::Response response = JsonResponse(200, array);
    AddNextCursor(response, list->size(), limit, list->empty() ? "" : list->back().id);
    co_return response;
}

boost::asio::awaitable<http::Response> ListPatches(ports::PatchRepository& patches, Call& call) {
    auto filter = ParsePatchFilter(call.request);
    if (!filter) {
        co_return ToResponse(filter.error());
    }
    co_return co_await AnswerList(patches, std::move(*filter));
}

boost::asio::awaitable<http::Response> ListCritical(ports::PatchRepository& patches, Call& call) {
    auto filter = ParsePatchFilter(call.request);
    if (!filter) {
        co_return ToResponse(filter.error());
    }
    filter->severity = "critical";
    co_return co_await AnswerList(patches, std::move(*filter));
}

boost::asio::awaitable<http::Response> GetPatch(ports::PatchRepository& patches, Call& call) {
    auto patch = co_await patches.Get(call.Param("id"));
    if (!patch) {
        co_return ToResponse(FromError(patch.error()));
    }
    co_return JsonResponse(200, PatchJson(*patch));
}

std::string_view FitName(domain::PatchFit fit) {
    switch (fit) {
        case domain::PatchFit::kAffected:
            return "affected";
        case domain::PatchFit::kNotInstalled:
            return "not_installed";
        case domain::PatchFit::kNotAffected:
            return "not_affected";
        case domain::PatchFit::kWouldDowngrade:
            return "would_downgrade";
        case domain::PatchFit::kAlreadyPatched:
            break;
    }
    return "already_patched";
}

// Not affected: "skipped"; already patched: "applied"; otherwise the deployment's status mapped to
// the prototype's strings (domain::PatchApplicationStatus).
std::string ApplicationStatus(const deploy::ApplyPatchOutcome& outcome) {
    if (outcome.deployment) {
        return std::string(domain::PatchApplicationStatus(outcome.deployment->deployment.status));
    }
    return outcome.check.fit == domain::PatchFit::kAlreadyPatched ? "applied" : "skipped";
}

// The prototype's PatchApplicationResponse fields, then the plan behind them.
boost::json::object ApplicationJson(const std::string& instance_id,
                                    const deploy::ApplyPatchOutcome& outcome) {
    const auto& patch = outcome.patch;
    const domain::Deployment* d = outcome.deployment ? &outcome.deployment->deployment : nullptr;
    boost::json::object out{
        {"id", d ? boost::json::value(d->id) : nullptr},
        {"instance_id", instance_id},
        {"patch_id", patch.id},
        {"status", ApplicationStatus(outcome)},
        {"applied_at", d && d->status == domain::DeploymentStatus::kDeployed
                           ? TimeJson(d->completed_at)
                           : nullptr},
        {"error_message", d && d->error_message ? boost::json::value(*d->error_message) : nullptr},
        {"severity", patch.severity},
        {"component_type", patch.component_type},
        {"component_name", patch.component_name},
        {"installed_version", outcome.check.installed_version.empty()
                                  ? boost::json::value(nullptr)
                                  : boost::json::value(outcome.check.installed_version)},
        {"patched_version", patch.patched_version},
        {"applicability", std::string(FitName(outcome.check.fit))},
        {"detail", outcome.check.detail},
        {"deployment_id", d ? boost::json::value(d->id) : nullptr},
        {"deployment_status", d ? boost::json::value(domain::ToString(d->status)) : nullptr},
        {"decision",
         outcome.deployment ? boost::json::value(outcome.deployment->decision) : nullptr},
        {"manifest_id", outcome.manifest ? boost::json::value(outcome.manifest->id) : nullptr},
        {"from_manifest_id",
         d && d->previous_manifest_id ? boost::json::value(*d->previous_manifest_id) : nullptr}};
    if (d != nullptr) {
        auto full = DeploymentJson(*d);
        out["plan"] = full["plan"];
        out["events"] = full["events"];
    }
    if (outcome.manifest) {
        out["manifest"] = ManifestJson(*outcome.manifest);
    }
    return out;
}

void ReadInstance(ObjectReader& reader, const http::Request& request, std::string& instance_id) {
    auto query_id = request.Query("instance_id");
    auto body_id = reader.String("instance_id");
    if (query_id && body_id && *query_id != *body_id) {
        reader.Fail("instance_id", "the query and the body name different instances");
    }
    auto id = query_id ? query_id : body_id;
    if (!id) {
        reader.Fail("instance_id", "is required (query parameter instance_id)");
    } else if (!IsValidId(*id)) {
        reader.Fail("instance_id", "is not a valid instance id");
    }
    instance_id = id.value_or("");
}

// The runbook's form: instance_id in the query, {patch_id, dry_run, force} in the body (+ reason).
ApiExpected<deploy::ApplyPatchRequest> ParseApply(const http::Request& request) {
    auto object = ParseJsonObject(request.body);
    if (!object) {
        return object.error();
    }
    ObjectReader reader(*object);
    deploy::ApplyPatchRequest apply;
    ReadInstance(reader, request, apply.instance_id);
    auto patch_id = reader.String("patch_id", true);
    if (patch_id && !IsValidId(*patch_id)) {
        reader.Fail("patch_id", "is not a valid patch id");
    }
    apply.patch_id = patch_id.value_or("");
    apply.dry_run = reader.Bool("dry_run").value_or(false);
    apply.force = reader.Bool("force").value_or(false);
    apply.reason = reader.String("reason").value_or("");
    if (apply.reason.size() > kMaxDescription) {
        reader.Fail("reason", "is longer than 65536 bytes");
    }
    if (apply.force && apply.reason.find_first_not_of(" \t\r\n") == std::string::npos) {
        reader.Fail("reason", "is required when force is true");
    }
    return Validated(std::move(apply), reader.Finish());
}

boost::asio::awaitable<http::Response> ApplyPatch(Services& services, Call& call) {
    auto request = ParseApply(call.request);
    if (!request) {
        co_return ToResponse(request.error());
    }
    if (request->force && call.principal.role != domain::Role::kAdmin) {
        co_return ToResponse(
            Forbidden("force needs the admin role; " + call.principal.actor + " has the " +
                      std::string(domain::RoleName(call.principal.role)) + " role"));
    }
    auto outcome = co_await services.context.patches.ApplyPatch(call.principal, *request);
    if (!outcome) {
        co_return ToResponse(FromError(outcome.error()));
    }
    boost::json::object body = ApplicationJson(request->instance_id, *outcome);
    const bool created = outcome->deployment && !outcome->deployment->dry_run;
    if (request->dry_run) {
        body["dry_run"] = true;
    }
    co_return JsonResponse(created ? 201 : 200, body);
}

}  // namespace

void AddPatchRoutes(Router& router, Services& services) {
    // Shared by the handlers, which live as long as the router.
    auto patches = &services.context.repositories.patches;
    router.Add(
        {"POST", "/api/v1/security/patches", domain::Role::kPublisher,
         [&services, patches](Call& call) { return CreatePatch(services, *patches, call); }});
    router.Add({"GET", "/api/v1/security/patches", domain::Role::kViewer,
                [patches](Call& call) { return ListPatches(*patches, call); }});
    router.Add({"GET", "/api/v1/security/patches/critical", domain::Role::kViewer,
                [patches](Call& call) { return ListCritical(*patches, call); }});
    router.Add({"POST", "/api/v1/security/patches/apply", domain::Role::kOperator,
                [&services](Call& call) { return ApplyPatch(services, call); }});
    router.Add({"GET", "/api/v1/security/patches/{id}", domain::Role::kViewer,
                [patches](Call& call) { return GetPatch(*patches, call); }});
}

}  // namespace waka::coordinator::api
