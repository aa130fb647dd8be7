#pragma once

namespace waka::agent::daemon {

// The whole waka-agent program: configuration, state directory, credential, installer recovery,
// then the coordinator link on one io_context until SIGTERM/SIGINT. Exit codes: 0 after a clean
// shutdown, 2 for bad configuration, 1 for a local failure at start-up (state directory, CA file).
int Main(int argc, char** argv);

}  // namespace waka::agent::daemon
