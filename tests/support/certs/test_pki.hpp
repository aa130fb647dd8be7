#pragma once

#include <filesystem>
#include <string>
#include <vector>

// Test certificates generated per run with the OpenSSL 3 C API: never check key material in.
namespace waka::test {

struct TestPki {
    std::filesystem::path dir;
    std::filesystem::path ca_cert;      // PEM, self-signed CA (basicConstraints CA:TRUE)
    std::filesystem::path ca_key;       // PEM, EC P-256
    std::filesystem::path server_cert;  // PEM, signed by ca_cert, SAN = dns_names + ip_addresses
    std::filesystem::path server_key;   // PEM, EC P-256
};

// Creates dir (if needed) and writes ca.pem, ca.key, server.pem, server.key into it; the
// certificates are valid from one hour ago for one day. Each call makes a new, unrelated CA, so two
// calls give a trusted and an untrusted PKI for refusal tests. Throws std::runtime_error on failure
// (test support only: a failure here is a broken test environment).
TestPki MakeTestPki(const std::filesystem::path& dir,
                    std::vector<std::string> dns_names = {"localhost"},
                    std::vector<std::string> ip_addresses = {"127.0.0.1"});

// A fresh unique directory under the system temp dir ("<prefix>-<random>"); the caller removes it.
std::filesystem::path MakeTempDir(const std::string& prefix);

}  // namespace waka::test
