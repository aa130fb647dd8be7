#pragma once

#include <functional>

#include "ctl/client.hpp"

namespace waka::ctl {

// One run of wakactl: the global flags, and what the chosen subcommand will do. Subcommands only
// record their action while the line is parsed, so that global flags given after them count.
struct Context {
    Globals globals;
    std::function<void()> action;
    int exit_code = 0;  // what the action decided when it did not throw a Failure

    Client MakeClient() const { return Client(globals); }
};

}  // namespace waka::ctl
