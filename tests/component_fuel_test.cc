// Fuel for component calls (EngineOptions::consume_fuel is process-wide,
// hence a binary of its own): CallOptions::fuel bounds the main core
// instance's work and remaining_fuel() reports what it left.

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tests/component_fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"

namespace wasmhost::component {
namespace {

Engine MeteredEngine() {
  EngineOptions options;
  options.consume_fuel = true;
  absl::StatusOr<Engine> engine = Engine::Create(options);
  EXPECT_OK(engine.status());
  return *engine;
}

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

}  // namespace
}  // namespace wasmhost::component
