#include "coordinator/app/app.hpp"

int main(int argc, char** argv) { return waka::coordinator::app::Main(argc, argv); }
