#include "gtest/gtest.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

// The point of this binary is that every file in tests/headers/ compiles
// with only its one public header; this test checks the umbrella header
// reaches the whole API.
TEST(HeadersTest, UmbrellaHeaderDeclaresTheApi) {
  InstanceOptions options;
  EXPECT_EQ(options.limits.max_memory_bytes, 0u);
  EXPECT_EQ(FuncType{}.ToString(), "() -> ()");
  EXPECT_EQ(TrapKindName(TrapKind::kUnreachable), "unreachable");
  EXPECT_EQ(ExternKindName(ExternKind::kMemory), "memory");
}

}  // namespace
}  // namespace wasmhost
