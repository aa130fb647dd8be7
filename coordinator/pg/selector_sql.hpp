#pragma once

#include <string>
#include <string_view>

#include "coordinator/domain/selector.hpp"

// Label selectors evaluated by PostgreSQL without dynamic SQL (ADR 0036): the selector travels as
// one JSONB parameter and one static condition walks it, so a query's text never depends on what
// an operator typed. Same semantics as domain::Matches.
namespace waka::coordinator::pg {

// JSON text of the selector's requirements, for one query parameter:
// [{"key":..,"op":"in|notin|exists|notexists","values":[..]}]. An empty selector is "[]".
[[nodiscard]] std::string SelectorParam(const domain::Selector& selector);

// A boolean SQL condition true when the instance row aliased `alias` (a trusted identifier written
// in code, never input) matches the selector passed as parameter $<param> (::jsonb). Uses
// jsonb_array_elements over the parameter, so one static query serves any selector.
[[nodiscard]] std::string SelectorCondition(std::string_view alias, int param);

}  // namespace waka::coordinator::pg
