#include "agent/daemon/main.hpp"

int main(int argc, char** argv) { return waka::agent::daemon::Main(argc, argv); }
