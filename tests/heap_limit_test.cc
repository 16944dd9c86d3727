// V8's heap running out is a status on the call that caused it, never a
// process abort ("Fatal JavaScript OOM"). A process of its own: the heap is
// made small (an engine flag) so the tests reach the limit quickly.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/engine.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

const Engine& SmallHeapEngine() {
  static const Engine* engine = [] {
    EngineOptions options;
    options.v8_flags = {"--max-old-space-size=64"};
    absl::StatusOr<Engine> created = Engine::Create(options);
    EXPECT_TRUE(created.ok()) << created.status();
    return new Engine(*std::move(created));
  }();
  return *engine;
}

InstanceOptions NoTableLimit() {
  InstanceOptions options;
  options.limits.max_table_elements = 0;
  return options;
}

TEST(HeapLimitTest, GrowingATableUntilTheHeapIsFullFailsTheCall) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       SmallHeapEngine().Compile(fixtures::table_grow_wasm()));
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(module, Linker(), NoTableLimit()));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  absl::Status status;
  for (int i = 0; i < 40 && status.ok(); ++i) {
    absl::StatusOr<int32_t> previous = grow.Call(1'000'000);
    status = previous.status();
    // -1 once V8's own table maximum (10,000,000) is reached: then the heap
    // limit was not the first to stop it, and the test cannot tell.
    ASSERT_TRUE(!previous.ok() || *previous >= 0) << "grow returned -1";
  }
  EXPECT_STATUS(status, absl::StatusCode::kResourceExhausted,
                "exhausted the engine's heap");
  // errors.h's kHeap row.
  EXPECT_EQ(GetErrorInfo(status).kind, ErrorKind::kLimit);
  EXPECT_EQ(GetErrorInfo(status).limit, LimitKind::kHeap);
  EXPECT_TRUE(instance.poisoned());
}

TEST(HeapLimitTest, InstancesThatFillTheHeapFailToInstantiateAndTheHostGoesOn) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       SmallHeapEngine().Compile(fixtures::big_tables_wasm()));
  std::vector<Instance> alive;
  absl::Status status;
  for (int i = 0; i < 200 && status.ok(); ++i) {
    absl::StatusOr<Instance> instance =
        Instance::Create(module, Linker(), NoTableLimit());
    status = instance.status();
    if (instance.ok()) alive.push_back(*std::move(instance));
  }
  EXPECT_STATUS(status, absl::StatusCode::kResourceExhausted,
                "exhausted the engine's heap");
  EXPECT_EQ(GetErrorInfo(status).limit, LimitKind::kHeap);
  alive.clear();
  // The thread's isolate still works once the instances are gone.
  ASSERT_OK_AND_ASSIGN(Module small,
                       SmallHeapEngine().Compile(fixtures::table_grow_wasm()));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(small, Linker()));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  EXPECT_THAT(grow.Call(10), testing::IsOkAndHolds(0));
}

}  // namespace
}  // namespace wasmhost
