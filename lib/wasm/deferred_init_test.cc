#include "lib/wasm/deferred_init.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "lib/wasm/deferred_init_fixtures.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/section_rewriter.h"
#include "lib/wasm/test_module_builder.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::wasm {
namespace {

using testing::Bytes;
using testing::ExpectInvalidArgument;

constexpr char kInit[] = "test:init";

// The rewritten module, made as the host's pipeline does: the planned
// function and sections, and the data section made passive, in one pass.
struct DeferredInit {
  std::vector<uint8_t> bytes;
  bool added = false;
};
DeferredInit Defer(absl::Span<const uint8_t> module) {
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  EXPECT_TRUE(info.ok()) << info.status();
  std::vector<AddedFunction> functions;
  std::vector<SectionAddition> additions;
  absl::StatusOr<DeferredInitPlan> plan =
      PlanDeferredInit(module, *info, kInit, &functions, &additions);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan->added) return {Bytes(module.begin(), module.end()), false};
  AddFunctions(*info, functions, &additions);
  MappedBytes data;
  if (plan->data_to_make_passive) {
    std::vector<uint8_t> payload;
    AppendPassiveDataPayload(module, *info, &payload);
    data.Inject(0).Bytes(payload);
    SectionAddition section;
    section.id = kDataSection;
    section.payload = &data;
    additions.push_back(std::move(section));
  }
  MappedBytes out;
  EXPECT_TRUE(RewriteSections(module, *info, additions, &out).ok());
  return {out.Release(), true};
}

// Compiles and instantiates rewritten bytes through the public API (whose
// own pipeline leaves them alone: nothing is active or started any more,
// and "test:init" is theirs).
Instance Instantiate(const std::vector<uint8_t>& bytes) {
  absl::StatusOr<Engine> engine = Engine::Create();
  EXPECT_TRUE(engine.ok()) << engine.status();
  absl::StatusOr<Module> module = engine->Compile(bytes);
  EXPECT_TRUE(module.ok()) << module.status();
  absl::StatusOr<Instance> instance = Instance::Create(*module, Linker());
  EXPECT_TRUE(instance.ok()) << instance.status();
  return *std::move(instance);
}

int32_t Load(const Instance& instance, int32_t address) {
  return *instance.GetFunc<int32_t(int32_t)>("load")->Call(address);
}

TEST(DeferredInitTest, InstantiationAloneWritesNothingAndStartsNothing) {
  const DeferredInit deferred = Defer(fixtures::deferred_init_wasm());
  ASSERT_TRUE(deferred.added);
  absl::StatusOr<ModuleInfo> info = ReadModule(deferred.bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_FALSE(info->start.has_value());
  ASSERT_EQ(info->data_segments.size(), 3u);
  for (const DataSegment& segment : info->data_segments) {
    EXPECT_FALSE(segment.active);
  }
  EXPECT_EQ(info->data_count, 3u);

  Instance instance = Instantiate(deferred.bytes);
  EXPECT_EQ(Load(instance, 16), 0);
  EXPECT_EQ(Load(instance, 100), 0);
  EXPECT_EQ(*instance.GetFunc<int32_t()>("started")->Call(), 0);
}

TEST(DeferredInitTest, FullInitWritesTheSegmentsThenRunsStart) {
  Instance instance = Instantiate(Defer(fixtures::deferred_init_wasm()).bytes);
  ASSERT_TRUE(instance.GetFunc<void(int32_t)>(kInit)->Call(1).ok());
  EXPECT_EQ(Load(instance, 16), 'a');
  EXPECT_EQ(Load(instance, 18), 'c');
  EXPECT_EQ(Load(instance, 100), 'h');
  EXPECT_EQ(Load(instance, 104), 'o');
  // The start function saw segment 0 written.
  EXPECT_EQ(*instance.GetFunc<int32_t()>("started")->Call(), 'a');
  // The passive segment is intact; the formerly active one is dropped.
  ASSERT_TRUE(instance.GetFunc<void()>("init_passive")->Call().ok());
  EXPECT_EQ(Load(instance, 200), 'x');
  auto init_segment0 = *instance.GetFunc<void(int32_t)>("init_segment0");
  EXPECT_TRUE(init_segment0.Call(0).ok());
  EXPECT_EQ(init_segment0.Call(1).code(), absl::StatusCode::kAborted);
}

TEST(DeferredInitTest, InitWithoutDataDropsTheSegmentsOnly) {
  Instance instance = Instantiate(Defer(fixtures::deferred_init_wasm()).bytes);
  ASSERT_TRUE(instance.GetFunc<void(int32_t)>(kInit)->Call(0).ok());
  EXPECT_EQ(Load(instance, 16), 0);
  EXPECT_EQ(*instance.GetFunc<int32_t()>("started")->Call(), 0);
  ASSERT_TRUE(instance.GetFunc<void()>("init_passive")->Call().ok());
  EXPECT_EQ(Load(instance, 200), 'x');
  // (A trap poisons the instance: last.)
  EXPECT_EQ(instance.GetFunc<void(int32_t)>("init_segment0")->Call(1).code(),
            absl::StatusCode::kAborted);
}

TEST(DeferredInitTest, ASegmentOutOfBoundsTrapsAfterTheEarlierOnes) {
  Instance instance =
      Instantiate(Defer(fixtures::deferred_init_oob_wasm()).bytes);
  absl::Status status = instance.GetFunc<void(int32_t)>(kInit)->Call(1);
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  absl::StatusOr<Memory> memory = instance.GetMemory("mem");
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_EQ(memory->data()[0], 'x');
  EXPECT_EQ(memory->data()[65535], 0);
}

TEST(DeferredInitTest, MovesAStartFunctionWithoutData) {
  const DeferredInit deferred =
      Defer(fixtures::deferred_init_start_only_wasm());
  ASSERT_TRUE(deferred.added);
  Instance instance = Instantiate(deferred.bytes);
  auto g = *instance.GetFunc<int32_t()>("g");
  EXPECT_EQ(*g.Call(), 0);
  ASSERT_TRUE(instance.GetFunc<void(int32_t)>(kInit)->Call(0).ok());
  EXPECT_EQ(*g.Call(), 0);
  ASSERT_TRUE(instance.GetFunc<void(int32_t)>(kInit)->Call(1).ok());
  EXPECT_EQ(*g.Call(), 7);
}

TEST(DeferredInitTest, LeavesAModuleWithNothingToDefer) {
  const Bytes module(fixtures::deferred_init_nothing_wasm().begin(),
                     fixtures::deferred_init_nothing_wasm().end());
  const DeferredInit deferred = Defer(module);
  EXPECT_FALSE(deferred.added);
  EXPECT_EQ(deferred.bytes, module);
}

TEST(DeferredInitTest, RefusesAnExportNameInUse) {
  absl::Span<const uint8_t> module = fixtures::deferred_init_wasm();
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok());
  std::vector<AddedFunction> functions;
  std::vector<SectionAddition> additions;
  ExpectInvalidArgument(
      PlanDeferredInit(module, *info, "load", &functions, &additions).status(),
      "already exports \"load\"");
  ExpectInvalidArgument(
      PlanDeferredInit(module, *info, "\xff", &functions, &additions).status(),
      "UTF-8");
  EXPECT_TRUE(functions.empty());
}

TEST(DeferredInitTest, RefusesInfoThatDoesNotDescribeTheBytes) {
  absl::Span<const uint8_t> module = fixtures::deferred_init_wasm();
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok());
  ModuleInfo lying = *info;
  lying.data_segments[0].data_size = 1u << 30;
  std::vector<AddedFunction> functions;
  std::vector<SectionAddition> additions;
  EXPECT_EQ(
      PlanDeferredInit(module, lying, kInit, &functions, &additions).status(),
      InfoMismatch());
}

}  // namespace
}  // namespace wasmhost::wasm
