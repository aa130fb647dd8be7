#include "agent/model/operation.hpp"

#include <array>
#include <utility>

namespace waka::agent::model {
namespace {

constexpr std::array<std::pair<Outcome, std::string_view>, 3> kOutcomeNames{{
    {Outcome::kSucceeded, "succeeded"},
    {Outcome::kFailed, "failed"},
    {Outcome::kRolledBack, "rolled_back"},
}};

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
    for (const auto& [o, name] : kOutcomeNames) {
        if (o == outcome) {
            return name;
        }
    }
    return "failed";
}

std::optional<Outcome> ParseOutcome(std::string_view name) {
    for (const auto& [o, n] : kOutcomeNames) {
        if (n == name) {
            return o;
        }
    }
    return std::nullopt;
}

}  // namespace waka::agent::model
