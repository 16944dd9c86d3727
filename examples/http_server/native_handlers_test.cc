#include "examples/http_server/native_handlers.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace http_server {
namespace {

using ::testing::Contains;
using ::testing::Pair;

TEST(NativeHandlersTest, HelloWorld) {
  HttpResponse response = HelloWorld(HttpRequest{"GET", "/", {}, ""});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello from C\n");
}

TEST(NativeHandlersTest, JsonEchoWrapsTheBody) {
  HttpResponse response = JsonEcho(HttpRequest{"POST", "/", {}, R"([1,2])"});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"length":5,"echo":[1,2]})");
  EXPECT_THAT(response.headers,
              Contains(Pair("Content-Type", "application/json")));
}

TEST(NativeHandlersTest, JsonEchoOfNothingIsNull) {
  EXPECT_EQ(JsonEcho(HttpRequest{"POST", "/", {}, ""}).body,
            R"({"length":0,"echo":null})");
}

}  // namespace
}  // namespace http_server
