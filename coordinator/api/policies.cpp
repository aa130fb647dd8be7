#include <boost/json.hpp>
#include <memory>

#include "coordinator/api/json_input.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/policy/codec.hpp"
#include "coordinator/ports/policy_repository.hpp"
#include "shared/core/ids.hpp"

// Update-channel policies (docs/policies.md): the runbook's query form, a JSON form carrying every
// setting, and a partial PUT where an explicit null for a required field is a 422.
namespace waka::coordinator::api {
namespace {

constexpr std::size_t kMaxDescription = 1024;

using Record = domain::PolicyRecord;

boost::json::value OptionalTime(const std::optional<TimePoint>& t) {
    return t ? boost::json::value(FormatRfc3339(*t)) : boost::json::value(nullptr);
}

boost::json::object PolicyJson(const Record& record) {
    const policy::Policy& s = record.settings;
    return {{"id", record.id},
            {"instance_id", record.instance_id},
            {"policy_type", std::string(policy::ToString(s.type))},
            {"enabled", s.enabled},
            {"description", record.description},
            {"maintenance_windows", policy::WindowsToJson(s.windows)},
            {"approval", policy::ApprovalToJson(s.approval)},
            {"allow_security_patches", s.allow_security_patches},
            {"active", !record.superseded_at.has_value()},
            {"created_by", record.created_by},
            {"created_at", FormatRfc3339(record.created_at)},
            {"updated_at", FormatRfc3339(record.updated_at)},
            {"superseded_at", OptionalTime(record.superseded_at)}};
}

void AddErrors(std::vector<FieldError>& errors, const std::vector<policy::InvalidField>& found) {
    for (const auto& e : found) {
        errors.push_back({e.field, e.message});
    }
}

void SetType(std::string_view text, Record& record, std::vector<FieldError>& errors) {
    if (auto type = policy::ParsePolicyType(text)) {
        record.settings.type = *type;
    } else {
        errors.push_back({"policy_type", "must be auto_update, manual_approval or frozen"});
    }
}

void SetDescription(std::string text, Record& record, std::vector<FieldError>& errors) {
    if (text.size() > kMaxDescription) {
        errors.push_back({"description", "must be at most 1024 characters"});
        return;
    }
    record.description = std::move(text);
}

void SetInstance(std::string id, Record& record, std::vector<FieldError>& errors) {
    if (!IsValidId(id)) {
        errors.push_back({"instance_id", "must be 1-128 characters of [A-Za-z0-9._-]"});
        return;
    }
    record.instance_id = std::move(id);
}

// One member of a JSON body. Null is refused for every setting (it cannot mean "default" in a
// partial PUT without ambiguity); description null clears it.
void ApplyMember(std::string_view key, const boost::json::value& value, Record& record,
                 std::vector<FieldError>& errors) {
    const std::string field(key);
    if (value.is_null() && key != "description") {
        errors.push_back({field, "must not be null"});
        return;
    }
    std::vector<policy::InvalidField> found;
    if (key == "policy_type" || key == "instance_id") {
        if (!value.is_string()) {
            errors.push_back({field, "must be a string"});
        } else if (key == "policy_type") {
            SetType(value.as_string(), record, errors);
        } else {
            SetInstance(std::string(value.as_string()), record, errors);
        }
    } else if (key == "description") {
        if (!value.is_null() && !value.is_string()) {
            errors.push_back({field, "must be a string"});
        } else {
            SetDescription(value.is_null() ? "" : std::string(value.as_string()), record, errors);
        }
    } else if (key == "enabled" || key == "allow_security_patches") {
        if (!value.is_bool()) {
            errors.push_back({field, "must be true or false"});
        } else {
            (key == "enabled" ? record.settings.enabled : record.settings.allow_security_patches) =
                value.as_bool();
        }
    } else if (key == "maintenance_windows") {
        if (auto windows = policy::WindowsFromJson(value, field, found)) {
            record.settings.windows = std::move(*windows);
        }
    } else if (key == "approval") {
        if (auto approval = policy::ApprovalFromJson(value, field, found)) {
            record.settings.approval = std::move(*approval);
        }
    } else {
        errors.push_back({field, "unknown field"});
    }
    AddErrors(errors, found);
}

std::vector<FieldError> ApplyBody(const boost::json::object& body, Record& record) {
    std::vector<FieldError> errors;
    for (const auto& member : body) {
        ApplyMember(member.key(), member.value(), record, errors);
    }
    return errors;
}

// POST without a body: the runbook's form, every setting but type and description defaulted.
ApiExpected<Record> ParseQueryForm(const http::Request& request) {
    Record record;
    std::vector<FieldError> errors;
    const auto instance = request.Query("instance_id");
    const auto type = request.Query("policy_type");
    if (!instance) {
        errors.push_back({"instance_id", "is required"});
    } else {
        SetInstance(*instance, record, errors);
    }
    if (!type) {
        errors.push_back({"policy_type", "is required"});
    } else {
        SetType(*type, record, errors);
    }
    SetDescription(request.Query("description").value_or(""), record, errors);
    return Validated(std::move(record), std::move(errors));
}

ApiExpected<Record> ParseCreate(const http::Request& request) {
    auto body = ParseJsonObject(request.body);
    if (!body) {
        return body.error();
    }
    if (body->empty()) {
        return ParseQueryForm(request);
    }
    Record record;
    if (auto instance = request.Query("instance_id"); instance && !body->contains("instance_id")) {
        (*body)["instance_id"] = *instance;
    }
    std::vector<FieldError> errors = ApplyBody(*body, record);
    for (const char* required : {"instance_id", "policy_type"}) {
        if (!body->contains(required)) {
            errors.push_back({required, "is required"});
        }
    }
    return Validated(std::move(record), std::move(errors));
}

boost::asio::awaitable<http::Response> CreatePolicy(ports::PolicyRepository& policies, Call& call) {
    auto record = ParseCreate(call.request);
    if (!record) {
        co_return ToResponse(record.error());
    }
    auto created = co_await policies.Create(call.principal, std::move(*record));
    if (!created) {
        co_return ToResponse(FromError(created.error()));
    }
    co_return JsonResponse(201, PolicyJson(*created));
}

boost::asio::awaitable<http::Response> ListPolicies(ports::PolicyRepository& policies, Call& call) {
    std::string instance = call.request.Query("instance_id").value_or("");
    auto records = co_await policies.List(std::move(instance));
    if (!records) {
        co_return ToResponse(FromError(records.error()));
    }
    boost::json::array list;
    for (const auto& record : *records) {
        list.push_back(PolicyJson(record));
    }
    co_return JsonResponse(200, list);
}

boost::asio::awaitable<http::Response> GetPolicy(ports::PolicyRepository& policies, Call& call) {
    auto record = co_await policies.Get(call.Param("id"));
    if (!record) {
        co_return ToResponse(FromError(record.error()));
    }
    co_return JsonResponse(200, PolicyJson(*record));
}

boost::asio::awaitable<http::Response> UpdatePolicy(ports::PolicyRepository& policies, Call& call) {
    auto body = ParseJsonObject(call.request.body);
    if (!body) {
        co_return ToResponse(body.error());
    }
    auto current = co_await policies.Get(call.Param("id"));
    if (!current) {
        co_return ToResponse(FromError(current.error()));
    }
    Record record = *current;
    std::vector<FieldError> errors = ApplyBody(*body, record);
    if (record.instance_id != current->instance_id) {
        errors.push_back({"instance_id", "cannot change: create a policy for that instance"});
    }
    if (!errors.empty()) {
        co_return ToResponse(Invalid(std::move(errors)));
    }
    auto updated = co_await policies.Update(call.principal, std::move(record));
    if (!updated) {
        co_return ToResponse(FromError(updated.error()));
    }
    co_return JsonResponse(200, PolicyJson(*updated));
}

boost::asio::awaitable<http::Response> DeletePolicy(ports::PolicyRepository& policies, Call& call) {
    auto deleted = co_await policies.Delete(call.principal, call.Param("id"));
    if (!deleted) {
        co_return ToResponse(FromError(deleted.error()));
    }
    co_return NoContent();
}

}  // namespace

void AddPolicyRoutes(Router& router, Services& services) {
    // Shared by the handlers, which live as long as the router.
    auto policies = &services.context.repositories.policies;
    router.Add({"POST", "/api/v1/policies", domain::Role::kOperator,
                [policies](Call& call) { return CreatePolicy(*policies, call); }});
    router.Add({"GET", "/api/v1/policies", domain::Role::kViewer,
                [policies](Call& call) { return ListPolicies(*policies, call); }});
    router.Add({"GET", "/api/v1/policies/{id}", domain::Role::kViewer,
                [policies](Call& call) { return GetPolicy(*policies, call); }});
    router.Add({"PUT", "/api/v1/policies/{id}", domain::Role::kOperator,
                [policies](Call& call) { return UpdatePolicy(*policies, call); }});
    router.Add({"DELETE", "/api/v1/policies/{id}", domain::Role::kOperator,
                [policies](Call& call) { return DeletePolicy(*policies, call); }});
}

}  // namespace waka::coordinator::api
