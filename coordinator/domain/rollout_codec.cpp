#include "coordinator/domain/rollout_codec.hpp"

#include <boost/json.hpp>
#include <initializer_list>

namespace waka::coordinator::domain {
namespace {

namespace json = boost::json;

Error Invalid(const std::string& field, const std::string& problem) {
    return MakeError(Errc::kInvalidArgument, field + ": " + problem);
}

json::value AmountJson(const Amount& amount) {
    if (amount.percent) {
        return json::value(ToString(amount));
    }
    return json::value(static_cast<std::int64_t>(amount.value));
}

Expected<Amount> AmountFrom(const json::value& value, const std::string& field) {
    if (value.is_int64() || value.is_uint64()) {
        const double count = value.is_int64() ? static_cast<double>(value.as_int64())
                                              : static_cast<double>(value.as_uint64());
        if (count < 0 || count > 1e9) {
            return Invalid(field, "must be a count from 0 to 1000000000");
        }
        return Amount{false, count};
    }
    if (value.is_string()) {
        auto parsed = ParseAmount(value.as_string());
        if (!parsed) {
            return Invalid(field, parsed.error().message);
        }
        return *parsed;
    }
    return Invalid(field, "must be a count (3) or a percentage (\"25%\")");
}

Expected<void> OnlyKnown(const json::object& object, std::initializer_list<std::string_view> known,
                         const std::string& prefix) {
    for (const auto& [key, value] : object) {
        bool found = false;
        for (auto name : known) {
            found = found || key == name;
        }
        if (!found) {
            return Invalid(prefix + "." + std::string(key), "unknown field");
        }
    }
    return {};
}

Expected<std::int64_t> Minutes(const json::value& value, const std::string& field) {
    if (!value.is_int64() && !value.is_uint64()) {
        return Invalid(field, "must be a whole number of minutes");
    }
    if (value.is_uint64() && value.as_uint64() > 1000000) {
        return Invalid(field, "must be 0 to 10080 (7 days)");
    }
    return value.is_int64() ? value.as_int64() : static_cast<std::int64_t>(value.as_uint64());
}

Expected<RolloutPhase> PhaseFrom(const json::value& value, const std::string& field) {
    if (!value.is_object()) {
        return Invalid(field, "must be an object {name, count | percent, bake_minutes}");
    }
    const auto& object = value.as_object();
    if (auto known = OnlyKnown(object, {"name", "count", "percent", "bake_minutes"}, field);
        !known) {
        return known.error();
    }
    RolloutPhase phase;
    const auto* name = object.if_contains("name");
    if (name == nullptr || !name->is_string()) {
        return Invalid(field + ".name", "is required (a string)");
    }
    phase.name = std::string(name->as_string());
    const auto* count = object.if_contains("count");
    const auto* percent = object.if_contains("percent");
    if ((count == nullptr) == (percent == nullptr)) {
        return Invalid(field, "give exactly one of count and percent");
    }
    if (count != nullptr) {
        if (!count->is_int64() && !count->is_uint64()) {
            return Invalid(field + ".count", "must be a whole number");
        }
        auto amount = AmountFrom(*count, field + ".count");
        if (!amount) {
            return amount.error();
        }
        phase.reach = *amount;
    } else {
        if (!percent->is_number()) {
            return Invalid(field + ".percent", "must be a number from 0 to 100");
        }
        phase.reach = Amount{true, percent->to_number<double>()};
    }
    if (const auto* bake = object.if_contains("bake_minutes")) {
        auto minutes = Minutes(*bake, field + ".bake_minutes");
        if (!minutes) {
            return minutes.error();
        }
        phase.bake = std::chrono::minutes(*minutes);
    }
    return phase;
}

Expected<void> ReadOptional(const json::object& object, RolloutStrategy& strategy) {
    for (auto [name, target] : {std::pair{"max_concurrency", &strategy.max_concurrency},
                                std::pair{"max_failures", &strategy.max_failures}}) {
        if (const auto* value = object.if_contains(name)) {
            auto amount = AmountFrom(*value, std::string("strategy.") + name);
            if (!amount) {
                return amount.error();
            }
            *target = *amount;
        }
    }
    if (const auto* action = object.if_contains("on_failure")) {
        auto parsed = action->is_string() ? ParseFailureAction(action->as_string()) : std::nullopt;
        if (!parsed) {
            return Invalid("strategy.on_failure", "must be pause or revert");
        }
        strategy.on_failure = *parsed;
    }
    if (const auto* unreachable = object.if_contains("unreachable_minutes")) {
        auto minutes = Minutes(*unreachable, "strategy.unreachable_minutes");
        if (!minutes) {
            return minutes.error();
        }
        strategy.unreachable_after = std::chrono::minutes(*minutes);
    }
    return {};
}

}  // namespace

std::string StrategyToJson(const RolloutStrategy& strategy) {
    json::array phases;
    for (const auto& phase : strategy.phases) {
        json::object item{{"name", phase.name}, {"bake_minutes", phase.bake.count()}};
        if (phase.reach.percent) {
            item["percent"] = phase.reach.value;
        } else {
            item["count"] = static_cast<std::int64_t>(phase.reach.value);
        }
        phases.push_back(std::move(item));
    }
    json::object object{{"phases", std::move(phases)},
                        {"max_concurrency", AmountJson(strategy.max_concurrency)},
                        {"max_failures", AmountJson(strategy.max_failures)},
                        {"on_failure", ToString(strategy.on_failure)},
                        {"unreachable_minutes", strategy.unreachable_after.count()}};
    return json::serialize(object);
}

Expected<RolloutStrategy> StrategyFromJson(std::string_view text) {
    boost::system::error_code error;
    json::value value = json::parse(text, error);
    if (error || !value.is_object()) {
        return Invalid("strategy", "must be a JSON object");
    }
    const auto& object = value.as_object();
    if (auto known = OnlyKnown(
            object,
            {"phases", "max_concurrency", "max_failures", "on_failure", "unreachable_minutes"},
            "strategy");
        !known) {
        return known.error();
    }
    RolloutStrategy strategy;
    if (const auto* phases = object.if_contains("phases")) {
        if (!phases->is_array()) {
            return Invalid("strategy.phases", "must be a list of phases");
        }
        for (std::size_t i = 0; i < phases->as_array().size() && i <= 20; ++i) {
            auto phase =
                PhaseFrom(phases->as_array()[i], "strategy.phases[" + std::to_string(i) + "]");
            if (!phase) {
                return phase.error();
            }
            strategy.phases.push_back(std::move(*phase));
        }
    } else {
        strategy.phases = DefaultStrategy().phases;
    }
    if (auto read = ReadOptional(object, strategy); !read) {
        return read.error();
    }
    if (auto valid = ValidateStrategy(strategy); !valid) {
        return valid.error();
    }
    return strategy;
}

}  // namespace waka::coordinator::domain
