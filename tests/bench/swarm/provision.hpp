#pragma once

#include <filesystem>
#include <string>

namespace waka::bench::swarm {

struct ProvisionOptions {
    std::string api_url;               // http://127.0.0.1:PORT
    std::string ca_file;               // for an https API
    std::filesystem::path token_file;  // an operator's API token (never on the command line)
    std::size_t count = 0;
    std::size_t first = 1;
    std::string prefix = "swarm-";
    std::string labels = "env=swarm";  // k=v,k=v
    std::filesystem::path out;
    unsigned threads = 4;
};

// Registers `count` instances through POST /api/v1/instances (prefix + a six-digit number, from
// `first`), a few requests at a time, and writes their one-time enrollment tokens to `out`
// (credentials.hpp). Prints {"event":"provisioned",...}. Answers the exit code: 1 on the first
// refusal, with the API's answer on stderr.
int Provision(const ProvisionOptions& options);

}  // namespace waka::bench::swarm
