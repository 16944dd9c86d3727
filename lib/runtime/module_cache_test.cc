// A code-cache hit skips validation, the code scan and the rewrites
// (internal::PreparedModuleCount does not move), and what it restores from
// the module record works: fuel metering, the memory the host creates, a
// trap's frame located in the original module.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/runtime/module_state.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

// (module (memory 1)
//   (func (export "seven") (result i32) i32.const 7)
//   (func (export "trap") unreachable))
const std::vector<uint8_t> kModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,              // header
    0x01, 0x08, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x00,  // types
    0x03, 0x03, 0x02, 0x00, 0x01,                                // functions
    0x05, 0x03, 0x01, 0x00, 0x01,                                // memory
    0x07, 0x10, 0x02, 0x05, 's',  'e',  'v',  'e',  'n',  0x00,
    0x00, 0x04, 't',  'r',  'a',  'p',  0x00, 0x01,  // exports
    0x0a, 0x0a, 0x02, 0x04, 0x00, 0x41, 0x07, 0x0b,  // code: seven
    0x03, 0x00, 0x00, 0x0b,                          //       trap
};

TEST(ModuleCacheTest, HitSkipsValidationScanAndRewrites) {
  EngineOptions options;
  options.code_cache_dir =
      absl::StrCat(::testing::TempDir(), "/module_cache_", getpid());
  ASSERT_EQ(mkdir(options.code_cache_dir.c_str(), 0700), 0);
  // TurboFan at Compile: the file is written at once.
  options.compile_tier = CompileTier::kOptimized;
  options.lazy_compilation = false;
  options.consume_fuel = true;
  absl::StatusOr<Engine> engine = Engine::Create(options);
  ASSERT_TRUE(engine.ok()) << engine.status();

  const uint64_t prepared = internal::PreparedModuleCount();
  absl::StatusOr<Module> first = engine->Compile(kModule);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(internal::PreparedModuleCount(), prepared + 1);
  EXPECT_EQ(engine->code_cache_stats().writes, 1u);

  absl::StatusOr<Module> hit = engine->Compile(kModule);
  ASSERT_TRUE(hit.ok()) << hit.status();
  EXPECT_EQ(engine->code_cache_stats().hits, 1u);
  EXPECT_EQ(internal::PreparedModuleCount(), prepared + 1);  // not again
  ASSERT_EQ(hit->exports().size(), 2u);
  EXPECT_EQ(hit->exports()[0].name, "seven");
  ASSERT_TRUE(hit->memory().has_value());

  absl::StatusOr<Instance> instance = Instance::Create(*hit, Linker());
  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(instance->memory().size(), 65536u);
  absl::StatusOr<TypedFunc<int32_t()>> seven =
      instance->GetFunc<int32_t()>("seven");
  ASSERT_TRUE(seven.ok()) << seven.status();
  CallOptions call;
  call.fuel = 1000;
  absl::StatusOr<int32_t> result = seven->Call(call);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 7);
  absl::StatusOr<uint64_t> left = instance->remaining_fuel();
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_LT(*left, 1000u);
  call.fuel = 0;
  EXPECT_EQ(seven->Call(call).status().code(),
            absl::StatusCode::kResourceExhausted);

  absl::StatusOr<Instance> other = Instance::Create(*hit, Linker());
  ASSERT_TRUE(other.ok()) << other.status();
  absl::StatusOr<TypedFunc<void()>> trap = other->GetFunc<void()>("trap");
  ASSERT_TRUE(trap.ok()) << trap.status();
  const absl::Status trapped = trap->Call();
  std::optional<TrapInfo> info = GetTrapInfo(trapped);
  ASSERT_TRUE(info.has_value()) << trapped;
  EXPECT_EQ(info->kind, TrapKind::kUnreachable);
  ASSERT_FALSE(info->backtrace.empty());
  EXPECT_EQ(info->backtrace[0].function_index, 1u);
  // The `unreachable` of the second body, in the original bytes.
  EXPECT_EQ(info->backtrace[0].module_offset, kModule.size() - 2);
}

}  // namespace
}  // namespace wasmhost
