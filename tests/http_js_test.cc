// component::HttpHandler serving a JavaScript wasi:http handler built by
// componentize-js (guests/components/js/http_fetch.js: StarlingMonkey's
// fetch event): responses both ways, a 4 KiB JSON echo, a thrown error, a
// deadline, a memory limit, fresh state per request, a fetch to an allowed
// loopback server and one denied.

#include "guests/components/js/http_js.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/http_test_util.h"
#include "tests/raw_http_server.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/http_handler.h"

namespace wasmhost::component {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::wasmhost::testing::GetRequest;
using ::wasmhost::testing::MakeHttpHandler;
using ::wasmhost::testing::RawHttpServer;
using ::wasmhost::testing::SharedEngine;

// Compiled once: the component is 13 MB.
const Component& Guest() {
  static const Component* component = [] {
    absl::StatusOr<Component> compiled =
        Component::Compile(SharedEngine(), guests::http_fetch_wasm());
    EXPECT_OK(compiled.status());
    return new Component(*std::move(compiled));
  }();
  return *component;
}

std::unique_ptr<HttpHandler> MakeHandler(
    const HttpHandlerOptions& options = {}) {
  return MakeHttpHandler(Guest(), options);
}

TEST(HttpJsTest, HelloWorld) {
  auto handler = MakeHandler();
  ASSERT_OK_AND_ASSIGN(HttpResponse response, handler->Handle(GetRequest("/")));
  EXPECT_OK(response.error);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers, Contains(Pair("content-type", "text/plain")));
  EXPECT_EQ(response.body, "hello from JavaScript\n");
}

TEST(HttpJsTest, EchoesA4KiBJsonBody) {
  auto handler = MakeHandler();
  std::string body = "[";
  for (int i = 0; body.size() < 4096 - 8; ++i) {
    absl::StrAppend(&body, i == 0 ? "" : ",", i);
  }
  body += "]";
  HttpRequest request = GetRequest("/echo");
  request.method = "POST";
  request.headers = {{"content-type", "application/json"}};
  request.body = body;
  ASSERT_OK_AND_ASSIGN(HttpResponse response, handler->Handle(request));
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers,
              Contains(Pair("content-type", "application/json")));
  EXPECT_EQ(response.body,
            absl::StrCat("{\"length\":", body.size(), ",\"echo\":", body, "}"));
}

TEST(HttpJsTest, EveryRequestStartsFresh) {
  auto handler = MakeHandler();
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpResponse response,
                         handler->Handle(GetRequest("/counter")));
    EXPECT_EQ(response.body, "1");
  }
}

TEST(HttpJsTest, ThrownErrorIs500WithoutGuestDetail) {
  auto handler = MakeHandler();
  ASSERT_OK_AND_ASSIGN(HttpResponse response,
                       handler->Handle(GetRequest("/throw")));
  // StarlingMonkey catches it and answers 500 itself.
  EXPECT_EQ(response.status, 500);
  EXPECT_THAT(response.body, Not(HasSubstr("secret")));
  ASSERT_OK_AND_ASSIGN(HttpResponse next, handler->Handle(GetRequest("/")));
  EXPECT_EQ(next.status, 200);
}

TEST(HttpJsTest, DeadlineIs504) {
  auto handler = MakeHandler();
  CallOptions options;
  options.timeout = absl::Milliseconds(200);
  ASSERT_OK_AND_ASSIGN(HttpResponse response,
                       handler->Handle(GetRequest("/spin"), options));
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(response.error.code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_OK_AND_ASSIGN(HttpResponse next, handler->Handle(GetRequest("/")));
  EXPECT_EQ(next.status, 200);
}

TEST(HttpJsTest, FetchReachesAnAllowedServer) {
  RawHttpServer server(
      "HTTP/1.1 200 OK\r\nX-Reply: js\r\nContent-Length: 4\r\n\r\npong");
  HttpHandlerOptions options;
  options.allowed_outgoing = {server.authority()};
  auto handler = MakeHandler(options);
  CallOptions call;
  call.timeout = absl::Seconds(20);
  ASSERT_OK_AND_ASSIGN(
      HttpResponse response,
      handler->Handle(GetRequest(absl::StrCat("/fetch?", server.authority())),
                      call));
  EXPECT_OK(response.error);
  EXPECT_EQ(response.body, "200|js|pong");
  std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0], ::testing::StartsWith("POST /from-js HTTP/1.1\r\n"));
  EXPECT_THAT(requests[0], HasSubstr("ping"));
}

TEST(HttpJsTest, FetchToARefusingServerRejects) {
  std::string closed = absl::StrCat("127.0.0.1:", RawHttpServer::ClosedPort());
  HttpHandlerOptions options;
  options.allowed_outgoing = {closed};
  auto handler = MakeHandler(options);
  ASSERT_OK_AND_ASSIGN(
      HttpResponse response,
      handler->Handle(GetRequest(absl::StrCat("/fetch?", closed))));
  EXPECT_OK(response.error);
  EXPECT_THAT(response.body, ::testing::StartsWith("failed: "));
}

TEST(HttpJsTest, FetchToADeniedServerFailsClosed) {
  RawHttpServer server("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong");
  auto handler = MakeHandler();  // Nothing allowed.
  ASSERT_OK_AND_ASSIGN(
      HttpResponse response,
      handler->Handle(GetRequest(absl::StrCat("/fetch?", server.authority()))));
  // StarlingMonkey does not turn handle's err(HTTP-request-denied) into a
  // rejected promise: it goes on with handle 0 and traps (the runtime
  // refuses the handle). The request still fails closed: a 500, nothing
  // sent.
  EXPECT_EQ(response.status, 500);
  EXPECT_STATUS(response.error, absl::StatusCode::kAborted, "unknown handle");
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpJsTest, MemoryLimit) {
  HttpHandlerOptions options;
  options.pool.instance_options.limits.max_memory_bytes = 1 << 20;
  EXPECT_STATUS(HttpHandler::Create(Guest(), Linker(), options),
                absl::StatusCode::kResourceExhausted, "max_memory_bytes");
}

}  // namespace
}  // namespace wasmhost::component
