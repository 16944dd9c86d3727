#include "examples/http_server/native_handlers.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace http_server {
namespace {

using ::testing::HasSubstr;

TEST(NativeHandlersTest, HelloWorld) {
  HttpResponse response = HelloWorld(HttpRequest{"GET", "/", {}, ""});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "Hello, world!\n");
}

TEST(NativeHandlersTest, JsonEchoReturnsTheBody) {
  HttpResponse response = JsonEcho(HttpRequest{
      "POST", "/", {{"Content-Type", "application/json; charset=utf-8"}},
      R"({"a":[1,2]})"});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"a":[1,2]})");
  EXPECT_THAT(response.headers,
              testing::Contains(testing::Pair("Content-Type",
                                              "application/json")));
}

TEST(NativeHandlersTest, JsonEchoRefusesOtherTypes) {
  HttpResponse response =
      JsonEcho(HttpRequest{"POST", "/", {{"content-type", "text/plain"}}, "x"});
  EXPECT_EQ(response.status, 415);
  EXPECT_THAT(response.body, HasSubstr("application/json"));
}

}  // namespace
}  // namespace http_server
