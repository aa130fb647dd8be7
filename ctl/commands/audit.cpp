#include <boost/json.hpp>
#include <cstdint>
#include <iostream>
#include <memory>

#include "ctl/commands/commands.hpp"
#include "ctl/output.hpp"

namespace waka::ctl {
namespace {

namespace json = boost::json;

struct AuditArgs {
    std::string instance;
    std::string actor;
    std::string action;
    std::string since;
    std::string until;
};

bool ChainOk(const json::value& result) {
    const auto* object = result.if_object();
    const auto* ok = object != nullptr ? object->if_contains("ok") : nullptr;
    return ok != nullptr && ok->is_bool() && ok->get_bool();
}

// The last line of one export page: {"chain_head", "entries", "next_since_seq", "complete"}.
struct ExportTrailer {
    std::string line;
    std::int64_t next_since_seq = 0;
    bool complete = true;
};

Expected<ExportTrailer> ParseTrailer(std::string_view line) {
    boost::system::error_code ec;
    const json::value value = json::parse(line, ec);
    const auto* object = ec ? nullptr : value.if_object();
    const auto* head = object != nullptr ? object->if_contains("chain_head") : nullptr;
    const auto* next = object != nullptr ? object->if_contains("next_since_seq") : nullptr;
    const auto* complete = object != nullptr ? object->if_contains("complete") : nullptr;
    if (head == nullptr || next == nullptr || !next->is_int64() || complete == nullptr ||
        !complete->is_bool()) {
        return Fail("wakactl: the export page does not end with its chain head line",
                    Errc::kProtocol);
    }
    return ExportTrailer{std::string(line), next->get_int64(), complete->get_bool()};
}

// Writes the entry lines of one page to `out` and answers its trailer (which it does not write).
Expected<ExportTrailer> WritePage(const std::string& body, std::ostream& out) {
    std::string_view text = body;
    if (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    }
    const auto last_break = text.rfind('\n');
    const std::string_view trailer =
        last_break == std::string_view::npos ? text : text.substr(last_break + 1);
    auto parsed = ParseTrailer(trailer);
    if (!parsed) {
        return parsed.error();
    }
    if (last_break != std::string_view::npos) {
        out << text.substr(0, last_break + 1);
    }
    return parsed;
}

// Follows the pages from since_seq to the head; the chain head line of the last page comes last.
Expected<void> Export(const Expected<Client>& client, std::int64_t since_seq, int page_size) {
    if (!client) {
        return client.error();
    }
    ExportTrailer trailer;
    do {
        const Answer answer =
            client->Raw("GET",
                        "/api/v1/audit/export?since_seq=" + std::to_string(since_seq) +
                            "&limit=" + std::to_string(page_size),
                        "");
        if (answer.status != 200) {
            auto checked = Check(answer);
            return checked
                       ? Fail("wakactl: the export answered HTTP " + std::to_string(answer.status),
                              Errc::kProtocol)
                       : checked.error();
        }
        auto page = WritePage(answer.body, std::cout);
        if (!page) {
            return page.error();
        }
        if (!page->complete && page->next_since_seq <= since_seq) {
            return Fail("wakactl: the export did not advance past seq " + std::to_string(since_seq),
                        Errc::kProtocol);
        }
        since_seq = page->next_since_seq;
        trailer = std::move(*page);
    } while (!trailer.complete);
    std::cout << trailer.line << '\n' << std::flush;
    if (!std::cout) {
        return Fail("wakactl: cannot write the export to standard output", Errc::kIo);
    }
    return {};
}

}  // namespace

void AddAuditCommands(CLI::App& app, Context& context) {
    auto* audit = app.add_subcommand("audit", "The audit log");
    audit->require_subcommand(1);
    auto args = std::make_shared<AuditArgs>();

    auto* list = audit->add_subcommand("list", "Audit entries in order");
    list->add_option("--instance", args->instance);
    list->add_option("--actor", args->actor);
    list->add_option("--action", args->action);
    list->add_option("--since", args->since, "RFC 3339");
    list->add_option("--until", args->until, "RFC 3339");
    const auto limit = AddLimitOption(list);
    OnRun(list, context, [&context, args, limit] {
        const std::string query = Query({{"instance_id", args->instance},
                                         {"actor", args->actor},
                                         {"action", args->action},
                                         {"since", args->since},
                                         {"until", args->until}});
        return ListPaged(context.globals, context.MakeClient(), "/api/v1/audit" + query, *limit,
                         {"seq", "at", "actor", "action", "target_type", "target_id", "decision"});
    });

    OnRun(audit->add_subcommand("verify", "Verify the audit hash chain"), context,
          [&context]() -> Expected<void> {
              auto result = context.Call("GET", "/api/v1/audit/verify");
              if (!result) {
                  return result.error();
              }
              Show(context.globals, *result);
              context.exit_code = ChainOk(*result) ? 0 : 1;
              return {};
          });

    auto since_seq = std::make_shared<std::int64_t>(0);
    auto page_size = std::make_shared<int>(1000);
    auto* export_command = audit->add_subcommand(
        "export",
        "Entries after --since-seq as NDJSON on standard output, one a line in seq order, then a "
        "line with the chain head (for archiving; docs/operations.md)");
    export_command
        ->add_option("--since-seq", *since_seq,
                     "The last seq already archived (0: from the first entry)")
        ->check(CLI::NonNegativeNumber);
    export_command
        ->add_option("--page-size", *page_size, "Entries per request (1..10000, default 1000)")
        ->check(CLI::Range(1, 10000));
    OnRun(export_command, context, [&context, since_seq, page_size] {
        return Export(context.MakeClient(), *since_seq, *page_size);
    });
}

}  // namespace waka::ctl
