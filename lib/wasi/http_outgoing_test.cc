// p2::OutgoingCall against a loopback server answering raw bytes: the
// request's framing, response framings the C guest's tests do not reach,
// and the errors of a malformed exchange.

#include "lib/wasi/http_outgoing.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/raw_http_server.h"

namespace wasmhost::wasi::p2 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;
using ::wasmhost::testing::RawHttpServer;

OutgoingRequest Request(const std::string& method) {
  OutgoingRequest request;
  request.method = method;
  request.path_with_query = "/p";
  request.headers = {{"Content-Length", "999"}, {"x-a", "1"}};
  return request;
}

HttpTimeouts Short() {
  HttpTimeouts timeouts;
  timeouts.deadline = absl::Now() + absl::Seconds(10);
  return timeouts;
}

// The body to its end, or the error code.
std::string Body(OutgoingCall& call) {
  std::string body;
  for (;;) {
    std::optional<std::string> chunk;
    if (std::optional<HttpError> failed = call.ReadBody(4, &chunk)) {
      return absl::StrCat("error ", failed->code);
    }
    if (!chunk) return body;
    body += *chunk;
  }
}

TEST(OutgoingCallTest, BodyFinishedBeforeStartIsSentWithItsLength) {
  RawHttpServer server("HTTP/1.1 200 OK\r\n\r\nuntil close");
  OutgoingCall call;
  EXPECT_EQ(call.WriteBody("hello "), std::nullopt);
  EXPECT_EQ(call.WriteBody("world"), std::nullopt);
  call.FinishBody({});
  ASSERT_EQ(call.Start(Request("PUT"), "127.0.0.1", server.port(),
                       server.authority(), Short()),
            std::nullopt);
  ASSERT_EQ(call.ReadHead(), std::nullopt);
  EXPECT_EQ(call.status(), 200);
  // No length, not chunked: the body runs to the connection's close.
  EXPECT_EQ(Body(call), "until close");
  std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0], StartsWith("PUT /p HTTP/1.1\r\n"));
  // The guest's Content-Length is replaced by the real one.
  EXPECT_THAT(requests[0], Not(HasSubstr("999")));
  EXPECT_THAT(requests[0],
              HasSubstr("x-a: 1\r\nConnection: close\r\nContent-Length: 11"
                        "\r\n\r\nhello world"));
}

TEST(OutgoingCallTest, InterimResponsesAreSkipped) {
  RawHttpServer server(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nX-B: 2\r\n\r\nnope");
  OutgoingCall call;
  call.FinishBody({});
  ASSERT_EQ(call.Start(Request("GET"), "127.0.0.1", server.port(),
                       server.authority(), Short()),
            std::nullopt);
  ASSERT_EQ(call.ReadHead(), std::nullopt);
  EXPECT_EQ(call.status(), 404);
  EXPECT_THAT(call.headers(),
              ElementsAre(Pair("content-length", "4"), Pair("x-b", "2")));
  EXPECT_EQ(Body(call), "nope");
  FieldList trailers = {{"stale", "x"}};
  EXPECT_EQ(call.ReadTrailers(&trailers), std::nullopt);
  EXPECT_TRUE(trailers.empty());
}

TEST(OutgoingCallTest, HeadResponsesHaveNoBody) {
  RawHttpServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
  OutgoingCall call;
  call.FinishBody({});
  ASSERT_EQ(call.Start(Request("HEAD"), "127.0.0.1", server.port(),
                       server.authority(), Short()),
            std::nullopt);
  ASSERT_EQ(call.ReadHead(), std::nullopt);
  EXPECT_EQ(Body(call), "");
}

TEST(OutgoingCallTest, ChunkedBodyCutShortIsIncomplete) {
  RawHttpServer server(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc");
  OutgoingCall call;
  call.FinishBody({});
  ASSERT_EQ(call.Start(Request("GET"), "127.0.0.1", server.port(),
                       server.authority(), Short()),
            std::nullopt);
  ASSERT_EQ(call.ReadHead(), std::nullopt);
  EXPECT_EQ(Body(call), absl::StrCat("error ", kHttpResponseIncomplete));
  // The error sticks: later reads give it again.
  EXPECT_EQ(call.error()->code, kHttpResponseIncomplete);
}

TEST(OutgoingCallTest, OversizedHeadIsRefused) {
  RawHttpServer server(absl::StrCat(
      "HTTP/1.1 200 OK\r\nX-Big: ", std::string(70 << 10, 'x'), "\r\n\r\n"));
  OutgoingCall call;
  call.FinishBody({});
  ASSERT_EQ(call.Start(Request("GET"), "127.0.0.1", server.port(),
                       server.authority(), Short()),
            std::nullopt);
  std::optional<HttpError> failed = call.ReadHead();
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->code, kHttpResponseHeaderSectionSize);
}

TEST(OutgoingCallTest, BodyBufferedBeforeStartIsBounded) {
  OutgoingCall call;
  EXPECT_EQ(call.WriteBody(std::string(16 << 20, 'x')), std::nullopt);
  std::optional<HttpError> failed = call.WriteBody("y");
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->code, kHttpRequestBodySize);
  EXPECT_THAT(failed->detail, HasSubstr("before handle"));
}

TEST(OutgoingCallTest, AFailedStartIsReportedByTheResponse) {
  OutgoingCall call;
  uint16_t closed = RawHttpServer::ClosedPort();
  std::optional<HttpError> failed =
      call.Start(Request("POST"), "127.0.0.1", closed,
                 absl::StrCat("127.0.0.1:", closed), Short());
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->code, kHttpConnectionRefused);
  // The body goes nowhere without failing; the head read reports it.
  EXPECT_EQ(call.WriteBody("late"), std::nullopt);
  call.FinishBody({});
  std::optional<HttpError> head = call.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->code, kHttpConnectionRefused);
}

TEST(OutgoingCallTest, NothingIsReadBeforeTheRequestIsSent) {
  OutgoingCall call;
  std::optional<HttpError> failed = call.ReadHead();
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->code, kHttpInternalError);
  EXPECT_THAT(failed->detail, HasSubstr("not sent"));
}

TEST(OutgoingCallTest, PastDeadlineConnectsNowhere) {
  RawHttpServer server("HTTP/1.1 200 OK\r\n\r\n");
  OutgoingCall call;
  call.FinishBody({});
  HttpTimeouts timeouts;
  timeouts.deadline = absl::Now() - absl::Seconds(1);
  std::optional<HttpError> failed = call.Start(
      Request("GET"), "localhost", server.port(), server.authority(), timeouts);
  ASSERT_TRUE(failed.has_value());
  // The lookup (unless /etc/hosts answered at once) or the connect is the
  // first wait, and it has no time left.
  EXPECT_THAT(failed->code,
              ::testing::AnyOf(kHttpDnsTimeout, kHttpConnectionTimeout));
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace wasmhost::wasi::p2
