// component::HttpHandler serving the C wasi:http guest
// (guests/components/http_handler.c): responses both ways, bodies in and
// out as strings and as streams, a trap, a deadline, memory and body
// limits, outgoing requests denied and allowed, fresh state per request,
// several threads.

#include "wasmhost/http_handler.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>  // NOLINT(build/c++11)
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "guests/components/http_components.h"
#include "tests/http_test_util.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/errors.h"
#include "wasmhost/wasi_component.h"

namespace wasmhost::component {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::wasmhost::testing::GetRequest;
using ::wasmhost::testing::MakeHttpHandler;
using ::wasmhost::testing::SharedEngine;

Component Guest() {
  absl::StatusOr<Component> component =
      Component::Compile(SharedEngine(), guests::http_handler_wasm());
  EXPECT_OK(component.status());
  return *std::move(component);
}

std::unique_ptr<HttpHandler> MakeHandler(
    const HttpHandlerOptions& options = {}) {
  return MakeHttpHandler(Guest(), options);
}

// A 4 KiB JSON document.
std::string JsonBody() {
  std::string body = "{\"items\":[";
  for (int i = 0; body.size() < 4096 - 40; ++i) {
    absl::StrAppend(&body, i == 0 ? "" : ",", "{\"n\":", i, "}");
  }
  absl::StrAppend(&body, "]}");
  return body;
}

TEST(HttpHandlerTest, HelloWorld) {
  auto handler = MakeHandler();
  ASSERT_OK_AND_ASSIGN(HttpResponse response, handler->Handle(GetRequest("/")));
  EXPECT_OK(response.error);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers,
              ElementsAre(Pair("content-type", "text/plain")));
  EXPECT_EQ(response.body, "hello from C\n");
}

TEST(HttpHandlerTest, GuestReadsRequestHeadersWithoutRegardToCase) {
  auto handler = MakeHandler();
  HttpRequest request = GetRequest("/headers");
  request.headers = {{"X-Test", "a"}, {"other", "b"}, {"x-test", "c"}};
  ASSERT_OK_AND_ASSIGN(HttpResponse response, handler->Handle(request));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "a,c");
}

TEST(HttpHandlerTest, EchoesA4KiBJsonBody) {
  auto handler = MakeHandler();
  HttpRequest request = GetRequest("/echo");
  request.method = "POST";
  request.headers = {{"content-type", "application/json"}};
  request.body = JsonBody();
  ASSERT_OK_AND_ASSIGN(HttpResponse response, handler->Handle(request));
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers,
              ElementsAre(Pair("content-type", "application/json")));
  EXPECT_EQ(response.body, absl::StrCat("{\"length\":", request.body.size(),
                                        ",\"echo\":", request.body, "}"));
}

TEST(HttpHandlerTest, StreamsBodiesBothWays) {
  auto handler = MakeHandler();
  HttpRequest request = GetRequest("/echo");
  request.method = "POST";
  std::vector<std::string> chunks = {"[1,", "2,", "3]"};
  size_t next = 0;
  request.body_source = [&]() -> absl::StatusOr<std::optional<std::string>> {
    if (next == chunks.size()) return std::nullopt;
    return chunks[next++];
  };
  std::vector<int> heads;
  std::string streamed;
  HttpResponseSink sink;
  sink.head = [&](const HttpResponse& head) {
    heads.push_back(head.status);
    return absl::OkStatus();
  };
  sink.body = [&](absl::string_view chunk) {
    streamed.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(HttpResponse response,
                       handler->Handle(request, {}, &sink));
  EXPECT_OK(response.error);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
  EXPECT_THAT(heads, ElementsAre(200));
  EXPECT_EQ(streamed, "{\"length\":7,\"echo\":[1,2,3]}");
}

TEST(HttpHandlerTest, BodySourceErrorIs500WithThatError) {
  auto handler = MakeHandler();
  HttpRequest request = GetRequest("/echo");
  request.body_source = []() -> absl::StatusOr<std::optional<std::string>> {
    return absl::DataLossError("client reset");
  };
  ASSERT_OK_AND_ASSIGN(HttpResponse response, handler->Handle(request));
  EXPECT_EQ(response.status, 500);
  EXPECT_STATUS(response.error, absl::StatusCode::kDataLoss, "client reset");
}

TEST(HttpHandlerTest, SinkErrorIsReturned) {
  auto handler = MakeHandler();
  HttpResponseSink sink;
  sink.head = [](const HttpResponse&) {
    return absl::CancelledError("client went away");
  };
  sink.body = [](absl::string_view) { return absl::OkStatus(); };
  EXPECT_STATUS(handler->Handle(GetRequest("/"), {}, &sink),
                absl::StatusCode::kCancelled, "client went away");
}

TEST(HttpHandlerTest, TrapIs500WithoutGuestDetail) {
  auto handler = MakeHandler();
  ASSERT_OK_AND_ASSIGN(HttpResponse response,
                       handler->Handle(GetRequest("/trap")));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body, "500 Internal Server Error\n");
  EXPECT_STATUS(response.error, absl::StatusCode::kAborted, "unreachable");
  std::optional<TrapInfo> trap = GetTrapInfo(response.error);
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->kind, TrapKind::kUnreachable);
  // The pool replaced the poisoned instance: the next request is served.
  ASSERT_OK_AND_ASSIGN(HttpResponse next, handler->Handle(GetRequest("/")));
  EXPECT_EQ(next.status, 200);
}

TEST(HttpHandlerTest, DeadlineIs504) {
  auto handler = MakeHandler();
  CallOptions options;
  options.timeout = absl::Milliseconds(100);
  ASSERT_OK_AND_ASSIGN(HttpResponse response,
                       handler->Handle(GetRequest("/spin"), options));
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(response.body, "504 Gateway Timeout\n");
  EXPECT_EQ(response.error.code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(HttpHandlerTest, MemoryLimitFailsTheRequest) {
  ASSERT_OK_AND_ASSIGN(HttpResponse unlimited,
                       MakeHandler()->Handle(GetRequest("/alloc")));
  EXPECT_EQ(unlimited.status, 200);
  EXPECT_EQ(unlimited.body, "allocated");

  HttpHandlerOptions options;
  options.pool.instance_options.limits.max_memory_bytes = 2 << 20;
  ASSERT_OK_AND_ASSIGN(HttpResponse limited,
                       MakeHandler(options)->Handle(GetRequest("/alloc")));
  // malloc got NULL (memory.grow failed at the limit) and the guest trapped.
  EXPECT_EQ(limited.status, 500);
  EXPECT_EQ(limited.error.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(limited.body, Not(HasSubstr("unreachable")));
}

TEST(HttpHandlerTest, ResponseBodyLimitIs503) {
  HttpHandlerOptions options;
  options.max_response_body_bytes = 100000;
  auto handler = MakeHandler(options);
  ASSERT_OK_AND_ASSIGN(HttpResponse response,
                       handler->Handle(GetRequest("/big")));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "503 Service Unavailable\n");
  EXPECT_STATUS(response.error, absl::StatusCode::kResourceExhausted,
                "max_response_body_bytes");
  ASSERT_OK_AND_ASSIGN(HttpResponse unlimited,
                       MakeHandler()->Handle(GetRequest("/big")));
  EXPECT_EQ(unlimited.body.size(), 1u << 20);
}

TEST(HttpHandlerTest, NoResponseSetIs500) {
  auto handler = MakeHandler();
  ASSERT_OK_AND_ASSIGN(HttpResponse response,
                       handler->Handle(GetRequest("/none")));
  EXPECT_EQ(response.status, 500);
  EXPECT_STATUS(response.error, absl::StatusCode::kUnknown,
                "without setting a response");
}

TEST(HttpHandlerTest, OutgoingRequestsAreDeniedByDefault) {
  auto handler = MakeHandler();
  ASSERT_OK_AND_ASSIGN(HttpResponse response,
                       handler->Handle(GetRequest("/outgoing?example.com:80")));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "error-code 15");  // HTTP-request-denied
}

TEST(HttpHandlerTest, AllowedOutgoingRequestsPassTheCheck) {
  HttpHandlerOptions options;
  options.allowed_outgoing = {"Example.com:80"};
  auto handler = MakeHandler(options);
  // Allowed (the authority without a port means port 80 over http), but
  // never sent: internal-error.
  ASSERT_OK_AND_ASSIGN(HttpResponse allowed,
                       handler->Handle(GetRequest("/outgoing?example.COM")));
  EXPECT_EQ(allowed.body, "error-code 38");
  ASSERT_OK_AND_ASSIGN(HttpResponse other_port,
                       handler->Handle(GetRequest("/outgoing?example.com:81")));
  EXPECT_EQ(other_port.body, "error-code 15");
  ASSERT_OK_AND_ASSIGN(HttpResponse no_authority,
                       handler->Handle(GetRequest("/outgoing")));
  EXPECT_EQ(no_authority.body, "error-code 15");
}

TEST(HttpHandlerTest, EveryRequestStartsFresh) {
  auto handler = MakeHandler();
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpResponse response,
                         handler->Handle(GetRequest("/counter")));
    EXPECT_EQ(response.body, "1");
  }
  EXPECT_GE(handler->stats().leases, 3u);
}

TEST(HttpHandlerTest, CreateRefusesBadOptions) {
  HttpHandlerOptions reuse;
  reuse.pool.policy = ReusePolicy::kReuse;
  EXPECT_STATUS(HttpHandler::Create(Guest(), Linker(), reuse),
                absl::StatusCode::kInvalidArgument, "kFreshState");
  HttpHandlerOptions bad_entry;
  bad_entry.allowed_outgoing = {"example.com"};
  EXPECT_STATUS(HttpHandler::Create(Guest(), Linker(), bad_entry),
                absl::StatusCode::kInvalidArgument, "host:port");
  Linker with_wasi;
  ASSERT_OK(wasi::AddToComponentLinker(with_wasi));
  EXPECT_EQ(HttpHandler::Create(Guest(), with_wasi).status().code(),
            absl::StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(
      Component scalars,
      Component::Compile(SharedEngine(), guests::scalars_wasm()));
  EXPECT_STATUS(HttpHandler::Create(scalars, Linker()),
                absl::StatusCode::kNotFound, "incoming-handler");
}

TEST(HttpHandlerTest, HandleRefusesMalformedRequests) {
  auto handler = MakeHandler();
  HttpRequest no_method = GetRequest("/");
  no_method.method = "";
  EXPECT_STATUS(handler->Handle(no_method), absl::StatusCode::kInvalidArgument,
                "method");
  HttpRequest bad_header = GetRequest("/");
  bad_header.headers = {{"bad name", "x"}};
  EXPECT_STATUS(handler->Handle(bad_header), absl::StatusCode::kInvalidArgument,
                "bad name");
}

TEST(HttpHandlerTest, ReloadNeedsAnIncomingHandler) {
  auto handler = MakeHandler();
  ASSERT_OK_AND_ASSIGN(
      Component scalars,
      Component::Compile(SharedEngine(), guests::scalars_wasm()));
  EXPECT_STATUS(handler->Reload(scalars), absl::StatusCode::kNotFound,
                "incoming-handler");
  EXPECT_OK(handler->Reload(Guest()));
  ASSERT_OK_AND_ASSIGN(HttpResponse response, handler->Handle(GetRequest("/")));
  EXPECT_EQ(response.status, 200);
}

TEST(HttpHandlerTest, ServesManyThreads) {
  auto handler = MakeHandler();
  const std::string body = JsonBody();
  const std::string expected =
      absl::StrCat("{\"length\":", body.size(), ",\"echo\":", body, "}");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        HttpRequest request = GetRequest(i % 2 == 0 ? "/echo" : "/counter");
        request.method = "POST";
        request.body = body;
        absl::StatusOr<HttpResponse> response = handler->Handle(request);
        bool ok = response.ok() && response->status == 200 &&
                  response->body == (i % 2 == 0 ? expected : "1");
        if (!ok) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
}

}  // namespace
}  // namespace wasmhost::component
