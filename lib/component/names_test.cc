// The name grammar on the Explainer's examples and near misses.

#include "lib/component/names.h"

#include "gtest/gtest.h"

namespace wasmhost::component {
namespace {

TEST(IsLabel, ExplainerExamples) {
  for (const char* good : {"a", "a-b-c", "a1-2-3", "A", "A-B-C", "A1-2-3",
                           "a11-w0rds", "A11-4CR0NYMS", "m1x3d-4CR0NYMS"}) {
    EXPECT_TRUE(IsLabel(good)) << good;
  }
  for (const char* bad :
       {"", "1-2-3", "aBc", "a-", "-a", "a--b", "a_b", "a.b", "a-Bc"}) {
    EXPECT_FALSE(IsLabel(bad)) << bad;
  }
}

TEST(IsInterfaceName, Forms) {
  for (const char* good :
       {"wasi:cli/stdout", "wasi:cli/stdout@0.2.12", "a:b/c@1.0.0-rc.1+x",
        "a-b:c-d/E-F", "a:b/c@1", "a:b/c@0.1"}) {
    EXPECT_TRUE(IsInterfaceName(good)) << good;
  }
  for (const char* bad :
       {"wasi/cli", "wasi:cli", "Wasi:cli/x", "a:b/", "a:b/c@", "a:b/c@1.x",
        "a:b/c@01.0.0", "a:b/c@1-pre", ":b/c", "a:/c", "a:b/c@1.0.0-",
        "a:b:c/d", "a:b/c/d"}) {
    EXPECT_FALSE(IsInterfaceName(bad)) << bad;
  }
}

TEST(IsPlainName, ResourceFunctions) {
  for (const char* good :
       {"f", "[constructor]r", "[method]r.f", "[static]r-x.f-y"}) {
    EXPECT_TRUE(IsPlainName(good)) << good;
  }
  for (const char* bad : {"[constructor]", "[method]r", "[method]r.",
                          "[static].f", "[async]f", "[method]r.f.g"}) {
    EXPECT_FALSE(IsPlainName(bad)) << bad;
  }
}

}  // namespace
}  // namespace wasmhost::component
