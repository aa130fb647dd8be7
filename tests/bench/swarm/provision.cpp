#include "tests/bench/swarm/provision.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "ctl/http_client.hpp"
#include "tests/bench/swarm/credentials.hpp"

namespace waka::bench::swarm {
namespace {

std::string ReadToken(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string token;
    std::getline(in, token);
    return token;
}

boost::json::object Labels(const std::string& text) {
    boost::json::object labels;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = std::min(text.find(',', start), text.size());
        const auto pair = text.substr(start, end - start);
        const auto equals = pair.find('=');
        if (equals != std::string::npos) {
            labels[pair.substr(0, equals)] = pair.substr(equals + 1);
        }
        start = end + 1;
    }
    return labels;
}

std::string InstanceId(const std::string& prefix, std::size_t number) {
    char digits[16];
    std::snprintf(digits, sizeof digits, "%06zu", number);
    return prefix + digits;
}

}  // namespace

int Provision(const ProvisionOptions& options) {
    auto target = ctl::ParseUrl(options.api_url);
    if (!target) {
        std::cerr << "waka-swarm provision: " << target.error().message << '\n';
        return 1;
    }
    target->ca_file = options.ca_file;
    const std::string token = ReadToken(options.token_file);
    if (token.empty()) {
        std::cerr << "waka-swarm provision: no token in " << options.token_file << '\n';
        return 1;
    }
    const auto labels = Labels(options.labels);
    std::vector<AgentIdentity> identities(options.count);
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
    const auto started = std::chrono::steady_clock::now();
    auto work = [&] {
        for (std::size_t i = next++; i < options.count && !failed; i = next++) {
            const auto id = InstanceId(options.prefix, options.first + i);
            boost::json::object body{{"id", id}, {"labels", labels}};
            auto answer = ctl::Send(*target, token, "POST", "/api/v1/instances",
                                    boost::json::serialize(body));
            boost::system::error_code ec;
            auto parsed = boost::json::parse(answer.body, ec);
            const auto* enrollment = !ec && parsed.is_object()
                                         ? parsed.as_object().if_contains("enrollment_token")
                                         : nullptr;
            if (answer.status != 201 || enrollment == nullptr || !enrollment->is_string()) {
                std::lock_guard lock(error_mutex);
                if (!failed.exchange(true)) {
                    std::cerr << "waka-swarm provision: POST /api/v1/instances " << id
                              << " answered " << answer.status << ' ' << answer.error << answer.body
                              << '\n';
                }
                return;
            }
            identities[i] = {id, std::string(enrollment->as_string())};
        }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < std::max(1u, options.threads); ++t) {
        threads.emplace_back(work);
    }
    for (auto& thread : threads) {
        thread.join();
    }
    if (failed) {
        return 1;
    }
    if (auto written = WriteCredentials(options.out, identities); !written) {
        std::cerr << "waka-swarm provision: " << written.error().message << '\n';
        return 1;
    }
    std::cout
        << boost::json::serialize(boost::json::object{
               {"event", "provisioned"},
               {"count", options.count},
               {"seconds",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}})
        << std::endl;
    return 0;
}

}  // namespace waka::bench::swarm
