// Tests of wasmhost/limits.h: Limits::max_memory_bytes, max_stack_bytes
// and max_table_elements. CallOptions deadlines are tested in instance_test.cc.

#include "wasmhost/limits.h"

#include <cstdint>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/errors.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

constexpr uint64_t kPage = 65536;

InstanceOptions WithMaxMemory(uint64_t bytes) {
  InstanceOptions options;
  options.limits.max_memory_bytes = bytes;
  return options;
}

TEST(LimitsTest, DefaultIsNoHostLimit) {
  EXPECT_EQ(Limits().max_memory_bytes, 0u);
  EXPECT_EQ(CallOptions().deadline, absl::InfiniteFuture());
}

TEST(LimitsTest, GrowPastLimitReturnsMinusOne) {
  // memory.wat declares 1..4 pages; the host allows 2.
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm(), Linker(),
                                            WithMaxMemory(2 * kPage)));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  ASSERT_OK_AND_ASSIGN(auto pages, instance.GetFunc<int32_t()>("pages"));
  EXPECT_THAT(grow.Call(2), testing::IsOkAndHolds(-1));  // 3 pages > limit
  EXPECT_THAT(pages.Call(), testing::IsOkAndHolds(1));
  EXPECT_EQ(instance.memory().size(), kPage);
  EXPECT_THAT(grow.Call(1),
              testing::IsOkAndHolds(1));  // up to the limit exactly
  EXPECT_THAT(pages.Call(), testing::IsOkAndHolds(2));
  EXPECT_THAT(grow.Call(1), testing::IsOkAndHolds(-1));
  EXPECT_THAT(pages.Call(), testing::IsOkAndHolds(2));
  EXPECT_EQ(instance.memory().size(), 2 * kPage);
  EXPECT_FALSE(instance.poisoned());
}

TEST(LimitsTest, LimitIsRoundedDownToPages) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm(), Linker(),
                                            WithMaxMemory(3 * kPage - 1)));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  EXPECT_THAT(grow.Call(2), testing::IsOkAndHolds(-1));  // 3 pages > 2.99 pages
  EXPECT_THAT(grow.Call(1), testing::IsOkAndHolds(1));
  EXPECT_EQ(instance.memory().size(), 2 * kPage);
}

TEST(LimitsTest, InitialMemoryOverLimitIsResourceExhausted) {
  // memory_big.wat starts at 4 pages.
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::memory_big_wasm()));
  EXPECT_STATUS(Instance::Create(module, Linker(), WithMaxMemory(2 * kPage)),
                absl::StatusCode::kResourceExhausted,
                "exceeds the instance's limit of 131072 bytes");
  // Exactly the initial size is fine.
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      Instance::Create(module, Linker(), WithMaxMemory(4 * kPage)));
  EXPECT_EQ(instance.memory().size(), 4 * kPage);
}

TEST(LimitsTest, ZeroMeansTheModulesOwnMaximum) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm(), Linker(),
                                            WithMaxMemory(0)));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  EXPECT_THAT(grow.Call(3),
              testing::IsOkAndHolds(1));  // to 4 pages, the module's maximum
  EXPECT_THAT(grow.Call(1), testing::IsOkAndHolds(-1));  // past it
  EXPECT_EQ(instance.memory().size(), 4 * kPage);
}

TEST(LimitsTest, LimitAboveModuleMaximumKeepsModuleMaximum) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm(), Linker(),
                                            WithMaxMemory(100 * kPage)));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  EXPECT_THAT(grow.Call(4),
              testing::IsOkAndHolds(-1));  // 5 pages > the module's 4
  EXPECT_THAT(grow.Call(3), testing::IsOkAndHolds(1));
  EXPECT_EQ(instance.memory().size(), 4 * kPage);
}

TEST(LimitsTest, ModuleWithoutMaximumIsCapped) {
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::memory_nomax_wasm(), Linker(),
                           WithMaxMemory(3 * kPage)));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  ASSERT_OK_AND_ASSIGN(auto pages, instance.GetFunc<int32_t()>("pages"));
  EXPECT_THAT(grow.Call(3), testing::IsOkAndHolds(-1));
  EXPECT_THAT(grow.Call(2), testing::IsOkAndHolds(1));
  EXPECT_THAT(grow.Call(1), testing::IsOkAndHolds(-1));
  EXPECT_THAT(pages.Call(), testing::IsOkAndHolds(3));
  EXPECT_EQ(instance.memory().size(), 3 * kPage);

  // Without a host limit the same module grows past that.
  ASSERT_OK_AND_ASSIGN(Instance unlimited,
                       testing::Instantiate(fixtures::memory_nomax_wasm()));
  ASSERT_OK_AND_ASSIGN(auto grow2, unlimited.GetFunc<int32_t(int32_t)>("grow"));
  EXPECT_THAT(grow2.Call(9), testing::IsOkAndHolds(1));
  EXPECT_EQ(unlimited.memory().size(), 10 * kPage);
}

TEST(LimitsTest, LimitsArePerInstance) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::memory_wasm()));
  ASSERT_OK_AND_ASSIGN(
      Instance small, Instance::Create(module, Linker(), WithMaxMemory(kPage)));
  ASSERT_OK_AND_ASSIGN(Instance large, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(auto grow_small,
                       small.GetFunc<int32_t(int32_t)>("grow"));
  ASSERT_OK_AND_ASSIGN(auto grow_large,
                       large.GetFunc<int32_t(int32_t)>("grow"));
  EXPECT_THAT(grow_small.Call(1), testing::IsOkAndHolds(-1));
  EXPECT_THAT(grow_large.Call(1), testing::IsOkAndHolds(1));
}

InstanceOptions WithMaxStack(uint64_t bytes) {
  InstanceOptions options;
  options.limits.max_stack_bytes = bytes;
  return options;
}

// Recursion 2000 deep fits the thread's default stack, not 16 KiB.
TEST(LimitsTest, MaxStackBytesTrapsDeepRecursion) {
  ASSERT_OK_AND_ASSIGN(Instance roomy,
                       testing::Instantiate(fixtures::recursion_wasm()));
  ASSERT_OK_AND_ASSIGN(auto depth, roomy.GetFunc<int32_t(int32_t)>("depth"));
  EXPECT_THAT(depth.Call(2000), testing::IsOkAndHolds(2000));

  ASSERT_OK_AND_ASSIGN(
      Instance tight, testing::Instantiate(fixtures::recursion_wasm(), Linker(),
                                           WithMaxStack(16 * 1024)));
  ASSERT_OK_AND_ASSIGN(auto tight_depth,
                       tight.GetFunc<int32_t(int32_t)>("depth"));
  absl::StatusOr<int32_t> result = tight_depth.Call(2000);
  EXPECT_STATUS(result, absl::StatusCode::kAborted, "stack overflow");
  ASSERT_TRUE(GetTrapInfo(result.status()).has_value());
  EXPECT_EQ(GetTrapInfo(result.status())->kind, TrapKind::kStackOverflow);
}

// The limit applies only to its instance: the thread's default comes back.
TEST(LimitsTest, MaxStackBytesIsPerInstance) {
  ASSERT_OK_AND_ASSIGN(
      Instance tight, testing::Instantiate(fixtures::recursion_wasm(), Linker(),
                                           WithMaxStack(16 * 1024)));
  ASSERT_OK_AND_ASSIGN(auto tight_depth,
                       tight.GetFunc<int32_t(int32_t)>("depth"));
  EXPECT_THAT(tight_depth.Call(10), testing::IsOkAndHolds(10));
  ASSERT_OK_AND_ASSIGN(Instance roomy,
                       testing::Instantiate(fixtures::recursion_wasm()));
  ASSERT_OK_AND_ASSIGN(auto depth, roomy.GetFunc<int32_t(int32_t)>("depth"));
  EXPECT_THAT(depth.Call(2000), testing::IsOkAndHolds(2000));
}

TEST(LimitsTest, TablesOverTheirLimitAreResourceExhausted) {
  // big_tables.wat: two tables of 600,000 elements, over the default.
  EXPECT_EQ(Limits().max_table_elements, 1u << 20);
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::big_tables_wasm()));
  EXPECT_STATUS(Instance::Create(module, Linker()),
                absl::StatusCode::kResourceExhausted,
                "tables start with 1200000 elements, over the instance's "
                "limit of 1048576 (Limits::max_table_elements)");
  InstanceOptions small;
  small.limits.max_table_elements = 1000;
  EXPECT_STATUS(Instance::Create(module, Linker(), small),
                absl::StatusCode::kResourceExhausted, "limit of 1000");
}

TEST(LimitsTest, TablesWithinTheirLimitInstantiate) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::big_tables_wasm()));
  InstanceOptions options;
  options.limits.max_table_elements = 1'200'000;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(module, Linker(), options));
  ASSERT_OK_AND_ASSIGN(auto size, instance.GetFunc<int32_t()>("size"));
  EXPECT_THAT(size.Call(), testing::IsOkAndHolds(1'200'000));
  options.limits.max_table_elements = 0;  // no limit
  EXPECT_OK(Instance::Create(module, Linker(), options).status());
}

}  // namespace
}  // namespace wasmhost
