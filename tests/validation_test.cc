// Validation before rewriting: a module that is invalid per the core spec
// never compiles, in the configuration that rewrites the most (fuel
// metering, a code cache, pools that reset globals), and the names the
// rewrites add never collide with a module's own. A process of its own: the
// engine's options are fixed when V8 is initialised.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/invalid_fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/engine.h"
#include "wasmhost/instance.h"
#include "wasmhost/pool.h"

namespace wasmhost {
namespace {

const Engine& RewritingEngine() {
  static const Engine* engine = [] {
    EngineOptions options;
    options.consume_fuel = true;
    options.code_cache_dir = testing::MakeTempDir();
    absl::StatusOr<Engine> created = Engine::Create(options);
    EXPECT_TRUE(created.ok()) << created.status();
    return new Engine(*std::move(created));
  }();
  return *engine;
}

CallOptions WithFuel(uint64_t fuel) {
  CallOptions options;
  options.fuel = fuel;
  return options;
}

// Each of these is valid once rewritten, so it would run if the SDK
// validated the rewritten bytes only; twice, so the second Compile meets
// the code cache too.
TEST(ValidationTest, InvalidModuleThatWouldRefillItsFuelIsRefused) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_STATUS(
        RewritingEngine().Compile(invalid_fixtures::refill_fuel_wasm()),
        absl::StatusCode::kInvalidArgument, "invalid module");
  }
}

TEST(ValidationTest, InvalidCallOfTheAppendedGlobalSetterIsRefused) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_STATUS(
        RewritingEngine().Compile(invalid_fixtures::call_global_setter_wasm()),
        absl::StatusCode::kInvalidArgument, "invalid module");
  }
}

TEST(ValidationTest, InvalidReadOfTheFuelScratchLocalIsRefused) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_STATUS(
        RewritingEngine().Compile(invalid_fixtures::fuel_local_wasm()),
        absl::StatusCode::kInvalidArgument, "invalid module");
  }
}

TEST(ValidationTest, MessageGivesTheEnginesReason) {
  absl::StatusOr<Module> module =
      RewritingEngine().Compile(invalid_fixtures::refill_fuel_wasm());
  ASSERT_FALSE(module.ok());
  // V8: "Compiling function #0 failed: invalid global index: 0 @+..."
  EXPECT_NE(module.status().message().find("global"), std::string::npos)
      << module.status();
}

// The module exports "wasmhost:globals:set", "wasmhost:fuel:set",
// "wasmhost:fuel:get" and "wasmhost:global:0" and imports a function from
// "wasmhost:internal": every one stays its own.
class InternalNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Module module, RewritingEngine().Compile(
                                            fixtures::internal_names_wasm()));
    module_.emplace(std::move(module));
    ASSERT_OK(linker_.Define("wasmhost:internal", "memory",
                             []() -> int32_t { return 1234; }));
  }

  std::optional<Module> module_;  // Module has no empty state
  Linker linker_;
};

TEST_F(InternalNamesTest, ModuleKeepsItsOwnExportsAndImports) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(*module_, linker_));
  ASSERT_OK_AND_ASSIGN(auto fuel_get,
                       instance.GetFunc<int64_t()>("wasmhost:fuel:get"));
  EXPECT_THAT(fuel_get.Call(), testing::IsOkAndHolds(42));
  ASSERT_OK_AND_ASSIGN(auto set,
                       instance.GetFunc<void(int32_t)>("wasmhost:globals:set"));
  ASSERT_OK_AND_ASSIGN(auto get,
                       instance.GetFunc<int32_t()>("wasmhost:global:0"));
  EXPECT_THAT(get.Call(), testing::IsOkAndHolds(7));
  EXPECT_OK(set.Call(8));
  EXPECT_THAT(get.Call(), testing::IsOkAndHolds(8));
  ASSERT_OK_AND_ASSIGN(auto host_memory,
                       instance.GetFunc<int32_t()>("host_memory"));
  EXPECT_THAT(host_memory.Call(), testing::IsOkAndHolds(1234));
  // Calling the module's own "wasmhost:fuel:set" does not touch the
  // metering: a call with too little fuel still runs out.
  ASSERT_OK_AND_ASSIGN(auto fuel_set,
                       instance.GetFunc<void(int64_t)>("wasmhost:fuel:set"));
  EXPECT_OK(fuel_set.Call(INT64_MAX));
  EXPECT_STATUS(get.Call(WithFuel(0)), absl::StatusCode::kResourceExhausted,
                "out of fuel");
}

TEST_F(InternalNamesTest, MemoryLimitAndMeteringStillApply) {
  InstanceOptions options;
  options.limits.max_memory_bytes = 64 * 1024;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(*module_, linker_, options));
  ASSERT_OK_AND_ASSIGN(auto store, instance.GetFunc<void(int32_t)>("store"));
  ASSERT_OK_AND_ASSIGN(auto load, instance.GetFunc<int32_t()>("load"));
  EXPECT_OK(store.Call(WithFuel(1000), 5));
  EXPECT_THAT(load.Call(WithFuel(1000)), testing::IsOkAndHolds(5));
  EXPECT_GT(*instance.remaining_fuel(), 0u);
}

TEST_F(InternalNamesTest, FreshStatePoolResetsTheModulesGlobalAndMemory) {
  PoolOptions options;
  options.policy = ReusePolicy::kFreshState;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(*module_, linker_, options));
  for (int lease_number = 0; lease_number < 3; ++lease_number) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(
        auto get, lease.instance().GetFunc<int32_t()>("wasmhost:global:0"));
    ASSERT_OK_AND_ASSIGN(auto set, lease.instance().GetFunc<void(int32_t)>(
                                       "wasmhost:globals:set"));
    ASSERT_OK_AND_ASSIGN(auto store,
                         lease.instance().GetFunc<void(int32_t)>("store"));
    ASSERT_OK_AND_ASSIGN(auto load,
                         lease.instance().GetFunc<int32_t()>("load"));
    // Each lease starts from the state right after instantiation.
    EXPECT_THAT(get.Call(), testing::IsOkAndHolds(7));
    EXPECT_THAT(load.Call(), testing::IsOkAndHolds(0));
    EXPECT_OK(set.Call(100 + lease_number));
    EXPECT_OK(store.Call(lease_number + 1));
  }
  EXPECT_GE(pool->stats().resets, 2u);
}

}  // namespace
}  // namespace wasmhost
