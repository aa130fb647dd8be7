#include <boost/json.hpp>
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
}

}  // namespace waka::ctl
