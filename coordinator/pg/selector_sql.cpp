#include "coordinator/pg/selector_sql.hpp"

#include <boost/json.hpp>

namespace waka::coordinator::pg {
namespace {

std::string_view OpText(domain::SelectorOp op) {
    switch (op) {
        case domain::SelectorOp::kIn:
            return "in";
        case domain::SelectorOp::kNotIn:
            return "notin";
        case domain::SelectorOp::kExists:
            return "exists";
        case domain::SelectorOp::kNotExists:
            return "notexists";
    }
    return "";
}

}  // namespace

std::string SelectorParam(const domain::Selector& selector) {
    boost::json::array requirements;
    for (const auto& requirement : selector.requirements) {
        boost::json::array values;
        for (const auto& value : requirement.values) {
            values.emplace_back(value);
        }
        requirements.push_back(boost::json::object{{"key", requirement.key},
                                                   {"op", OpText(requirement.op)},
                                                   {"values", std::move(values)}});
    }
    return boost::json::serialize(requirements);
}

std::string SelectorCondition(std::string_view alias, int param) {
    const std::string labels = std::string(alias) + ".labels";
    const std::string value = "(" + labels + "->>(r->>'key'))";
    const std::string listed = "(SELECT jsonb_array_elements_text(r->'values'))";
    // An unknown op matches nothing, so a malformed parameter selects no instance. A missing key
    // makes IN and NOT IN null: COALESCE gives them the Kubernetes answers (false, true).
    return "NOT EXISTS (SELECT 1 FROM jsonb_array_elements($" + std::to_string(param) +
           "::jsonb) AS r WHERE NOT (CASE r->>'op' WHEN 'in' THEN COALESCE(" + value + " IN " +
           listed + ", false) WHEN 'notin' THEN COALESCE(" + value + " NOT IN " + listed +
           ", true) WHEN 'exists' THEN " + labels + " ? (r->>'key') WHEN 'notexists' THEN NOT (" +
           labels + " ? (r->>'key')) ELSE false END))";
}

}  // namespace waka::coordinator::pg
