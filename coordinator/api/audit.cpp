#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
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
    const auto or_null = [](const std::optional<std::int64_t>& seq) {
        return seq ? boost::json::value(*seq) : boost::json::value(nullptr);
    };
    co_return JsonResponse(200, boost::json::object{{"ok", v.ok},
                                                    {"entries", v.entries},
                                                    {"first_bad_seq", or_null(v.first_bad_seq)},
                                                    {"problem", v.problem},
                                                    {"keyed_from_seq", or_null(v.keyed_from_seq)},
                                                    {"head_seq", v.head_seq},
                                                    {"head_hash", v.head_hash}});
}

// GET /api/v1/audit/export: entries after since_seq (exclusive) in seq order, one JSON object a
// line, then one line with the chain head read in the same snapshot (ADR 0028).
constexpr std::size_t kDefaultExportLimit = 1000;
constexpr std::size_t kMaxExportLimit = 10000;

ApiExpected<std::int64_t> ParseSinceSeq(const http::Request& request) {
    const auto text = request.Query("since_seq");
    if (!text || text->empty()) {
        return ApiExpected<std::int64_t>(boost::system::in_place_value, 0);
    }
    std::int64_t seq = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), seq);
    if (ec != std::errc() || end != text->data() + text->size() || seq < 0) {
        return Invalid("since_seq",
                       "must be a whole number of 0 or more (the last seq already archived; 0 "
                       "exports from the first entry), not '" +
                           *text + "'");
    }
    return ApiExpected<std::int64_t>(boost::system::in_place_value, seq);
}

ApiExpected<std::size_t> ParseExportLimit(const http::Request& request) {
    const auto text = request.Query("limit");
    if (!text) {
        return ApiExpected<std::size_t>(boost::system::in_place_value, kDefaultExportLimit);
    }
    std::size_t limit = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || end != text->data() + text->size() || text->empty() || limit < 1 ||
        limit > kMaxExportLimit) {
        return Invalid("limit", "must be an integer from 1 to 10000");
    }
    return ApiExpected<std::size_t>(boost::system::in_place_value, limit);
}

// An entry as archived: what GET /audit answers, plus what recomputing its hash needs.
std::string ExportLine(const domain::AuditEntry& entry) {
    boost::json::object line = AuditEntryJson(entry);
    line["details_text"] = entry.draft.details_json;
    line["prev_hash"] = entry.prev_hash;
    line["key_id"] = entry.key_id;
    return boost::json::serialize(line) + "\n";
}

boost::asio::awaitable<http::Response> ExportAudit(Services& services, Call& call) {
    auto since_seq = ParseSinceSeq(call.request);
    if (!since_seq) {
        co_return ToResponse(since_seq.error());
    }
    auto limit = ParseExportLimit(call.request);
    if (!limit) {
        co_return ToResponse(limit.error());
    }
    auto page = co_await services.audit.Export(*since_seq, *limit);
    if (!page) {
        co_return ToResponse(FromError(page.error()));
    }
    http::Response response;
    response.content_type = "application/x-ndjson";
    for (const auto& entry : page->entries) {
        response.body += ExportLine(entry);
    }
    const std::int64_t last = page->entries.empty() ? *since_seq : page->entries.back().seq;
    const bool complete = last >= page->head_seq;
    boost::json::object head{{"seq", page->head_seq}, {"hash", page->head_hash}};
    response.body += boost::json::serialize(boost::json::object{{"chain_head", std::move(head)},
                                                                {"entries", page->entries.size()},
                                                                {"next_since_seq", last},
                                                                {"complete", complete}}) +
                     "\n";
    if (!complete) {
        response.headers.emplace_back("X-Next-Since-Seq", std::to_string(last));
    }
    co_return response;
}

}  // namespace

void AddAuditRoutes(Router& router, Services& services) {
    router.Add({"GET", "/api/v1/audit", domain::Role::kViewer,
                [&services](Call& call) { return ListAudit(services, call); }});
    router.Add({"GET", "/api/v1/audit/verify", domain::Role::kViewer,
                [&services](Call& call) { return VerifyAudit(services, call); }});
    router.Add({"GET", "/api/v1/audit/export", domain::Role::kViewer,
                [&services](Call& call) { return ExportAudit(services, call); }});
}

}  // namespace waka::coordinator::api
