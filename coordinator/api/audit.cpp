#include <boost/json/array.hpp>
#include <charconv>

#include "coordinator/api/json_output.hpp"
#include "coordinator/api/problem.hpp"
#include "coordinator/api/requests.hpp"
#include "coordinator/api/routes.hpp"

namespace waka::coordinator::api {
namespace {

std::optional<std::string> NonEmptyQuery(const http::Request& request, std::string_view name) {
    auto value = request.Query(name);
    if (value && value->empty()) {
        return std::nullopt;
    }
    return value;
}

ApiExpected<std::optional<TimePoint>> OptionalTime(const http::Request& request,
                                                   std::string_view name) {
    auto text = NonEmptyQuery(request, name);
    if (!text) {
        return std::optional<TimePoint>();
    }
    auto parsed = ParseTimestamp(name, *text);
    if (!parsed) {
        return parsed.error();
    }
    return std::optional<TimePoint>(*parsed);
}

ApiExpected<ports::AuditFilter> ParseAuditFilter(const http::Request& request) {
    auto page = ParsePage(request);
    if (!page) {
        return page.error();
    }
    ports::AuditFilter filter;
    filter.limit = page->limit;
    if (page->cursor) {
        std::int64_t seq = 0;
        const std::string& c = *page->cursor;
        auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(), seq);
        if (ec != std::errc() || end != c.data() + c.size() || seq < 0) {
            return Invalid("cursor", "must be the seq of the last entry of the previous page");
        }
        filter.after_seq = seq;
    }
    filter.instance_id = NonEmptyQuery(request, "instance_id");
    filter.actor = NonEmptyQuery(request, "actor");
    filter.action = NonEmptyQuery(request, "action");
    auto since = OptionalTime(request, "since");
    auto until = OptionalTime(request, "until");
    if (!since) {
        return since.error();
    }
    if (!until) {
        return until.error();
    }
    filter.since = *since;
    filter.until = *until;
    return filter;
}

boost::asio::awaitable<http::Response> ListAudit(Services& services, Call& call) {
    auto filter = ParseAuditFilter(call.request);
    if (!filter) {
        co_return ToResponse(filter.error());
    }
    std::size_t limit = filter->limit;
    auto entries = co_await services.audit.List(std::move(*filter));
    if (!entries) {
        co_return ToResponse(FromError(entries.error()));
    }
    boost::json::array list;
    for (const auto& entry : *entries) {
        list.push_back(AuditEntryJson(entry));
    }
    http::Response response = JsonResponse(200, list);
    AddNextCursor(response, entries->size(), limit,
                  entries->empty() ? std::string() : std::to_string(entries->back().seq));
    co_return response;
}

boost::asio::awaitable<http::Response> VerifyAudit(Services& services, Call&) {
    auto verification = co_await services.audit.Verify();
    if (!verification) {
        co_return ToResponse(FromError(verification.error()));
    }
    const auto& v = *verification;
    co_return JsonResponse(
        200,
        boost::json::object{{"ok", v.ok},
                            {"entries", v.entries},
                            {"first_bad_seq", v.first_bad_seq ? boost::json::value(*v.first_bad_seq)
                                                              : boost::json::value(nullptr)},
                            {"problem", v.problem}});
}

}  // namespace

void AddAuditRoutes(Router& router, Services& services) {
    router.Add({"GET", "/api/v1/audit", domain::Role::kViewer,
                [&services](Call& call) { return ListAudit(services, call); }});
    router.Add({"GET", "/api/v1/audit/verify", domain::Role::kViewer,
                [&services](Call& call) { return VerifyAudit(services, call); }});
}

}  // namespace waka::coordinator::api
