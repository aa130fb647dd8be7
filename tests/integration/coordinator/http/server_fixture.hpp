#pragma once

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "coordinator/http/server.hpp"
#include "shared/core/crypto.hpp"
#include "tests/support/http_client/http_client.hpp"

// The HTTP server on 127.0.0.1 port 0 with two I/O threads, and the helpers its tests share
// (waka_coord_http_integration_test).
namespace waka::coordinator::http {

inline constexpr unsigned kServerThreads = 2;
inline constexpr auto kJoinTimeout = std::chrono::seconds(20);

inline boost::json::object ParseObject(const std::string& text) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) {
        ADD_FAILURE() << "not a JSON object: " << text.substr(0, 200);
        return {};
    }
    return value.as_object();
}

inline std::string Str(const boost::json::object& object, std::string_view key) {
    const boost::json::value* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->as_string()) : std::string("<missing>");
}

// Answers everything the server decoded, so tests can check it from the client side.
inline boost::asio::awaitable<Response> Echo(Request& request) {
    boost::json::object out;
    out["method"] = request.method;
    out["target"] = request.target;
    out["path"] = request.path;
    boost::json::array query;
    for (const auto& [key, value] : request.query) {
        query.push_back(boost::json::array{boost::json::string(key), boost::json::string(value)});
    }
    out["query"] = std::move(query);
    boost::json::object headers;
    for (const auto& [key, value] : request.headers) {
        headers[key] = value;
    }
    out["headers"] = std::move(headers);
    out["body"] = request.body;
    out["request_id"] = request.request_id;
    out["remote_address"] = request.remote_address;
    Response response;
    response.body = boost::json::serialize(out);
    response.headers.emplace_back("X-Echo", "yes");
    co_return response;
}

inline std::string RandomBytes(std::size_t size, unsigned seed) {
    std::mt19937 generator(seed);
    std::string bytes(size, '\0');
    for (char& c : bytes) {
        c = static_cast<char>(generator() & 0xff);
    }
    return bytes;
}

inline std::filesystem::path MakeTempDir() {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("waka-http-test-" + RandomHex(8));
    std::filesystem::create_directories(dir);
    return dir;
}

inline void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class HttpServerTest : public ::testing::Test {
protected:
    void TearDown() override {
        if (server_) {
            server_->Stop();
            EXPECT_TRUE(JoinServerThreads()) << "io_context did not run out of work after Stop()";
            server_.reset();
        }
        std::error_code ec;
        std::filesystem::remove_all(temp_dir_, ec);
    }

    void StartServer(Handler handler, ServerOptions options = {}) {
        options.address = "127.0.0.1";
        options.port = 0;
        server_ = std::make_unique<Server>(io_, std::move(options), std::move(handler));
        auto port = server_->Start();
        ASSERT_TRUE(port) << port.error().message;
        port_ = *port;
        for (unsigned i = 0; i < kServerThreads; ++i) {
            threads_.emplace_back([this] {
                io_.run();
                std::lock_guard lock(mutex_);
                ++finished_threads_;
                finished_.notify_all();
            });
        }
    }

    // True when every server thread returned from run() in time; otherwise stops the io_context.
    bool JoinServerThreads() {
        if (threads_.empty()) {
            return true;
        }
        bool in_time = false;
        {
            std::unique_lock lock(mutex_);
            in_time = finished_.wait_for(lock, kJoinTimeout,
                                         [this] { return finished_threads_ == threads_.size(); });
        }
        if (!in_time) {
            io_.stop();
        }
        for (auto& thread : threads_) {
            thread.join();
        }
        threads_.clear();
        finished_threads_ = 0;
        return in_time;
    }

    test::HttpClient Client() const { return test::HttpClient("127.0.0.1", port_); }

    boost::asio::io_context io_;
    std::unique_ptr<Server> server_;
    std::uint16_t port_ = 0;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable finished_;
    std::size_t finished_threads_ = 0;
    std::filesystem::path temp_dir_ = MakeTempDir();
};

}  // namespace waka::coordinator::http
