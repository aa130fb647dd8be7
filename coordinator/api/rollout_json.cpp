#include "coordinator/api/rollout_json.hpp"

#include <boost/json.hpp>

#include "coordinator/api/compile_input.hpp"
#include "coordinator/api/json_input.hpp"
#include "coordinator/api/json_output.hpp"
#include "coordinator/domain/deployment_status.hpp"
#include "coordinator/domain/rollout_codec.hpp"
#include "shared/core/ids.hpp"

namespace waka::coordinator::api {
namespace {

constexpr std::size_t kMaxExplicit = 10000;
constexpr std::size_t kMaxReason = 1024;

// instance_ids is read here (ObjectReader has no list reader): a list of instance ids.
std::vector<std::string> ReadIds(boost::json::object& object, std::vector<FieldError>& errors) {
    std::vector<std::string> ids;
    const auto* value = object.if_contains("instance_ids");
    if (value != nullptr && !value->is_null()) {
        if (!value->is_array() || value->as_array().size() > kMaxExplicit) {
            errors.push_back({"instance_ids", "must be a list of at most 10000 instance ids"});
        } else {
            for (const auto& item : value->as_array()) {
                if (!item.is_string() || !IsValidId(item.as_string())) {
                    errors.push_back({"instance_ids", "every entry must be an instance id"});
                    break;
                }
                ids.emplace_back(item.as_string());
            }
        }
    }
    object.erase("instance_ids");
    return ids;
}

// The strategy is handed to the one codec the stored column uses, so both read it alike.
std::optional<domain::RolloutStrategy> ReadStrategy(boost::json::object& object,
                                                    std::vector<FieldError>& errors) {
    const auto* value = object.if_contains("strategy");
    std::optional<domain::RolloutStrategy> strategy = domain::DefaultStrategy();
    if (value != nullptr && !value->is_null()) {
        auto parsed = domain::StrategyFromJson(boost::json::serialize(*value));
        if (parsed) {
            strategy = std::move(*parsed);
        } else {
            const auto& message = parsed.error().message;
            const auto colon = message.find(": ");
            errors.push_back(colon == std::string::npos
                                 ? FieldError{"strategy", message}
                                 : FieldError{message.substr(0, colon), message.substr(colon + 2)});
            strategy.reset();
        }
    }
    object.erase("strategy");
    return strategy;
}

boost::json::object PhaseJson(const domain::RolloutPhase& phase, const domain::PhaseCounts& counts,
                              std::size_t index, std::size_t current) {
    boost::json::object body{{"index", index},
                             {"name", phase.name},
                             {"reach", domain::ToString(phase.reach)},
                             {"bake_minutes", phase.bake.count()},
                             {"current", index == current},
                             {"members", counts.Total()}};
    for (auto status : domain::AllMemberStatuses()) {
        body[domain::ToString(status)] = counts.Of(status);
    }
    return body;
}

boost::json::object MemberJson(const ports::RolloutMember& member) {
    boost::json::object body{{"instance_id", member.instance_id},
                             {"phase", member.phase},
                             {"status", domain::ToString(member.status)},
                             {"deployment_id", nullptr},
                             {"deployment_status", nullptr},
                             {"previous_manifest_id", nullptr},
                             {"revert_deployment_id", nullptr}};
    if (member.deployment_id) {
        body["deployment_id"] = *member.deployment_id;
    }
    if (member.deployment_status) {
        body["deployment_status"] = domain::ToString(*member.deployment_status);
    }
    if (member.previous_manifest_id) {
        body["previous_manifest_id"] = *member.previous_manifest_id;
    }
    if (member.revert_deployment_id) {
        body["revert_deployment_id"] = *member.revert_deployment_id;
    }
    if (!member.reason.empty()) {
        body["reason"] = member.reason;
    }
    return body;
}

}  // namespace

namespace {

// What both rollout bodies share: the members and the strategy, and why.
struct RolloutBody {
    std::optional<domain::Selector> selector;
    std::vector<std::string> instance_ids;
    std::optional<domain::RolloutStrategy> strategy;  // none when malformed, or not given
    bool strategy_given = false;
    std::string reason;
};

// Reads the shared fields; `extra` reads the rest before the reader finishes.
template <class Extra>
ApiExpected<RolloutBody> ReadBody(std::string_view body, Extra extra) {
    auto object = ParseJsonObject(body);
    if (!object) {
        return object.error();
    }
    std::vector<FieldError> errors;
    RolloutBody read;
    read.instance_ids = ReadIds(*object, errors);
    read.strategy_given = object->contains("strategy") && !object->at("strategy").is_null();
    read.strategy = ReadStrategy(*object, errors);
    ObjectReader reader(*object);
    extra(reader);
    if (auto selector = reader.String("selector"); selector && !selector->empty()) {
        auto parsed = domain::ParseSelector(*selector);
        if (parsed) {
            read.selector = std::move(*parsed);
        } else {
            reader.Fail("selector", parsed.error().message);
        }
    }
    read.reason = reader.String("reason").value_or("");
    if (read.reason.size() > kMaxReason) {
        reader.Fail("reason", "must be at most 1024 characters");
    }
    for (auto& error : reader.Finish()) {
        errors.push_back(std::move(error));
    }
    return Validated(std::move(read), std::move(errors));
}

}  // namespace

ApiExpected<deploy::CreateRolloutRequest> ParseRolloutRequest(std::string_view body) {
    deploy::CreateRolloutRequest request;
    auto read = ReadBody(body, [&](ObjectReader& reader) {
        request.manifest_id = reader.String("manifest_id").value_or("");
        if (const auto* constraints = reader.Object("constraints")) {
            ObjectReader nested(*constraints, "constraints");
            request.constraints.emplace();
            ReadCompileTarget(nested, *request.constraints);
            for (auto& error : nested.Finish()) {
                reader.Fail(error.field, std::move(error.message));
            }
        }
        if (request.manifest_id.empty() == !request.constraints) {
            reader.Fail("manifest_id",
                        "give manifest_id (one manifest for every member) or constraints "
                        "(compiled per member against its own pins), not both");
        }
    });
    if (!read) {
        return read.error();
    }
    if (!read->selector && read->instance_ids.empty()) {
        return Invalid("selector", "give a selector, instance_ids, or both");
    }
    request.selector = std::move(read->selector);
    request.instance_ids = std::move(read->instance_ids);
    request.strategy = read->strategy.value_or(domain::DefaultStrategy());
    request.reason = std::move(read->reason);
    return request;
}

ApiExpected<deploy::PatchRolloutRequest> ParsePatchRolloutRequest(std::string_view body,
                                                                  std::string patch_id) {
    auto read = ReadBody(body, [](ObjectReader& reader) {
        if (reader.String("manifest_id")) {
            reader.Fail("manifest_id",
                        "a patch rollout has no manifest: each member gets the patch applied to "
                        "its own current manifest");
        }
    });
    if (!read) {
        return read.error();
    }
    deploy::PatchRolloutRequest request;
    request.patch_id = std::move(patch_id);
    request.selector = std::move(read->selector);
    request.instance_ids = std::move(read->instance_ids);
    if (read->strategy_given) {
        request.strategy = std::move(read->strategy);
    }
    request.reason = std::move(read->reason);
    return request;
}

ApiError RolloutError(const Error& error) {
    const auto colon = error.message.find(": ");
    if (error.Is(Errc::kInvalidArgument) && colon != std::string::npos &&
        error.message.find(' ') > colon) {
        return Invalid(error.message.substr(0, colon), error.message.substr(colon + 2));
    }
    return FromError(error);
}

boost::json::object RolloutJson(const ports::Rollout& rollout) {
    boost::json::array phases;
    domain::PhaseCounts totals;
    for (std::size_t i = 0; i < rollout.strategy.phases.size() && i < rollout.phases.size(); ++i) {
        phases.push_back(
            PhaseJson(rollout.strategy.phases[i], rollout.phases[i], i, rollout.current_phase));
        totals += rollout.phases[i];
    }
    boost::json::array ids;
    for (const auto& id : rollout.instance_ids) {
        ids.emplace_back(id);
    }
    boost::json::object body{
        {"id", rollout.id},
        {"state", domain::ToString(rollout.state)},
        {"manifest_id", rollout.manifest_id.empty() ? boost::json::value(nullptr)
                                                    : boost::json::value(rollout.manifest_id)},
        {"patch_id",
         rollout.patch_id ? boost::json::value(*rollout.patch_id) : boost::json::value(nullptr)},
        {"enforced", rollout.enforced},
        {"constraints", rollout.constraints
                            ? boost::json::parse(domain::CompileTargetToJson(*rollout.constraints))
                            : boost::json::value(nullptr)},
        {"selector", rollout.selector},
        {"instance_ids", std::move(ids)},
        {"strategy", boost::json::parse(domain::StrategyToJson(rollout.strategy))},
        {"reason", rollout.reason},
        {"current_phase", rollout.current_phase},
        {"phase_started_at", TimeJson(rollout.phase_started_at)},
        {"phase_finished_at", TimeJson(rollout.phase_finished_at)},
        {"state_reason", rollout.state_reason},
        {"created_by", rollout.created_by},
        {"created_at", TimeJson(rollout.created_at)},
        {"updated_at", TimeJson(rollout.updated_at)},
        {"finished_at", TimeJson(rollout.finished_at)},
        {"member_count", rollout.member_count},
        {"phases", std::move(phases)},
        {"totals", PhaseJson(domain::RolloutPhase{"all", {true, 100}, {}}, totals, 0, 1)}};
    if (!rollout.events.empty()) {
        boost::json::array events;
        for (const auto& event : rollout.events) {
            events.push_back({{"at", TimeJson(event.at)},
                              {"state", domain::ToString(event.state)},
                              {"phase", event.phase},
                              {"message", event.message}});
        }
        body["events"] = std::move(events);
    }
    if (!rollout.members.empty()) {
        boost::json::array members;
        for (const auto& member : rollout.members) {
            members.push_back(MemberJson(member));
        }
        body["members"] = std::move(members);
    }
    return body;
}

}  // namespace waka::coordinator::api
