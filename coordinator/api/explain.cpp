#include <boost/json.hpp>
#include <memory>

#include "coordinator/api/problem.hpp"
#include "coordinator/api/routes.hpp"
#include "coordinator/deploy/deployment_service.hpp"
#include "coordinator/domain/resolution_rules.hpp"
#include "coordinator/policy/decision.hpp"
#include "coordinator/ports/policy_repository.hpp"

// GET /api/v1/instances/{id}/explain?component=suite:commerce (docs/resolution.md): the version
// an instance runs, the newest candidate, and what keeps the instance from it: a pin, a
// dependency, a quarantine (resolver::WhyNot), or its update channel (the active policy).
namespace waka::coordinator::api {
namespace {

struct ExplainRoutes {
    explicit ExplainRoutes(Services& shared)
        : resolution(shared.context.resolution), policies(shared.context.repositories.policies) {}

    deploy::ResolutionService& resolution;
    ports::PolicyRepository& policies;
};

ApiExpected<std::string> ParseComponent(const http::Request& request) {
    auto component = request.Query("component");
    if (!component || component->empty()) {
        return Invalid("component", "is required, as type:name (e.g. suite:commerce)");
    }
    const auto colon = component->find(':');
    const std::string type = component->substr(0, colon);
    if (colon == std::string::npos || colon + 1 == component->size() ||
        (type != "platform" && type != "suite" && type != "capability")) {
        return Invalid("component", "'" + *component +
                                        "' is not type:name with type platform, suite or "
                                        "capability (e.g. suite:commerce)");
    }
    return *component;
}

// The newest stable, non-pre-release release: what "latest" means.
std::optional<std::string> NewestStable(const resolver::IndexedComponent& component) {
    for (const auto& release : component.releases) {
        if (release.stable && !release.version.IsPrerelease()) {
            return release.version.ToString();
        }
    }
    return std::nullopt;
}

boost::json::value CurrentVersion(const domain::ResolutionContext& context,
                                  const std::string& key) {
    if (!context.current) {
        return nullptr;
    }
    auto components = domain::ManifestComponents(*context.current);
    auto found = components.find(key);
    return found == components.end() ? boost::json::value(nullptr)
                                     : boost::json::value(found->second);
}

void AddPinBlockers(const domain::ResolutionContext& context, const std::string& key,
                    boost::json::array& blockers) {
    for (const auto& pin : context.pins_in_force) {
        if (pin.component == key) {
            blockers.push_back({{"kind", "pin"},
                                {"pin_id", pin.id},
                                {"pinned_version", pin.pinned_version},
                                {"message", key + " is pinned to " + pin.pinned_version + " (" +
                                                pin.id + ": \"" + pin.reason + "\")"}});
        }
    }
    auto quarantined = context.quarantined.find(key);
    if (quarantined != context.quarantined.end()) {
        for (const auto& version : quarantined->second) {
            blockers.push_back(
                {{"kind", "quarantine"},
                 {"version", version},
                 {"message", key + " " + version + " is quarantined on this instance"}});
        }
    }
}

// The update channel never blocks a resolution, but it decides whether and when a newer version
// is rolled out (docs/design.md §4.1).
void AddChannelBlocker(const std::optional<domain::PolicyRecord>& policy,
                       boost::json::array& blockers) {
    if (!policy) {
        return;
    }
    const auto& settings = policy->settings;
    std::string message;
    if (!settings.enabled) {
        message = "the update channel (" + policy->id + ") is disabled";
    } else if (settings.type == policy::PolicyType::kFrozen) {
        message = "the instance's update channel is frozen (" + policy->id +
                  "): no operator deployment or auto-update starts";
    } else if (settings.type == policy::PolicyType::kManualApproval) {
        message = "the update channel needs approval (" + policy->id +
                  "): a newer version waits for approvers";
    } else {
        return;
    }
    blockers.push_back({{"kind", "channel"},
                        {"policy_id", policy->id},
                        {"policy_type", std::string(policy::ToString(settings.type))},
                        {"message", message}});
}

struct Explanation {
    boost::json::value candidate = nullptr;  // what a compile of "latest" would pick now
    boost::json::value chain = nullptr;      // why not the newest
};

Expected<Explanation> Explain(const domain::ResolutionContext& context, const std::string& key,
                              const std::optional<std::string>& newest) {
    auto constraints = domain::StateConstraints(context);
    constraints.try_emplace(key, "latest");
    const auto request = domain::MakeRequest(context, constraints);
    Explanation explanation;
    auto resolved = resolver::Resolve(*context.index, request);
    if (resolved) {
        explanation.candidate = boost::json::value(resolved->versions.at(key));
    } else if (!resolved.error().Is(Errc::kConflict)) {
        return resolved.error();
    }
    if (!newest) {
        return explanation;
    }
    auto why = resolver::WhyNot(*context.index, request, key, *newest);
    if (!why) {
        return why.error();
    }
    if (*why) {
        explanation.chain = boost::json::value(**why);
    }
    return explanation;
}

boost::asio::awaitable<http::Response> ExplainComponent(ExplainRoutes& routes, Call& call) {
    auto key = ParseComponent(call.request);
    if (!key) {
        co_return ToResponse(key.error());
    }
    std::string instance_id = call.Param("id");
    auto context = co_await routes.resolution.Load(instance_id);
    if (!context) {
        co_return ToResponse(FromError(context.error()));
    }
    auto at = context->index->Find(*key);
    if (!at) {
        co_return ToResponse(Invalid("component", *key + " is not in the catalog"));
    }
    auto policy = co_await routes.policies.Active(instance_id);
    if (!policy) {
        co_return ToResponse(FromError(policy.error()));
    }
    const auto newest = NewestStable(context->index->components[*at]);
    const domain::ResolutionContext& loaded = *context;
    const std::string& component = *key;
    auto explanation =
        co_await routes.resolution.Compute([&] { return Explain(loaded, component, newest); });
    if (!explanation) {
        co_return ToResponse(FromError(explanation.error()));
    }
    boost::json::array blockers;
    AddPinBlockers(*context, *key, blockers);
    AddChannelBlocker(*policy, blockers);
    const auto current = CurrentVersion(*context, *key);
    co_return JsonResponse(
        200, boost::json::object{
                 {"instance_id", instance_id},
                 {"component", *key},
                 {"current_version", current},
                 {"newest_version", newest ? boost::json::value(*newest) : nullptr},
                 {"candidate_version", explanation->candidate},
                 {"up_to_date", newest && current.is_string() && current.as_string() == *newest},
                 {"chain", explanation->chain},
                 {"blockers", std::move(blockers)}});
}

}  // namespace

void AddExplainRoutes(Router& router, Services& services) {
    auto routes = std::make_shared<ExplainRoutes>(services);
    router.Add({"GET", "/api/v1/instances/{id}/explain", domain::Role::kViewer,
                [routes](Call& call) { return ExplainComponent(*routes, call); }});
}

}  // namespace waka::coordinator::api
