// component::HttpHandler serving the C wasi:http guest
// (guests/components/http_handler.c): responses both ways, bodies in and
// out as strings and as streams, a trap, a deadline, memory and body
// limits, outgoing requests denied and sent to a loopback server (its
// response, bodies and trailers both ways, refused, timeouts, https),
// request and response trailers, fresh state per request, several threads.

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
#include "tests/raw_http_server.h"
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
using ::testing::StartsWith;
using ::wasmhost::testing::GetRequest;
using ::wasmhost::testing::MakeHttpHandler;
using ::wasmhost::testing::RawHttpServer;
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

// A handler allowed to send to `authority` only.
std::unique_ptr<HttpHandler> AllowedTo(const std::string& authority) {
  HttpHandlerOptions options;
  options.allowed_outgoing = {authority};
  return MakeHandler(options);
}

// What the guest answers for a response: "STATUS|X-REPLY|BODY|TRAILERS".
std::string Outgoing(HttpHandler& handler, const std::string& route,
                     const std::string& authority,
                     const CallOptions& options = {}) {
  absl::StatusOr<HttpResponse> response =
      handler.Handle(GetRequest(absl::StrCat(route, "?", authority)), options);
  EXPECT_OK(response.status());
  if (!response.ok()) return "";
  EXPECT_EQ(response->status, 200) << response->error;
  return response->body;
}

TEST(HttpHandlerTest, OutgoingRequestGetsTheServersResponse) {
  RawHttpServer server(
      "HTTP/1.1 201 Created\r\nX-Reply: hi\r\nContent-Length: 5\r\n\r\nhello");
  auto handler = AllowedTo(server.authority());
  EXPECT_EQ(Outgoing(*handler, "/outgoing", server.authority()),
            "201|hi|hello|");
  std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0], StartsWith("GET /from-guest?x=1 HTTP/1.1\r\n"));
  // Host is the authority the allow-list checked, not the guest's header.
  EXPECT_THAT(requests[0],
              HasSubstr(absl::StrCat("Host: ", server.authority(), "\r\n")));
  EXPECT_THAT(requests[0], Not(HasSubstr("spoofed")));
  EXPECT_THAT(requests[0], HasSubstr("x-from: guest\r\n"));
  EXPECT_THAT(requests[0], HasSubstr("Connection: close\r\n"));
}

TEST(HttpHandlerTest, OutgoingRequestResolvesHostNames) {
  RawHttpServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  // localhost comes from /etc/hosts; the allow-list ignores case.
  std::string authority = absl::StrCat("localhost:", server.port());
  auto handler = AllowedTo(authority);
  EXPECT_EQ(Outgoing(*handler, "/outgoing",
                     absl::StrCat("LocalHost:", server.port())),
            "200||ok|");
}

TEST(HttpHandlerTest, OutgoingResponseChunkedWithTrailers) {
  RawHttpServer server(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Reply: c\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n");
  auto handler = AllowedTo(server.authority());
  EXPECT_EQ(Outgoing(*handler, "/outgoing", server.authority()),
            "200|c|hello world|x-sum=11;");
}

TEST(HttpHandlerTest, OutgoingBodyStreamsChunkedWithTrailers) {
  RawHttpServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  auto handler = AllowedTo(server.authority());
  HttpRequest request = GetRequest(absl::StrCat("/proxy?", server.authority()));
  request.method = "POST";
  request.body = "abcdefgh";
  ASSERT_OK_AND_ASSIGN(HttpResponse response, handler->Handle(request));
  EXPECT_EQ(response.body, "200||ok|");
  std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0], StartsWith("POST /upload HTTP/1.1\r\n"));
  EXPECT_THAT(requests[0], HasSubstr("Transfer-Encoding: chunked\r\n"));
  EXPECT_THAT(requests[0],
              HasSubstr("\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n2\r\ngh\r\n"
                        "0\r\nx-length: 8\r\n\r\n"));
}

TEST(HttpHandlerTest, OutgoingRequestsOnlyToAllowedAuthorities) {
  RawHttpServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  auto handler = AllowedTo(server.authority());
  // Another port of the same host, and a scheme whose default port is
  // another: denied before any connection.
  EXPECT_EQ(Outgoing(*handler, "/outgoing",
                     absl::StrCat("127.0.0.1:", server.port() + 1)),
            "error-code 15");  // HTTP-request-denied
  EXPECT_EQ(Outgoing(*handler, "/outgoing-https", "127.0.0.1"),
            "error-code 15");
  EXPECT_EQ(Outgoing(*handler, "/outgoing", ""), "error-code 15");
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpHandlerTest, OutgoingHttpsIsRefusedClearly) {
  RawHttpServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  auto handler = AllowedTo(server.authority());
  EXPECT_THAT(Outgoing(*handler, "/outgoing-https", server.authority()),
              StartsWith("error-code 38: https is not supported"));
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpHandlerTest, OutgoingConnectionRefused) {
  std::string closed = absl::StrCat("127.0.0.1:", RawHttpServer::ClosedPort());
  auto handler = AllowedTo(closed);
  EXPECT_EQ(Outgoing(*handler, "/outgoing", closed),
            "error-code 6");  // connection-refused
}

TEST(HttpHandlerTest, OutgoingBadHostNameIsDnsErrorWithoutLookup) {
  auto handler = AllowedTo("bad_host:80");
  EXPECT_EQ(Outgoing(*handler, "/outgoing", "bad_host"),
            "error-code 1");  // DNS-error
}

TEST(HttpHandlerTest, OutgoingFirstByteTimeoutFromRequestOptions) {
  RawHttpServer silent("");  // Reads the request, never answers.
  auto handler = AllowedTo(silent.authority());
  CallOptions options;
  options.timeout = absl::Seconds(20);
  absl::Time start = absl::Now();
  EXPECT_EQ(Outgoing(*handler, "/outgoing-slow", silent.authority(), options),
            "error-code 9");  // connection-read-timeout
  absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(190));
  EXPECT_LT(took, absl::Seconds(5));
}

TEST(HttpHandlerTest, OutgoingWaitIsBoundedByTheCallsDeadline) {
  RawHttpServer silent("");
  auto handler = AllowedTo(silent.authority());  // Default timeouts: 30 s.
  CallOptions options;
  options.timeout = absl::Milliseconds(300);
  absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(
      HttpResponse response,
      handler->Handle(
          GetRequest(absl::StrCat("/outgoing?", silent.authority())), options));
  absl::Duration took = absl::Now() - start;
  EXPECT_LT(took, absl::Seconds(3));
  // The wait ends at the deadline: the guest either still answers with the
  // timeout or is stopped there.
  if (response.status == 200) {
    EXPECT_EQ(response.body, "error-code 9");
  } else {
    EXPECT_EQ(response.status, 504);
  }
}

TEST(HttpHandlerTest, OutgoingResponseCutShortFailsTheBodyRead) {
  RawHttpServer server("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  auto handler = AllowedTo(server.authority());
  // The read fails with HTTP-response-incomplete (25; the guest adds 2).
  EXPECT_EQ(Outgoing(*handler, "/outgoing", server.authority()),
            "200||abc|read failed: 27");
}

TEST(HttpHandlerTest, OutgoingMalformedResponseIsAProtocolError) {
  RawHttpServer server("SMTP ready\r\n\r\n");
  auto handler = AllowedTo(server.authority());
  EXPECT_EQ(Outgoing(*handler, "/outgoing", server.authority()),
            "error-code 35");  // HTTP-protocol-error
  RawHttpServer gzip("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx");
  auto gzip_handler = AllowedTo(gzip.authority());
  EXPECT_EQ(Outgoing(*gzip_handler, "/outgoing", gzip.authority()),
            "error-code 31");  // HTTP-response-transfer-coding
}

TEST(HttpHandlerTest, TrailersRoundTrip) {
  auto handler = MakeHandler();
  HttpRequest request = GetRequest("/trailers");
  request.method = "POST";
  request.body = "data";
  request.trailers = {{"x-sum", "4"}};
  ASSERT_OK_AND_ASSIGN(HttpResponse response, handler->Handle(request));
  EXPECT_OK(response.error);
  EXPECT_EQ(response.body, "data");
  EXPECT_THAT(response.trailers,
              ElementsAre(Pair("x-sum", "4"), Pair("x-guest", "yes")));
  // No trailers in: only the guest's own out.
  request.trailers.clear();
  ASSERT_OK_AND_ASSIGN(HttpResponse bare, handler->Handle(request));
  EXPECT_THAT(bare.trailers, ElementsAre(Pair("x-guest", "yes")));
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
