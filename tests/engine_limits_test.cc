// Tests that what the SDK adds to a module (the memory import, the
// accessors of its mutable globals) never takes a valid module past V8's
// limits of 100,000 imports and 100,000 exports: modules generated at the
// limits compile, instantiate and run; what cannot fit is left out (pool
// resets, the per-instance memory cap) with a clear status where it
// matters. A process of its own: the engine lifts ModuleLimits' import and
// export caps (20,000 by default), which refuse such modules earlier.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/limit_module.h"
#include "tests/test_util.h"
#include "wasmhost/engine.h"
#include "wasmhost/instance.h"
#include "wasmhost/pool.h"

namespace wasmhost {
namespace {

using testing::IsOkAndHolds;

using testing::kV8MaxExports;
using testing::kV8MaxImports;
using testing::LimitModule;

const Engine& UnlimitedEngine() {
  static const Engine* engine = [] {
    EngineOptions options;
    options.module_limits.max_imports = 0;
    options.module_limits.max_exports = 0;
    absl::StatusOr<Engine> created = Engine::Create(options);
    EXPECT_TRUE(created.ok()) << created.status();
    return new Engine(*std::move(created));
  }();
  return *engine;
}

// Its mutable globals' getter and setter fill the last two slots.
TEST(EngineLimitsTest, ModuleWithRoomForTheRewritesKeepsFreshStateResets) {
  ASSERT_OK_AND_ASSIGN(Module module, UnlimitedEngine().Compile(
                                          LimitModule(0, kV8MaxExports - 2)));
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(module, Linker()));
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(pool->Invoke<int32_t()>("e0"), IsOkAndHolds(1));
  }
  EXPECT_EQ(pool->stats().resets, 3u);
  EXPECT_EQ(pool->stats().discards, 0u);
}

TEST(EngineLimitsTest, ModuleAtTheExportLimitRunsWithoutResets) {
  ASSERT_OK_AND_ASSIGN(
      Module module, UnlimitedEngine().Compile(LimitModule(0, kV8MaxExports)));
  EXPECT_EQ(module.exports().size(), kV8MaxExports);
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(auto last, instance.GetFunc<int32_t()>("e99999"));
  EXPECT_THAT(last.Call(), IsOkAndHolds(1));
  EXPECT_THAT(last.Call(), IsOkAndHolds(2));
  // A fresh-state pool replaces its instances instead of resetting them:
  // every lease still starts fresh.
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(module, Linker()));
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(pool->Invoke<int32_t()>("e0"), IsOkAndHolds(1));
  }
  EXPECT_EQ(pool->stats().resets, 0u);
  EXPECT_EQ(pool->stats().discards, 2u);
}

// The memory cannot become the 100,001st import: it stays the module's own,
// with the module's own maximum.
TEST(EngineLimitsTest, ModuleAtTheImportLimitKeepsItsOwnMemory) {
  ASSERT_OK_AND_ASSIGN(
      Module module, UnlimitedEngine().Compile(LimitModule(kV8MaxImports, 1)));
  Linker linker;
  for (size_t i = 0; i < kV8MaxImports; ++i) {
    ASSERT_OK(
        linker.Define("env", absl::StrCat("f", i), [] { return int32_t{5}; }));
  }
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(module, linker));
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("e0"));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(5));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(10));

  InstanceOptions capped;
  capped.limits.max_memory_bytes = 2 * 65536;  // the module's own maximum
  ASSERT_OK_AND_ASSIGN(Instance fits, Instance::Create(module, linker, capped));
  capped.limits.max_memory_bytes = 65536;
  EXPECT_STATUS(Instance::Create(module, linker, capped),
                absl::StatusCode::kResourceExhausted,
                "cannot be capped at the instance's limit of 65536 bytes");
  // The thread's other instances carry on.
  EXPECT_THAT(bump.Call(), IsOkAndHolds(15));
}

}  // namespace
}  // namespace wasmhost
