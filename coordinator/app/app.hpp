#pragma once

namespace waka::coordinator::app {

// The whole waka-coordinator process: loads the configuration, migrates the database, serves the
// HTTP API and the agent gateway until SIGTERM/SIGINT. Answers the process exit code
// (0 clean stop, 2 bad configuration, 1 start-up failure).
int Main(int argc, char** argv);

}  // namespace waka::coordinator::app
