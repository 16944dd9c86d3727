#include "lib/serve/http_server.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/serve/http_client.h"
#include "lib/util/mutex.h"

namespace wasmhost::serve {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;

// Answers with what it received: method, target, the x-test header and
// the body, and notes the thread it ran on.
class EchoServer {
 public:
  explicit EchoServer(HttpServerOptions options = Loopback()) {
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(options, [this](const HttpRequest& request) {
          {
            internal::MutexLock lock(&mutex_);
            threads_.insert(std::this_thread::get_id());
          }
          std::string test_header;
          for (const auto& [name, value] : request.headers) {
            if (name == "X-Test") test_header = value;
          }
          return HttpResponse{
              201,
              {{"Content-Type", "text/plain"}, {"X-Seen", test_header}},
              absl::StrCat(request.method, " ", request.path, " ",
                           request.body)};
        });
    EXPECT_TRUE(server.ok()) << server.status();
    if (server.ok()) server_ = std::move(*server);
  }
  static HttpServerOptions Loopback() {
    HttpServerOptions options;
    options.port = 0;
    options.threads = 3;
    return options;
  }
  uint16_t port() const { return server_->port(); }
  size_t thread_count() {
    internal::MutexLock lock(&mutex_);
    return threads_.size();
  }

 private:
  internal::Mutex mutex_;
  std::set<std::thread::id> threads_ ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<HttpServer> server_;
};

TEST(HttpServerTest, PassesRequestAndResponseThrough) {
  EchoServer server;
  ASSERT_NE(server.port(), 0);
  absl::StatusOr<HttpResponse> response =
      Fetch(server.port(), {"POST", "/a/b?c=d&e", {{"X-Test", "yes"}}, "hi"});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "POST /a/b?c=d&e hi");
  EXPECT_THAT(response->headers, testing::Contains(Pair("x-seen", "yes")));
  EXPECT_THAT(response->headers,
              testing::Contains(Pair("content-type", "text/plain")));
  EXPECT_THAT(response->headers,
              testing::Contains(Pair("content-length", "18")));
}

TEST(HttpServerTest, RefusesBodyOverLimitWithoutCallingHandler) {
  HttpServerOptions options = EchoServer::Loopback();
  options.max_request_body_bytes = 10;
  EchoServer server(options);
  absl::StatusOr<HttpResponse> fits =
      Fetch(server.port(), {"POST", "/", {}, std::string(10, 'x')});
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->status, 201);
  absl::StatusOr<HttpResponse> over =
      Fetch(server.port(), {"POST", "/", {}, std::string(100000, 'x')});
  ASSERT_TRUE(over.ok()) << over.status();
  EXPECT_EQ(over->status, 413);
  EXPECT_THAT(over->body, HasSubstr("too large"));
}

TEST(HttpServerTest, ServesConcurrentClientsOnItsOwnThreads) {
  EchoServer server;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 50; ++i) {
        std::string body = absl::StrCat(c, "-", i);
        absl::StatusOr<HttpResponse> response =
            Fetch(server.port(), {"PUT", "/x", {}, body});
        if (response.ok() && response->body == "PUT /x " + body) ++good;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(good.load(), 300);
  EXPECT_GE(server.thread_count(), 1u);
  EXPECT_LE(server.thread_count(), 3u);
}

TEST(HttpServerTest, RejectsBadAddress) {
  HttpServerOptions options = EchoServer::Loopback();
  options.address = "localhost:80";
  absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
      options, [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("not an IPv4 address"));
}

TEST(HttpServerTest, ReportsPortInUse) {
  EchoServer first;
  HttpServerOptions options = EchoServer::Loopback();
  options.port = first.port();
  absl::StatusOr<std::unique_ptr<HttpServer>> second = HttpServer::Start(
      options, [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(
      second.status().message(),
      HasSubstr(absl::StrCat("cannot serve on 127.0.0.1:", first.port())));
}

TEST(HttpClientTest, ReportsRefusedConnection) {
  uint16_t port;
  {
    EchoServer gone;
    port = gone.port();
  }
  absl::StatusOr<HttpResponse> response = Fetch(port, {"GET", "/", {}, ""});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("connect to"));
}

TEST(ParseListenAddressTest, ReadsHostAndPort) {
  HttpServerOptions options;
  ASSERT_TRUE(ParseListenAddress("0.0.0.0:9000", &options).ok());
  EXPECT_EQ(options.address, "0.0.0.0");
  EXPECT_EQ(options.port, 9000);
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:0", &options).ok());
  EXPECT_EQ(options.port, 0);
}

TEST(ParseListenAddressTest, RejectsOthers) {
  for (const char* text :
       {"127.0.0.1", "localhost:80", "127.0.0.1:65536", "127.0.0.1:x", ":80"}) {
    HttpServerOptions options;
    absl::Status status = ParseListenAddress(text, &options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(status.message(), HasSubstr("expected IPV4:PORT")) << text;
  }
}

}  // namespace
}  // namespace wasmhost::serve
