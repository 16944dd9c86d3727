// Tests of wasmhost/engine.h: sharing the process-wide engine and
// compiling modules. Bad engine options are in engine_flags_test.cc (a
// process of its own).

#include "wasmhost/engine.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/global.h"
#include "wasmhost/instance.h"
#include "wasmhost/value.h"

namespace wasmhost {
namespace {

using ::testing::HasSubstr;
using testing::SharedEngine;

TEST(EngineTest, CreateTwiceWithSameOptionsShares) {
  const Engine& first = SharedEngine();
  ASSERT_OK_AND_ASSIGN(Engine second, Engine::Create());
  // One process-wide state: the same options object.
  EXPECT_EQ(&first.options(), &second.options());
  EXPECT_TRUE(second.options() == EngineOptions());
  EXPECT_EQ(second.options().worker_threads, 2);
  EXPECT_EQ(second.options().compile_tier, CompileTier::kTiered);
  // A copy shares it too.
  Engine copy = second;
  EXPECT_EQ(&copy.options(), &first.options());
}

TEST(EngineTest, CreateWithDifferentOptionsFails) {
  SharedEngine();
  EngineOptions options;
  options.worker_threads = 3;
  EXPECT_STATUS(Engine::Create(options), absl::StatusCode::kFailedPrecondition,
                "different EngineOptions");
  EngineOptions flags;
  flags.v8_flags = {"--no-liftoff"};
  EXPECT_STATUS(Engine::Create(flags), absl::StatusCode::kFailedPrecondition,
                "already initialised");
  // The shared engine is unaffected.
  EXPECT_OK(Engine::Create());
}

TEST(EngineTest, CompileValidModule) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       SharedEngine().Compile(fixtures::types_wasm()));
  EXPECT_EQ(module.name(), "types");
  EXPECT_FALSE(module.exports().empty());
}

TEST(EngineTest, CompileRejectsBadMagic) {
  const std::vector<uint8_t> bytes = {0x00, 'a', 's', 'x', 0x01, 0, 0, 0};
  EXPECT_STATUS(SharedEngine().Compile(bytes),
                absl::StatusCode::kInvalidArgument, "at offset 0");
  EXPECT_STATUS(SharedEngine().Compile(bytes),
                absl::StatusCode::kInvalidArgument, "magic");
}

TEST(EngineTest, CompileRejectsEmptyBytes) {
  EXPECT_STATUS(SharedEngine().Compile({}), absl::StatusCode::kInvalidArgument,
                "at offset 0");
}

TEST(EngineTest, CompileRejectsTruncatedModule) {
  absl::Span<const uint8_t> whole = fixtures::types_wasm();
  ASSERT_GT(whole.size(), 40u);
  EXPECT_STATUS(SharedEngine().Compile(whole.subspan(0, 40)),
                absl::StatusCode::kInvalidArgument, "at offset");
  // Cut in the middle of the header.
  EXPECT_STATUS(SharedEngine().Compile(whole.subspan(0, 6)),
                absl::StatusCode::kInvalidArgument, "at offset");
}

TEST(EngineTest, CompileRejectsBodyThatDoesNotTypeCheck) {
  // () -> i32 whose body leaves an i64: well-formed, but invalid. Only V8
  // validates bodies, so the message carries V8's reason.
  const std::vector<uint8_t> bytes = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,        // type: () -> i32
      0x03, 0x02, 0x01, 0x00,                          // function: type 0
      0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b,  // code: i64.const 0
  };
  absl::StatusOr<Module> module = SharedEngine().Compile(bytes);
  EXPECT_THAT(module, testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("invalid module")));
  EXPECT_THAT(module, testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("i64")));
  // V8 gives the byte offset as "@+<offset>".
  EXPECT_THAT(module, testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("@+")));
}

TEST(EngineTest, ExtendedConstantExpressions) {
  // (global (export "g") i32 (i32.add (i32.const 40) (i32.const 2))):
  // extended-const, which V8 10.2 accepts only behind a flag the engine
  // sets (position-independent guests such as componentize-qjs's use it).
  const std::vector<uint8_t> bytes = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
      0x06, 0x09, 0x01, 0x7f, 0x00,                    // global: i32 const
      0x41, 0x28, 0x41, 0x02, 0x6a, 0x0b,              // 40 2 i32.add end
      0x07, 0x05, 0x01, 0x01, 0x67, 0x03, 0x00,        // export "g" global 0
  };
  ASSERT_OK_AND_ASSIGN(Instance instance, testing::Instantiate(bytes));
  ASSERT_OK_AND_ASSIGN(Global global, instance.GetGlobal("g"));
  EXPECT_THAT(global.Get(), testing::IsOkAndHolds(Val::I32(42)));
}

TEST(EngineTest, CompileRejectsUnknownSection) {
  std::vector<uint8_t> bytes = {0x00, 0x61, 0x73, 0x6d, 0x01,
                                0x00, 0x00, 0x00, 0x7f, 0x00};
  EXPECT_STATUS(SharedEngine().Compile(bytes),
                absl::StatusCode::kInvalidArgument, "at offset 8");
}

}  // namespace
}  // namespace wasmhost
