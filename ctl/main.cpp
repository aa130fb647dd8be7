// wakactl: the operator's command line for Waka Deploy (docs/wakactl.md).
#include "ctl/app.hpp"

int main(int argc, char** argv) { return waka::ctl::Run(argc, argv); }
