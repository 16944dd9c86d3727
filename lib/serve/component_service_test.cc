// ComponentService behind an HttpServer on a free loopback port, serving
// the C wasi:http guest (guests/components/http_handler.c) from a file:
// responses, the 5xx of a trap and a deadline with the detail only in the
// log, a denied outgoing request, and reloads (refused versions keep the
// old one; a reload under load from several client threads loses no
// request).

#include "lib/serve/component_service.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "guests/components/http_components.h"
#include "lib/serve/http_client.h"
#include "lib/serve/http_server.h"
#include "lib/util/mutex.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/engine.h"

namespace wasmhost::serve {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const Engine& TestEngine() {
  static const Engine* engine = [] {
    absl::StatusOr<Engine> made = Engine::Create();
    if (!made.ok()) std::abort();
    return new Engine(*std::move(made));
  }();
  return *engine;
}

// Replaces `path` atomically (write beside it, rename), as a deploy does.
void Install(const std::string& path, absl::Span<const uint8_t> bytes) {
  const std::string temporary = path + ".new";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << temporary;
  }
  ASSERT_EQ(std::rename(temporary.c_str(), path.c_str()), 0) << path;
}

// The guest with a custom section appended: another file, another
// version, the same behaviour.
std::vector<uint8_t> Rebuilt(int generation) {
  absl::Span<const uint8_t> guest = guests::http_handler_wasm();
  std::vector<uint8_t> bytes(guest.begin(), guest.end());
  const std::string name = "generation";
  const std::string payload = absl::StrCat(generation);
  bytes.push_back(0);  // custom section
  bytes.push_back(static_cast<uint8_t>(1 + name.size() + payload.size()));
  bytes.push_back(static_cast<uint8_t>(name.size()));
  bytes.insert(bytes.end(), name.begin(), name.end());
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

class ComponentServiceTest : public ::testing::Test {
 protected:
  void Start(ComponentServiceOptions options = {}) {
    path_ = absl::StrCat(
        ::testing::TempDir(), "/guest-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
        ".wasm");
    Install(path_, guests::http_handler_wasm());
    options.log = [this](absl::string_view line) {
      internal::MutexLock lock(&mutex_);
      log_.emplace_back(line);
    };
    absl::StatusOr<std::unique_ptr<ComponentService>> service =
        ComponentService::Create(TestEngine(), path_, component::Linker(),
                                 options);
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = *std::move(service);
    HttpServerOptions http;
    http.port = 0;
    http.threads = 2;
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
        http, [this](const HttpRequest& r) { return service_->Handle(r); });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void TearDown() override { server_.reset(); }

  HttpResponse Get(const std::string& path) {
    absl::StatusOr<HttpResponse> response =
        Fetch(server_->port(), {"GET", path, {}, ""});
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : HttpResponse{0, {}, ""};
  }
  std::vector<std::string> log() {
    internal::MutexLock lock(&mutex_);
    return log_;
  }
  // Waits up to 10 s for the pool to reach `version`.
  bool WaitForVersion(uint64_t version) {
    for (absl::Time end = absl::Now() + absl::Seconds(10); absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(10))) {
      if (service_->stats().version == version) return true;
    }
    return false;
  }

  std::string path_;
  internal::Mutex mutex_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<ComponentService> service_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(ComponentServiceTest, ServesTheGuest) {
  Start();
  HttpResponse hello = Get("/");
  EXPECT_EQ(hello.status, 200);
  EXPECT_EQ(hello.body, "hello from C\n");
  absl::StatusOr<HttpResponse> echo =
      Fetch(server_->port(),
            {"POST", "/echo", {{"Content-Type", "application/json"}}, "[1,2]"});
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->status, 200);
  EXPECT_EQ(echo->body, R"({"length":5,"echo":[1,2]})");
  EXPECT_THAT(echo->headers,
              Contains(testing::Pair("content-type", "application/json")));
  // Fresh state per request: the guest's global counter starts over.
  EXPECT_EQ(Get("/counter").body, Get("/counter").body);
}

// An 8 MiB body (past the 64 KiB read whole) streams into the guest and
// its echo out of it, the server holding at most its buffers at a time.
TEST_F(ComponentServiceTest, StreamsBodiesLargerThanTheServerBuffers) {
  Start();
  std::string body(size_t{8} << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = "0123456789"[i % 10];
  absl::StatusOr<HttpResponse> echo =
      Fetch(server_->port(), {"POST", "/echo", {}, body});
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->status, 200);
  ASSERT_EQ(echo->body.size(), body.size() + 26);
  EXPECT_TRUE(echo->body ==
              absl::StrCat(R"({"length":8388608,"echo":)", body, "}"));
  EXPECT_GT(server_->peak_stream_buffered_bytes(), 0u);
  EXPECT_LE(server_->peak_stream_buffered_bytes(),
            HttpServerOptions().stream_buffer_bytes * 2);
}

TEST_F(ComponentServiceTest, ClientLeavingMidBodyIsLoggedAndServingGoesOn) {
  Start();
  ASSERT_TRUE(SendAndHangUp(server_->port(),
                            "POST /echo HTTP/1.1\r\nHost: x\r\n"
                            "Content-Length: 8388608\r\n\r\n" +
                                std::string(1 << 20, '7'))
                  .ok());
  bool logged = false;
  for (absl::Time end = absl::Now() + absl::Seconds(10);
       !logged && absl::Now() < end; absl::SleepFor(absl::Milliseconds(10))) {
    for (const std::string& line : log()) {
      logged |= absl::StrContains(line, "POST /echo") &&
                absl::StrContains(line, "went away");
    }
  }
  EXPECT_TRUE(logged) << absl::StrJoin(log(), "\n");
  HttpResponse hello = Get("/");
  EXPECT_EQ(hello.status, 200);
  EXPECT_EQ(hello.body, "hello from C\n");
}
TEST_F(ComponentServiceTest, TrapIs500WithTheDetailOnlyInTheLog) {
  Start();
  HttpResponse response = Get("/trap");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body, "500 Internal Server Error\n");
  EXPECT_THAT(log(), Contains(AllOf(HasSubstr("GET /trap: 500"),
                                    HasSubstr("ABORTED"))));
  EXPECT_EQ(Get("/").status, 200);  // the next request gets a new instance
}

TEST_F(ComponentServiceTest, DeadlineIs504) {
  ComponentServiceOptions options;
  options.call.timeout = absl::Milliseconds(100);
  Start(options);
  HttpResponse response = Get("/spin");
  EXPECT_EQ(response.status, 504);
  EXPECT_THAT(response.body, Not(HasSubstr("spin")));
  EXPECT_THAT(log(), Contains(AllOf(HasSubstr("GET /spin: 504"),
                                    HasSubstr("DEADLINE_EXCEEDED"))));
}

TEST_F(ComponentServiceTest, OutgoingRequestIsDeniedByDefault) {
  Start();
  HttpResponse response = Get("/outgoing?example.com:80");
  EXPECT_EQ(response.status, 200);
  // error-code HTTP-request-denied is case 15 of wasi:http's error-code.
  EXPECT_EQ(response.body, "error-code 15");
}

TEST_F(ComponentServiceTest, BadRequestIs400) {
  Start();
  absl::StatusOr<HttpResponse> response =
      Fetch(server_->port(), {"GET", "/", {{"Bad Name", "x"}}, ""});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 400);
  EXPECT_THAT(log(), Contains(HasSubstr("refused")));
}

TEST_F(ComponentServiceTest, ReloadRefusesBrokenVersionsAndKeepsTheOld) {
  Start();
  ASSERT_EQ(service_->stats().version, 1u);
  const std::vector<uint8_t> garbage = {0, 'a', 's', 'm', 13, 0, 1, 0, 9};
  Install(path_, garbage);
  absl::Status broken = service_->Reload();
  EXPECT_EQ(broken.code(), absl::StatusCode::kInvalidArgument) << broken;
  Install(path_, guests::scalars_wasm());  // a component, but no handler
  absl::Status no_handler = service_->Reload();
  EXPECT_EQ(no_handler.code(), absl::StatusCode::kNotFound) << no_handler;
  EXPECT_THAT(no_handler.message(), HasSubstr("incoming-handler"));
  std::remove(path_.c_str());
  absl::Status missing = service_->Reload();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_THAT(missing.message(), HasSubstr("cannot open"));
  EXPECT_EQ(service_->stats().version, 1u);
  EXPECT_EQ(Get("/").body, "hello from C\n");
  EXPECT_THAT(log(), Contains(HasSubstr("refused, still serving version 1")));
}

TEST_F(ComponentServiceTest, ReloadsWhenTheFileChanges) {
  ComponentServiceOptions options;
  options.reload_poll = absl::Milliseconds(20);
  Start(options);
  Install(path_, Rebuilt(2));
  ASSERT_TRUE(WaitForVersion(2));
  EXPECT_EQ(Get("/").body, "hello from C\n");
  EXPECT_THAT(log(), Contains(HasSubstr("version 2")));
}

TEST_F(ComponentServiceTest, ReloadUnderLoadLosesNothing) {
  ComponentServiceOptions options;
  options.reload_poll = absl::Milliseconds(10);
  Start(options);
  std::atomic<bool> done{false};
  std::atomic<int> good{0}, bad{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      while (!done.load()) {
        const bool echo = c % 2 == 1;
        absl::StatusOr<HttpResponse> response =
            echo ? Fetch(server_->port(), {"POST", "/echo", {}, "[7]"})
                 : Fetch(server_->port(), {"GET", "/", {}, ""});
        const char* want =
            echo ? R"({"length":3,"echo":[7]})" : "hello from C\n";
        if (response.ok() && response->status == 200 &&
            response->body == want) {
          ++good;
        } else {
          ++bad;
        }
      }
    });
  }
  for (int generation = 2; generation <= 6; ++generation) {
    absl::SleepFor(absl::Milliseconds(50));
    Install(path_, Rebuilt(generation));
    EXPECT_TRUE(WaitForVersion(static_cast<uint64_t>(generation)))
        << "generation " << generation;
  }
  absl::SleepFor(absl::Milliseconds(50));
  done = true;
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(good.load(), 20);
  EXPECT_EQ(service_->stats().version, 6u);
}

}  // namespace
}  // namespace wasmhost::serve
