#include "lib/serve/http_server.h"

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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

// A streaming handler: reads the body through body_source, then answers
// with its byte count and a checksum, streaming `reply_bytes` of a pattern
// back through the writer. Notes what body_source returned last.
class StreamServer {
 public:
  explicit StreamServer(HttpServerOptions options, size_t reply_bytes = 0) {
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
        options, [this, reply_bytes](const HttpRequest& request) {
          if (!request.body_source) {
            return HttpResponse{200, {}, "inline " + request.body};
          }
          uint64_t count = 0, sum = 0;
          absl::Status status;
          for (;;) {
            absl::StatusOr<std::optional<std::string>> chunk =
                request.body_source();
            if (!chunk.ok()) {
              status = chunk.status();
              break;
            }
            if (!chunk->has_value()) break;
            for (char c : **chunk) sum = sum * 31 + static_cast<uint8_t>(c);
            count += (*chunk)->size();
          }
          {
            internal::MutexLock lock(&mutex_);
            last_status_ = status;
            ++done_;
          }
          if (!status.ok()) return HttpResponse{500, {}, ""};
          const std::string summary = absl::StrCat(count, " ", sum);
          if (reply_bytes == 0) return HttpResponse{200, {}, summary};
          EXPECT_EQ(request.writer->Write("x").code(),
                    absl::StatusCode::kFailedPrecondition);
          EXPECT_TRUE(request.writer->Head(200, {{"X-Sum", summary}}).ok());
          EXPECT_EQ(request.writer->Head(200, {}).code(),
                    absl::StatusCode::kFailedPrecondition);
          EXPECT_TRUE(request.writer->Write(Pattern(reply_bytes)).ok());
          if (request.path == "/abort") request.writer->Abort();
          return HttpResponse{500, {}, "ignored: the writer answered"};
        });
    EXPECT_TRUE(server.ok()) << server.status();
    if (server.ok()) server_ = std::move(*server);
  }
  static std::string Pattern(size_t n) {
    std::string out(n, '\0');
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + i % 23);
    return out;
  }
  static std::string Sum(absl::string_view bytes) {
    uint64_t sum = 0;
    for (char c : bytes) sum = sum * 31 + static_cast<uint8_t>(c);
    return absl::StrCat(bytes.size(), " ", sum);
  }
  HttpServer& server() { return *server_; }
  // Waits until `n` streamed handler calls ended; their last body status.
  absl::Status WaitForDone(int n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    for (;;) {
      {
        internal::MutexLock lock(&mutex_);
        if (done_ >= n) return last_status_;
      }
      if (absl::Now() > deadline) return absl::DeadlineExceededError("wait");
      absl::SleepFor(absl::Milliseconds(5));
    }
  }

 private:
  internal::Mutex mutex_;
  absl::Status last_status_ ABSL_GUARDED_BY(mutex_);
  int done_ ABSL_GUARDED_BY(mutex_) = 0;
  std::unique_ptr<HttpServer> server_;
};

HttpServerOptions Streaming() {
  HttpServerOptions options = EchoServer::Loopback();
  options.inline_body_bytes = 1000;
  options.stream_buffer_bytes = 64 << 10;
  options.threads = 2;
  return options;
}

TEST(HttpServerTest, StreamsLargeBodiesBothWaysInBoundedBuffers) {
  StreamServer server(Streaming(), size_t{8} << 20);
  const std::string body = StreamServer::Pattern((size_t{8} << 20) + 3);
  absl::StatusOr<HttpResponse> response =
      Fetch(server.server().port(), {"POST", "/", {}, body});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->headers,
              testing::Contains(Pair("x-sum", StreamServer::Sum(body))));
  EXPECT_THAT(response->headers,
              testing::Contains(Pair("transfer-encoding", "chunked")));
  EXPECT_EQ(response->body.size(), size_t{8} << 20);
  EXPECT_TRUE(response->body == StreamServer::Pattern(size_t{8} << 20));
  // Each way at most the buffer plus one chunk of libmicrohttpd's.
  EXPECT_GT(server.server().peak_stream_buffered_bytes(), 0u);
  EXPECT_LE(server.server().peak_stream_buffered_bytes(), 2 * (64u << 10));
  // A small body is still read whole, on the connection's thread.
  absl::StatusOr<HttpResponse> small =
      Fetch(server.server().port(), {"POST", "/", {}, "tiny"});
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->body, "inline tiny");
}

TEST(HttpServerTest, SendsTheReturnedResponseWhenTheWriterIsUnused) {
  StreamServer server(Streaming());
  const std::string body = StreamServer::Pattern(100000);
  absl::StatusOr<HttpResponse> response =
      Fetch(server.server().port(), {"PUT", "/", {}, body});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, StreamServer::Sum(body));
}

TEST(HttpServerTest, AbortCutsTheStreamedResponseShort) {
  StreamServer server(Streaming(), 5000);
  absl::StatusOr<HttpResponse> response = Fetch(
      server.server().port(), {"POST", "/abort", {}, std::string(5000, 'y')});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(response.status().message(), HasSubstr("cut short"));
}

TEST(HttpServerTest, ClientLeavingMidBodyEndsTheHandlerAndServingGoesOn) {
  StreamServer server(Streaming());
  ASSERT_TRUE(SendAndHangUp(server.server().port(),
                            "POST / HTTP/1.1\r\nHost: x\r\n"
                            "Content-Length: 8388608\r\n\r\n" +
                                std::string(1 << 20, 'z'))
                  .ok());
  absl::Status body = server.WaitForDone(1);
  EXPECT_EQ(body.code(), absl::StatusCode::kUnavailable) << body;
  EXPECT_THAT(body.message(), HasSubstr("went away"));
  const std::string next = StreamServer::Pattern(300000);
  absl::StatusOr<HttpResponse> response =
      Fetch(server.server().port(), {"POST", "/", {}, next});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, StreamServer::Sum(next));
}

TEST(HttpServerTest, ChunkedBodyPastTheLimitFailsItsSource) {
  HttpServerOptions options = Streaming();
  options.max_request_body_bytes = 100000;
  StreamServer server(options);
  std::string chunks;
  for (int i = 0; i < 5; ++i) {
    absl::StrAppend(&chunks, "8000\r\n", std::string(0x8000, 'c'), "\r\n");
  }
  ASSERT_TRUE(SendAndHangUp(server.server().port(),
                            "POST / HTTP/1.1\r\nHost: x\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n" +
                                chunks)
                  .ok());
  absl::Status body = server.WaitForDone(1);
  EXPECT_EQ(body.code(), absl::StatusCode::kResourceExhausted) << body;
  EXPECT_THAT(body.message(), HasSubstr("too large"));
  // A known Content-Length past the limit is refused before the handler.
  absl::StatusOr<HttpResponse> over = Fetch(
      server.server().port(), {"POST", "/", {}, std::string(100001, 'x')});
  ASSERT_TRUE(over.ok()) << over.status();
  EXPECT_EQ(over->status, 413);
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
