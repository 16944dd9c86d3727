// Fuel metering (EngineOptions::consume_fuel, CallOptions::fuel,
// Instance::remaining_fuel). A process of its own: the engine's options are
// fixed when V8 is initialised.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/child_process.h"
#include "tests/fixtures.h"
#include "tests/limit_module.h"
#include "tests/test_util.h"
#include "wasmhost/engine.h"
#include "wasmhost/errors.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

// The child-process mode of this binary prints the fuel sum(n) uses.
constexpr char kChildFlag[] = "--fuel-child=";

Engine MeteredEngine() {
  EngineOptions options;
  options.consume_fuel = true;
  // Modules at V8's export limit (the fuel exports' room) are past the
  // default ModuleLimits.
  options.module_limits.max_exports = 0;
  absl::StatusOr<Engine> engine = Engine::Create(options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *engine;
}

Instance NewFuelInstance() {
  absl::StatusOr<Module> module =
      MeteredEngine().Compile(fixtures::fuel_wasm());
  EXPECT_TRUE(module.ok()) << module.status();
  absl::StatusOr<Instance> instance = Instance::Create(*module, Linker());
  EXPECT_TRUE(instance.ok()) << instance.status();
  return std::move(*instance);
}

CallOptions WithFuel(uint64_t fuel) {
  CallOptions options;
  options.fuel = fuel;
  return options;
}

// Fuel sum(n) uses on a fresh instance, or -1 on failure.
int64_t FuelUsedBySum(int32_t n) {
  Instance instance = NewFuelInstance();
  absl::StatusOr<TypedFunc<int32_t(int32_t)>> sum =
      instance.GetFunc<int32_t(int32_t)>("sum");
  if (!sum.ok()) return -1;
  constexpr uint64_t kBudget = 1'000'000'000;
  if (!sum->Call(WithFuel(kBudget), n).ok()) return -1;
  absl::StatusOr<uint64_t> left = instance.remaining_fuel();
  return left.ok() ? static_cast<int64_t>(kBudget - *left) : -1;
}

TEST(FuelTest, ResultsAreUnchangedByMetering) {
  Instance instance = NewFuelInstance();
  ASSERT_OK_AND_ASSIGN(auto sum, instance.GetFunc<int32_t(int32_t)>("sum"));
  EXPECT_THAT(sum.Call(WithFuel(1'000'000), 100), testing::IsOkAndHolds(4950));
  EXPECT_THAT(sum.Call(100), testing::IsOkAndHolds(4950));
}

TEST(FuelTest, FuelGrowsLinearlyWithWork) {
  const int64_t used_10 = FuelUsedBySum(10);
  const int64_t used_20 = FuelUsedBySum(20);
  const int64_t used_30 = FuelUsedBySum(30);
  ASSERT_GT(used_10, 0);
  EXPECT_GT(used_20, used_10);
  // Each loop iteration costs the same.
  EXPECT_EQ(used_30 - used_20, used_20 - used_10);
}

TEST(FuelTest, SameInputsUseTheSameFuelOnEveryInstance) {
  const int64_t first = FuelUsedBySum(12345);
  ASSERT_GT(first, 0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(FuelUsedBySum(12345), first);
}

TEST(FuelTest, SameInputsUseTheSameFuelInAnotherProcess) {
  const int64_t here = FuelUsedBySum(777);
  ASSERT_GT(here, 0);
  const testing::ChildResult child =
      testing::RunThisBinary(absl::StrCat(kChildFlag, "777"));
  EXPECT_EQ(child.status, 0);
  int64_t there = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(child.out), &there))
      << child.out;
  EXPECT_EQ(there, here);
}

TEST(FuelTest, RunningOutIsResourceExhaustedAndPoisons) {
  Instance instance = NewFuelInstance();
  ASSERT_OK_AND_ASSIGN(auto sum, instance.GetFunc<int32_t(int32_t)>("sum"));
  EXPECT_STATUS(sum.Call(WithFuel(50), 1'000'000),
                absl::StatusCode::kResourceExhausted, "out of fuel");
  EXPECT_THAT(instance.remaining_fuel(), testing::IsOkAndHolds(0u));
  EXPECT_TRUE(instance.poisoned());
  EXPECT_STATUS(sum.Call(WithFuel(1'000'000), 1),
                absl::StatusCode::kFailedPrecondition, "out of fuel");
}

TEST(FuelTest, ExactFuelSucceedsAndOneLessRunsOut) {
  const int64_t needed = FuelUsedBySum(50);
  ASSERT_GT(needed, 0);
  Instance exact = NewFuelInstance();
  ASSERT_OK_AND_ASSIGN(auto sum, exact.GetFunc<int32_t(int32_t)>("sum"));
  EXPECT_THAT(sum.Call(WithFuel(needed), 50), testing::IsOkAndHolds(1225));
  EXPECT_THAT(exact.remaining_fuel(), testing::IsOkAndHolds(0u));

  Instance short_one = NewFuelInstance();
  ASSERT_OK_AND_ASSIGN(auto sum2, short_one.GetFunc<int32_t(int32_t)>("sum"));
  EXPECT_STATUS(sum2.Call(WithFuel(needed - 1), 50),
                absl::StatusCode::kResourceExhausted, "out of fuel");
}

TEST(FuelTest, FuelStopsAnEndlessLoopWithoutADeadline) {
  Instance instance = NewFuelInstance();
  ASSERT_OK_AND_ASSIGN(auto forever, instance.GetFunc<void()>("forever"));
  EXPECT_STATUS(forever.Call(WithFuel(100'000)),
                absl::StatusCode::kResourceExhausted, "out of fuel");
}

TEST(FuelTest, ACallWithoutFuelAfterOneWithFuelIsUnlimited) {
  Instance instance = NewFuelInstance();
  ASSERT_OK_AND_ASSIGN(auto sum, instance.GetFunc<int32_t(int32_t)>("sum"));
  ASSERT_OK(sum.Call(WithFuel(1'000), 1).status());
  // Far more work than 1000 units allow.
  EXPECT_THAT(sum.Call(100'000), testing::IsOkAndHolds(704982704));
}

// A host function calling back into the same instance (its allocator):
// the nested call is charged to the enclosing call's budget, and cannot
// set one of its own.
TEST(FuelTest, ACallReenteringTheInstanceRunsOnTheEnclosingBudget) {
  absl::Status nested_with_fuel;
  Linker linker;
  ASSERT_OK(linker.Define(
      "env", "greeting",
      [&](Caller& caller, int32_t length) -> absl::StatusOr<int32_t> {
        absl::StatusOr<TypedFunc<int32_t(int32_t)>> malloc =
            caller.GetFunc<int32_t(int32_t)>("malloc");
        if (!malloc.ok()) return malloc.status();
        nested_with_fuel = malloc->Call(WithFuel(1'000), length).status();
        return malloc->Call(length);
      }));
  ASSERT_OK_AND_ASSIGN(Module module,
                       MeteredEngine().Compile(fixtures::caller_alloc_wasm()));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(module, linker));
  ASSERT_OK_AND_ASSIGN(auto run, instance.GetFunc<int32_t(int32_t)>("run"));
  constexpr uint64_t kBudget = 1'000'000;
  EXPECT_THAT(run.Call(WithFuel(kBudget), 8), testing::IsOkAndHolds(1024));
  EXPECT_STATUS(nested_with_fuel, absl::StatusCode::kInvalidArgument,
                "enclosing call's");
  ASSERT_OK_AND_ASSIGN(uint64_t left, instance.remaining_fuel());
  EXPECT_LT(left, kBudget);  // not lifted to unlimited by the nested call
  EXPECT_GT(left, kBudget - 1'000);
  // Too little for run and malloc together runs out.
  EXPECT_STATUS(run.Call(WithFuel(kBudget - left - 1), 8),
                absl::StatusCode::kResourceExhausted, "out of fuel");
}

TEST(FuelTest, RemainingFuelNeedsAMeteredCall) {
  Instance instance = NewFuelInstance();
  EXPECT_STATUS(instance.remaining_fuel(),
                absl::StatusCode::kFailedPrecondition, "CallOptions::fuel");
}

// An f64 export is called through its boundary wrapper, which fuel meters
// too: the charge stays deterministic, running out in either function is
// "out of fuel", and the value keeps its bits.
TEST(FuelTest, FloatExportsAreMeteredWithTheirWrapper) {
  Instance instance = NewFuelInstance();
  ASSERT_OK_AND_ASSIGN(auto negate, instance.GetFunc<double(double)>("negate"));
  const uint64_t nan_bits = 0x7ff4000000000001ull;  // signalling, payload 1
  double nan;
  std::memcpy(&nan, &nan_bits, sizeof nan);
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(double negated, negate.Call(WithFuel(1'000), nan));
    uint64_t bits;
    std::memcpy(&bits, &negated, sizeof bits);
    EXPECT_EQ(bits, nan_bits | (uint64_t{1} << 63));
    // 3 for negate's body (local.get, f64.neg, end), 7 for the wrapper's
    // (local.get, f64.reinterpret_i64, call, local.set, local.get,
    // i64.reinterpret_f64, end).
    EXPECT_THAT(instance.remaining_fuel(), testing::IsOkAndHolds(990u));
  }
  // Short by one: negate's own check fails; short by 5: the wrapper's.
  for (uint64_t fuel : {9u, 5u}) {
    Instance short_one = NewFuelInstance();
    ASSERT_OK_AND_ASSIGN(auto f, short_one.GetFunc<double(double)>("negate"));
    EXPECT_STATUS(f.Call(WithFuel(fuel), 1.0),
                  absl::StatusCode::kResourceExhausted, "out of fuel");
  }
}

// Instrumentation must not disturb trap reports: kind, function and the
// offset in the original module.
TEST(FuelTest, TrapsStillReportTheOriginalLocation) {
  Instance instance = NewFuelInstance();
  ASSERT_OK_AND_ASSIGN(auto divide,
                       instance.GetFunc<int32_t(int32_t, int32_t)>("divide"));
  absl::StatusOr<int32_t> result = divide.Call(WithFuel(1'000), 1, 0);
  EXPECT_STATUS(result, absl::StatusCode::kAborted, "divide by zero");
  std::optional<TrapInfo> trap = GetTrapInfo(result.status());
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->kind, TrapKind::kIntegerDivideByZero);
  ASSERT_FALSE(trap->backtrace.empty());
  EXPECT_EQ(trap->backtrace[0].function_name, "divide");
  EXPECT_EQ(trap->backtrace[0].function_index, 2u);
  // The offset points at the i32.div_s (0x6d) of the original module.
  const absl::Span<const uint8_t> original = fixtures::fuel_wasm();
  ASSERT_LT(trap->backtrace[0].module_offset, original.size());
  EXPECT_EQ(original[trap->backtrace[0].module_offset], 0x6d);
}

// Bulk instructions run in chunks whose loop the fuel meters: a 1 GiB
// memory.fill cannot run on a small budget.
TEST(FuelTest, FuelBoundsABulkInstruction) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       MeteredEngine().Compile(fixtures::bulk_long_wasm()));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(
      auto fill,
      instance.GetFunc<void(int32_t, int32_t, int32_t)>("memory_fill"));
  constexpr int32_t kGiB = 1 << 30;
  const absl::Time start = absl::Now();
  EXPECT_STATUS(fill.Call(WithFuel(1'000), 0, 1, kGiB),
                absl::StatusCode::kResourceExhausted, "out of fuel");
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(200));
  // Stopped a few MiB in: the end of the memory is untouched.
  ASSERT_OK_AND_ASSIGN(std::string tail,
                       instance.memory().ReadString(kGiB - 16, 16));
  EXPECT_EQ(tail, std::string(16, '\0'));
}

// A trap inside a bulk instruction's helper, through both rewrites' offset
// maps, reports the guest's function at the original instruction.
TEST(FuelTest, BulkTrapsReportTheOriginalInstruction) {
  ASSERT_OK_AND_ASSIGN(
      Module module, MeteredEngine().Compile(fixtures::bulk_semantics_wasm()));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(
      auto fill,
      instance.GetFunc<void(int32_t, int32_t, int32_t)>("memory_fill"));
  constexpr int32_t kEnd = 4 << 20;       // Its memory: 64 pages.
  for (int32_t n : {2, (1 << 20) + 1}) {  // cheap path, chunked path
    ASSERT_OK_AND_ASSIGN(instance, Instance::Create(module, Linker()));
    ASSERT_OK_AND_ASSIGN(
        fill, instance.GetFunc<void(int32_t, int32_t, int32_t)>("memory_fill"));
    absl::Status status = fill.Call(WithFuel(1'000'000), kEnd - n + 1, 0, n);
    std::optional<TrapInfo> trap = GetTrapInfo(status);
    ASSERT_TRUE(trap.has_value()) << status;
    EXPECT_EQ(trap->kind, TrapKind::kMemoryOutOfBounds);
    ASSERT_EQ(trap->backtrace.size(), 1u);  // The helper's frame is hidden.
    EXPECT_EQ(trap->backtrace[0].function_name, "memory_fill");
    const absl::Span<const uint8_t> original = fixtures::bulk_semantics_wasm();
    const uint32_t at = trap->backtrace[0].module_offset;
    ASSERT_LT(at + 1, original.size());
    EXPECT_EQ(original[at], 0xfc);
    EXPECT_EQ(original[at + 1], 0x0b);  // memory.fill
  }
}

// TypedFunc::CallBatch's budget is the whole batch's.
TEST(FuelTest, FuelIsTheWholeBatchsBudget) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       MeteredEngine().Compile(fixtures::batch_wasm()));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(auto score, instance.GetFunc<int64_t(int64_t)>("score"));
  constexpr uint64_t kFuel = 1'000'000;
  ASSERT_OK(score.Call(WithFuel(kFuel), 1).status());
  absl::StatusOr<uint64_t> left = instance.remaining_fuel();
  ASSERT_OK(left.status());
  const uint64_t per_row = kFuel - *left;
  ASSERT_GT(per_row, 0u);
  // A batch uses what as many calls would: the driver is not metered.
  std::vector<int64_t> rows(200'000);
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<int64_t> out(100);
  ASSERT_OK(score.CallBatch(WithFuel(kFuel),
                            absl::MakeConstSpan(rows).first(100),
                            absl::MakeSpan(out)));
  EXPECT_THAT(instance.remaining_fuel(),
              testing::IsOkAndHolds(kFuel - 100 * per_row));
  // Fuel for 10 rows and a half: row 10 runs out.
  std::vector<int64_t> many(rows.size());
  const absl::Status status = score.CallBatch(
      WithFuel(10 * per_row + per_row / 2), rows, absl::MakeSpan(many));
  EXPECT_STATUS(status, absl::StatusCode::kResourceExhausted,
                "batch row 10: out of fuel");
  EXPECT_EQ(GetErrorInfo(status).limit, LimitKind::kFuel);
  EXPECT_EQ(GetErrorInfo(status).batch_row, 10u);
  EXPECT_EQ(many[9], 28);
  EXPECT_TRUE(instance.poisoned());
}

// Metering needs two exports of its own: a module within two of V8's
// export limit is refused with a clear status; one with room runs metered.
TEST(FuelTest, ModuleWithoutRoomForTheFuelExportsIsResourceExhausted) {
  const Engine engine = MeteredEngine();
  EXPECT_STATUS(
      engine.Compile(testing::LimitModule(0, testing::kV8MaxExports - 1)),
      absl::StatusCode::kResourceExhausted,
      "fuel metering (EngineOptions::consume_fuel) adds 2 exports");
  // Room for fuel (2) but not for the pool-reset exports (2): compiles,
  // and calls are metered.
  absl::StatusOr<Module> module =
      engine.Compile(testing::LimitModule(0, testing::kV8MaxExports - 2));
  ASSERT_OK(module.status());
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(*module, Linker()));
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("e0"));
  EXPECT_THAT(bump.Call(WithFuel(1000)), testing::IsOkAndHolds(1));
  ASSERT_OK_AND_ASSIGN(uint64_t left, instance.remaining_fuel());
  EXPECT_LT(left, 1000u);
}

}  // namespace
}  // namespace wasmhost

int main(int argc, char** argv) {
  if (argc == 2 && absl::StartsWith(argv[1], wasmhost::kChildFlag)) {
    int32_t n = 0;
    if (!absl::SimpleAtoi(argv[1] + sizeof(wasmhost::kChildFlag) - 1, &n)) {
      return 2;
    }
    std::printf("%lld\n", static_cast<long long>(wasmhost::FuelUsedBySum(n)));
    return 0;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
