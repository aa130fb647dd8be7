#pragma once

// wakactl's entry point: parses the command line, runs the chosen subcommand and answers the exit
// status (0 done, 1 failure with a message on stderr, 2 for a bad command line).
namespace waka::ctl {

int Run(int argc, char** argv);

}  // namespace waka::ctl
