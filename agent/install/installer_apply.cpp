// Steps that change what is current, and the way back. Each switch is journaled before it happens
// and restoring is idempotent (point `current` at the recorded previous version, or remove it), so
// a rollback or a recovery after a crash can always be re-run from the journal.

#include "agent/install/hooks.hpp"
#include "agent/install/installer.hpp"
#include "agent/install/installer_run.hpp"
#include "shared/core/log.hpp"

namespace waka::agent::install {
namespace fs = std::filesystem;
using journal::ComponentRecord;
using journal::Phase;

namespace {

bool IsActivation(const ComponentRecord& c) { return Installs(c) && c.phase != Phase::kUnchanged; }
bool IsDeactivation(const ComponentRecord& c) {
    return !Installs(c) && c.phase != Phase::kUnchanged;
}

}  // namespace

Expected<void> Installer::Apply(Run& run) {
    for (ComponentRecord& c : run.record.components) {
        if (IsActivation(c)) {
            if (auto activated = Activate(run, c); !activated) {
                return activated;
            }
        }
    }
    for (ComponentRecord& c : run.record.components) {
        if (IsDeactivation(c)) {
            if (auto deactivated = Deactivate(run, c); !deactivated) {
                return deactivated;
            }
        }
    }
    for (const ComponentRecord& c : run.record.components) {
        if (IsActivation(c)) {
            if (auto healthy = HealthCheck(run, c, c.change.to_version, c.previous_version);
                !healthy) {
                return healthy;
            }
        }
    }
    return {};
}

Expected<void> Installer::Activate(Run& run, ComponentRecord& c) {
    const std::string& version = c.change.to_version;
    c.phase = Phase::kSwitching;
    if (auto persisted = Persist(run); !persisted) {
        return persisted;
    }
    Report(run, "pre_activate", &c.change);
    if (auto hook = RunComponentHook(run, kPreActivate, c, version, c.previous_version,
                                     options_.hook_timeout);
        !hook) {
        return hook;
    }
    Report(run, "switch", &c.change);
    run.switched_any = true;
    if (auto injected = Step("switch " + c.change.Key()); !injected) {
        return injected;
    }
    if (auto switched = PointCurrentAt(layout_.ComponentDir(c.change.type, c.change.name), version);
        !switched) {
        return switched.error().WithContext("switch " + c.change.Key());
    }
    c.phase = Phase::kSwitched;
    if (auto persisted = Persist(run); !persisted) {
        return persisted;
    }
    Report(run, "post_activate", &c.change);
    if (auto hook = RunComponentHook(run, kPostActivate, c, version, c.previous_version,
                                     options_.hook_timeout);
        !hook) {
        return hook;
    }
    c.phase = Phase::kPostActivated;
    return Persist(run);
}

Expected<void> Installer::Deactivate(Run& run, ComponentRecord& c) {
    c.phase = Phase::kDeactivating;
    if (auto persisted = Persist(run); !persisted) {
        return persisted;
    }
    Report(run, "deactivate", &c.change);
    if (auto hook =
            RunComponentHook(run, kPreDeactivate, c, c.previous_version, "", options_.hook_timeout);
        !hook) {
        return hook;
    }
    run.switched_any = true;
    if (auto injected = Step("remove link " + c.change.Key()); !injected) {
        return injected;
    }
    if (auto removed = RemoveCurrent(layout_.ComponentDir(c.change.type, c.change.name));
        !removed) {
        return removed.error().WithContext("deactivate " + c.change.Key());
    }
    c.phase = Phase::kDeactivated;
    return Persist(run);
}

Expected<void> Installer::HealthCheck(Run& run, const ComponentRecord& c,
                                      const std::string& version, const std::string& previous) {
    Report(run, "health_check", &c.change);
    return RunComponentHook(run, kHealthCheck, c, version, previous, options_.health_check_timeout);
}

Expected<void> Installer::RunComponentHook(Run& run, std::string_view hook,
                                           const ComponentRecord& c, const std::string& version,
                                           const std::string& previous,
                                           std::chrono::seconds timeout) {
    if (auto injected = Step("hook " + std::string(hook) + " " + c.change.Key()); !injected) {
        return injected.error().WithContext("hook '" + std::string(hook) + "' of " +
                                            c.change.Key());
    }
    const fs::path component_dir = layout_.ComponentDir(c.change.type, c.change.name);
    const HookContext context{c.change.type,   c.change.name,   version,
                              previous,        component_dir,   component_dir / version,
                              run.config_file, run.record.op_id};
    auto ran = RunHook(hook, context, HookLimits{.timeout = timeout, .run_as = options_.hook_user});
    if (!ran) {
        return ran.error().WithContext(c.change.Key() + " " + version);
    }
    return {};
}

// Restores every component that may have changed, in reverse order, then re-runs the health
// checks of the restored versions. `switched_any` false means nothing on disk had changed: the
// instance is unchanged and the outcome is kFailed rather than kRolledBack.
model::OperationResult Installer::RollBack(Run& run, const Error& cause, bool switched_any) {
    log::Warn("rolling back op_id={} cause={}", run.record.op_id, cause.message);
    std::string restore_errors;
    std::vector<const ComponentRecord*> restored;
    for (auto it = run.record.components.rbegin(); it != run.record.components.rend(); ++it) {
        if (!journal::MayHaveChangedCurrent(it->phase)) {
            continue;
        }
        Report(run, "rollback", &it->change);
        if (auto back = Restore(run, *it); !back) {
            restore_errors += (restore_errors.empty() ? "" : "; ") + back.error().message;
            continue;
        }
        restored.push_back(&*it);
    }
    for (const ComponentRecord* c : restored) {
        if (c->previous_version.empty()) {
            continue;
        }
        auto healthy = HealthCheck(run, *c, c->previous_version, c->change.to_version);
        if (!healthy) {
            restore_errors += (restore_errors.empty() ? "" : "; ") + healthy.error().message;
        }
    }
    if (!restore_errors.empty()) {
        return Finish(run, model::Outcome::kFailed,
                      cause.message + "; rollback failed: " + restore_errors);
    }
    return Finish(run, switched_any ? model::Outcome::kRolledBack : model::Outcome::kFailed,
                  cause.message);
}

Expected<void> Installer::Restore(Run& run, ComponentRecord& c) {
    if (auto injected = Step("restore " + c.change.Key()); !injected) {
        return injected.error().WithContext("restore " + c.change.Key());
    }
    const fs::path dir = layout_.ComponentDir(c.change.type, c.change.name);
    auto restored =
        c.previous_version.empty() ? RemoveCurrent(dir) : PointCurrentAt(dir, c.previous_version);
    if (!restored) {
        return restored.error().WithContext("restore " + c.change.Key());
    }
    c.phase = Phase::kRollbackSwitched;
    if (auto persisted = Persist(run); !persisted) {
        // Restoring is idempotent; a stale phase only means a later recovery restores again.
        log::Warn("could not journal a restore op_id={} error={}", run.record.op_id,
                  persisted.error().message);
    }
    return {};
}

}  // namespace waka::agent::install
