// Checks the wasm_fixtures macro: wat2wasm ran and the bytes are embedded.
#include <cstdint>

#include "gtest/gtest.h"
#include "tools/wasm_fixtures_test_fixtures.h"

namespace wasmhost::testing {
namespace {

void ExpectWasmHeader(absl::Span<const uint8_t> bytes) {
  ASSERT_GE(bytes.size(), 8u);
  // "\0asm" magic, then version 1.
  const uint8_t header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  for (size_t i = 0; i < sizeof(header); ++i)
    EXPECT_EQ(bytes[i], header[i]) << i;
}

TEST(WasmFixtures, EmbedsCompiledModules) {
  ExpectWasmHeader(add_wasm());
  ExpectWasmHeader(answer_42_wasm());
}

}  // namespace
}  // namespace wasmhost::testing
