// Fuel for component calls (EngineOptions::consume_fuel is process-wide,
// hence a binary of its own): CallOptions::fuel is one budget for every
// core instance of the component, and remaining_fuel() reports what all of
// them left.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/component_fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_typed.h"

namespace wasmhost::component {
namespace {

using ::wasmhost::testing::MeteredEngine;
using Score = Result<double, std::string>;
using Take = TypedFunc<Score(std::string_view, absl::Span<const double>)>;

Instance NewInstance() {
  absl::StatusOr<Component> component =
      Component::Compile(MeteredEngine(), wasmhost::testing::canon_wasm());
  EXPECT_OK(component.status());
  Linker linker;
  auto unused = [](Caller&, absl::Span<const Val>, std::vector<Val>&) {
    return absl::OkStatus();
  };
  EXPECT_OK(linker.Define("log", unused));
  EXPECT_OK(linker.Define("fetch", unused));
  absl::StatusOr<Instance> instance = Instance::Create(*component, linker);
  EXPECT_OK(instance.status());
  return *std::move(instance);
}

TEST(ComponentFuelTest, FuelStopsARunawayCall) {
  Instance instance = NewInstance();
  ASSERT_OK_AND_ASSIGN(Func spin, instance.GetFunc("spin"));
  CallOptions options;
  options.fuel = 100'000;
  EXPECT_STATUS(spin.Call(options, {}).status(),
                absl::StatusCode::kResourceExhausted, "out of fuel");
  EXPECT_TRUE(instance.poisoned());
  EXPECT_THAT(instance.remaining_fuel(), ::wasmhost::testing::IsOkAndHolds(0u));
}

TEST(ComponentFuelTest, RemainingFuelAfterACall) {
  Instance instance = NewInstance();
  EXPECT_STATUS(instance.remaining_fuel().status(),
                absl::StatusCode::kFailedPrecondition, "fuel");
  ASSERT_OK_AND_ASSIGN(Func echo, instance.GetFunc("echo"));
  CallOptions options;
  options.fuel = 1'000'000;
  ASSERT_OK_AND_ASSIGN(std::vector<Val> out,
                       echo.Call(options, {Val::String("abc")}));
  EXPECT_EQ(out.at(0), Val::String("abc"));
  ASSERT_OK_AND_ASSIGN(uint64_t left, instance.remaining_fuel());
  EXPECT_GT(left, 0u);
  EXPECT_LT(left, 1'000'000u);
  EXPECT_FALSE(instance.poisoned());
}

// tests/components/fuel.wat: work(here, there) loops `here` times in the
// main core instance and `there` times in another one.
Instance FuelInstance() {
  absl::StatusOr<Component> component =
      Component::Compile(MeteredEngine(), wasmhost::testing::fuel_wasm());
  EXPECT_OK(component.status());
  absl::StatusOr<Instance> instance = Instance::Create(*component, Linker());
  EXPECT_OK(instance.status());
  return *std::move(instance);
}

constexpr uint64_t kPlenty = 100'000'000;

// The fuel a work(here, there) call uses, on a fresh instance.
uint64_t FuelUsed(uint32_t here, uint32_t there) {
  Instance instance = FuelInstance();
  absl::StatusOr<Func> work = instance.GetFunc("work");
  EXPECT_OK(work.status());
  CallOptions options;
  options.fuel = kPlenty;
  EXPECT_OK(work->Call(options, {Val::U32(here), Val::U32(there)}).status());
  absl::StatusOr<uint64_t> left = instance.remaining_fuel();
  EXPECT_OK(left.status());
  return kPlenty - *left;
}

TEST(ComponentFuelTest, FuelRunsOutInAnotherCoreInstance) {
  Instance instance = FuelInstance();
  ASSERT_OK_AND_ASSIGN(
      auto work, (instance.GetFunc<uint32_t(uint32_t, uint32_t)>("work")));
  ASSERT_TRUE(work.direct());
  CallOptions options;
  options.fuel = 100'000;
  // Without a budget of its own, the other instance would loop 2^31 times.
  EXPECT_STATUS(work.Call(options, 0, 0x80000000u).status(),
                absl::StatusCode::kResourceExhausted, "out of fuel");
  EXPECT_TRUE(instance.poisoned());
  EXPECT_THAT(instance.remaining_fuel(), ::wasmhost::testing::IsOkAndHolds(0u));
}

TEST(ComponentFuelTest, EveryCoreInstanceSpendsTheOneBudget) {
  const uint64_t none = FuelUsed(0, 0);
  const uint64_t here = FuelUsed(1000, 0);
  const uint64_t there = FuelUsed(0, 1000);
  EXPECT_GT(here, none + 1000);
  EXPECT_GT(there, none + 1000);
  // The other instance's loop is charged to the same budget.
  EXPECT_EQ(FuelUsed(1000, 1000), here + there - none);
}

TEST(ComponentFuelTest, TogetherOverTheBudgetIsOutOfFuel) {
  const uint64_t both =
      FuelUsed(1000, 1000);  // each part alone is about half of it
  for (const bool typed : {false, true}) {
    Instance instance = FuelInstance();
    CallOptions options;
    options.fuel = both - 1;
    absl::Status status;
    if (typed) {
      ASSERT_OK_AND_ASSIGN(
          auto work, (instance.GetFunc<uint32_t(uint32_t, uint32_t)>("work")));
      status = work.Call(options, 1000, 1000).status();
    } else {
      ASSERT_OK_AND_ASSIGN(Func work, instance.GetFunc("work"));
      status = work.Call(options, {Val::U32(1000), Val::U32(1000)}).status();
    }
    EXPECT_STATUS(status, absl::StatusCode::kResourceExhausted,
                  "core instances used");
    EXPECT_TRUE(instance.poisoned());
    EXPECT_THAT(instance.remaining_fuel(),
                ::wasmhost::testing::IsOkAndHolds(0u));
  }
  // Exactly the budget is enough.
  Instance instance = FuelInstance();
  ASSERT_OK_AND_ASSIGN(Func work, instance.GetFunc("work"));
  CallOptions options;
  options.fuel = both;
  EXPECT_OK(work.Call(options, {Val::U32(1000), Val::U32(1000)}).status());
  EXPECT_THAT(instance.remaining_fuel(), ::wasmhost::testing::IsOkAndHolds(0u));
}

TEST(ComponentFuelTest, ACallWithoutFuelAfterOneWithFuelIsUnlimited) {
  Instance instance = FuelInstance();
  ASSERT_OK_AND_ASSIGN(
      auto work, (instance.GetFunc<uint32_t(uint32_t, uint32_t)>("work")));
  CallOptions options;
  options.fuel = 100'000;
  EXPECT_THAT(work.Call(options, 10, 10),
              ::wasmhost::testing::IsOkAndHolds(20u));
  // Far more than the last call's budget, in both core instances.
  EXPECT_THAT(work.Call(100'000, 100'000),
              ::wasmhost::testing::IsOkAndHolds(200'000u));
}

// A typed call through the component driver (tests/components/driver.wat)
// runs its reallocs, the call and post-return on the call's fuel: a
// runaway realloc or callee stops out of fuel, and a normal call leaves
// less than its budget.
TEST(ComponentFuelTest, FuelCoversTheDriversSteps) {
  for (const uint32_t mode : {4u, 6u}) {
    ASSERT_OK_AND_ASSIGN(
        Component component,
        Component::Compile(MeteredEngine(), wasmhost::testing::driver_wasm()));
    ASSERT_OK_AND_ASSIGN(Instance instance,
                         Instance::Create(component, Linker()));
    ASSERT_OK_AND_ASSIGN(auto take, Take::Get(instance, "", "take"));
    ASSERT_TRUE(take.driven());
    const double xs[] = {1.0, 2.0};
    CallOptions options;
    options.fuel = 100'000;
    ASSERT_OK_AND_ASSIGN(Score r, take.Call(options, "ab", xs));
    EXPECT_EQ(r.value(), 5.0);
    ASSERT_OK_AND_ASSIGN(uint64_t left, instance.remaining_fuel());
    EXPECT_LT(left, 100'000u);
    EXPECT_GT(left, 0u);
    ASSERT_OK_AND_ASSIGN(auto set,
                         instance.GetFunc<void(uint32_t)>("set-mode"));
    ASSERT_OK(set.Call(mode));
    EXPECT_STATUS(take.Call(options, "ab", xs).status(),
                  absl::StatusCode::kResourceExhausted, "out of fuel");
    EXPECT_TRUE(instance.poisoned());
  }
}

}  // namespace
}  // namespace wasmhost::component
