// The trap, deadline and limit checks again in each engine mode. V8 is set
// up once per process, so this source is built into one test binary per
// mode (tests/BUILD.bazel's engine_modes_*_test), WASMHOST_ENGINE_MODE
// naming the Mode:
//   kDefault            EngineOptions{}
//   kTrapHandlerOff     trap_handler = false: explicit bounds checks; no
//                       signal may reach the host's SIGSEGV handler
//   kHostSignalHandler  install_signal_handler = false, the host's handler
//                       (tests/host_signal_handler.h) passing faults to V8:
//                       out-of-bounds traps go through it
//   kBaseline           CompileTier::kBaseline (Liftoff only)
//   kOptimized          CompileTier::kOptimized (TurboFan only)
//   kNoWorkerThreads    worker_threads = 0 (V8 chooses)
//   kCodeCache          a code cache: with kBaseline Engine::Create refuses
//                       it; with eager kOptimized the suite runs
//   kEager              lazy_compilation = false: every function compiled
//                       by Compile
//   kLazyCodeCache      the default lazy tiered engine with a code cache
//                       (files written in the background) and fuel
// Every mode also runs a pool whose instances are made on another thread,
// and (where the engine consumes fuel) a metered call.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/host_signal_handler.h"
#include "tests/test_util.h"
#include "tests/trap_cases.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

using testing::ExpectTrap;
using ::testing::HasSubstr;
using testing::IsOkAndHolds;

enum class Mode {
  kDefault,
  kTrapHandlerOff,
  kHostSignalHandler,
  kBaseline,
  kOptimized,
  kNoWorkerThreads,
  kCodeCache,
  kEager,
  kLazyCodeCache,
};
constexpr Mode kMode = Mode::WASMHOST_ENGINE_MODE;

constexpr uint64_t kPage = 65536;

EngineOptions ModeOptions() {
  EngineOptions options;
  switch (kMode) {
    case Mode::kDefault:
      break;
    case Mode::kTrapHandlerOff:
      options.trap_handler = false;
      break;
    case Mode::kHostSignalHandler:
      options.install_signal_handler = false;
      break;
    case Mode::kBaseline:
      options.compile_tier = CompileTier::kBaseline;
      break;
    case Mode::kOptimized:
      options.compile_tier = CompileTier::kOptimized;
      break;
    case Mode::kNoWorkerThreads:
      options.worker_threads = 0;
      break;
    case Mode::kCodeCache:
      options.code_cache_dir = testing::MakeTempDir();
      options.compile_tier = CompileTier::kOptimized;
      options.lazy_compilation = false;  // files written at Compile
      break;
    case Mode::kEager:
      options.lazy_compilation = false;
      break;
    case Mode::kLazyCodeCache:
      options.code_cache_dir = testing::MakeTempDir();
      options.consume_fuel = true;
      break;
  }
  return options;
}

// The process's engine in this mode. In the signal-handler modes the host
// handler is installed first, as an embedder would.
const Engine& ModeEngine() {
  static const Engine* engine = [] {
    if (kMode == Mode::kHostSignalHandler || kMode == Mode::kTrapHandlerOff) {
      if (!testing::InstallHostSignalHandler()) std::abort();
    }
    absl::StatusOr<Engine> created = Engine::Create(ModeOptions());
    if (!created.ok()) {
      ADD_FAILURE() << "Engine::Create: " << created.status();
      std::abort();
    }
    return new Engine(*std::move(created));
  }();
  return *engine;
}

absl::StatusOr<Instance> Instantiate(absl::Span<const uint8_t> wasm,
                                     const InstanceOptions& options = {}) {
  absl::StatusOr<Module> module = ModeEngine().Compile(wasm);
  if (!module.ok()) return module.status();
  return Instance::Create(*module, Linker(), options);
}

TEST(EngineModesTest, CodeCacheWithBaselineIsRefused) {
  if (kMode != Mode::kCodeCache) GTEST_SKIP() << "code cache mode only";
  // First in the file (gtest runs tests in order): Engine::Create refuses
  // the combination before V8 is set up, which only the first Create does.
  EngineOptions options;
  options.code_cache_dir = testing::MakeTempDir();
  options.compile_tier = CompileTier::kBaseline;
  EXPECT_STATUS(Engine::Create(options), absl::StatusCode::kInvalidArgument,
                "a code cache needs optimised code");
  // The valid combination still works afterwards, and caches.
  ASSERT_OK_AND_ASSIGN(Instance instance, Instantiate(fixtures::traps_wasm()));
  EXPECT_EQ(ModeEngine().code_cache_stats().writes, 1u);
}

TEST(EngineModesTest, EngineHasTheModesOptions) {
  EXPECT_TRUE(ModeEngine().options() == ModeOptions() ||
              kMode == Mode::kCodeCache || kMode == Mode::kLazyCodeCache);
  EXPECT_EQ(ModeEngine().options().compile_tier, ModeOptions().compile_tier);
  EXPECT_EQ(ModeEngine().options().trap_handler, ModeOptions().trap_handler);
}

TEST(EngineModesTest, TrapsOfEveryKindWithBacktraces) {
  const int signals_before = testing::HostSignalsSeen();
  for (const testing::TrapCase& c : testing::TrapCases()) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(Instance instance,
                         Instantiate(fixtures::traps_wasm()));
    ExpectTrap(c.call(instance), c.kind, c.message, c.function,
               c.function_index);
  }

  // Two frames: divide inside outer.
  ASSERT_OK_AND_ASSIGN(Instance i8, Instantiate(fixtures::traps_wasm()));
  ASSERT_OK_AND_ASSIGN(auto outer,
                       i8.GetFunc<int32_t(int32_t, int32_t)>("outer"));
  absl::Status status = outer.Call(1, 0).status();
  ExpectTrap(status, TrapKind::kIntegerDivideByZero, "divide by zero", "divide",
             testing::kDivideIndex);
  std::optional<TrapInfo> info = GetTrapInfo(status);
  ASSERT_TRUE(info.has_value());
  ASSERT_GE(info->backtrace.size(), 2u);
  EXPECT_EQ(info->backtrace[1].function_index, testing::kOuterIndex);
  EXPECT_EQ(info->backtrace[1].function_name, "outer");

  // Where the out-of-bounds load went: through the host's handler to V8,
  // or (trap handler off) through no signal at all.
  if (kMode == Mode::kHostSignalHandler) {
    EXPECT_GT(testing::HostSignalsHandledByV8(), 0);
    EXPECT_EQ(testing::HostSignalsSeen(), testing::HostSignalsHandledByV8());
  }
  if (kMode == Mode::kTrapHandlerOff) {
    EXPECT_EQ(testing::HostSignalsSeen(), signals_before);
  }
}

TEST(EngineModesTest, StackOverflowIsATrap) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Instantiate(fixtures::traps_wasm()));
  ASSERT_OK_AND_ASSIGN(auto recurse,
                       instance.GetFunc<int32_t(int32_t)>("recurse"));
  ExpectTrap(recurse.Call(0).status(), TrapKind::kStackOverflow,
             "Maximum call stack size exceeded", "recurse",
             testing::kRecurseIndex);
}

TEST(EngineModesTest, MaxStackBytesTrapsDeepRecursion) {
  ASSERT_OK_AND_ASSIGN(Instance roomy, Instantiate(fixtures::recursion_wasm()));
  ASSERT_OK_AND_ASSIGN(auto depth, roomy.GetFunc<int32_t(int32_t)>("depth"));
  EXPECT_THAT(depth.Call(2000), IsOkAndHolds(2000));
  InstanceOptions tight_options;
  tight_options.limits.max_stack_bytes = 16 * 1024;
  ASSERT_OK_AND_ASSIGN(Instance tight,
                       Instantiate(fixtures::recursion_wasm(), tight_options));
  ASSERT_OK_AND_ASSIGN(auto tight_depth,
                       tight.GetFunc<int32_t(int32_t)>("depth"));
  absl::StatusOr<int32_t> result = tight_depth.Call(2000);
  EXPECT_STATUS(result, absl::StatusCode::kAborted, "stack overflow");
}

TEST(EngineModesTest, DeadlineStopsALoop) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Instantiate(fixtures::spin_wasm()));
  ASSERT_OK_AND_ASSIGN(auto spin, instance.GetFunc<void()>("spin"));
  const absl::Time start = absl::Now();
  EXPECT_STATUS(spin.Call(CallOptions::WithTimeout(absl::Milliseconds(50))),
                absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(instance.poisoned());
}

TEST(EngineModesTest, MemoryLimits) {
  InstanceOptions options;
  options.limits.max_memory_bytes = 2 * kPage;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instantiate(fixtures::memory_wasm(), options));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  ASSERT_OK_AND_ASSIGN(auto load8, instance.GetFunc<int32_t(int32_t)>("load8"));
  EXPECT_THAT(grow.Call(2), IsOkAndHolds(-1));  // 3 pages > limit
  EXPECT_THAT(grow.Call(1), IsOkAndHolds(1));
  EXPECT_EQ(instance.memory().size(), 2 * kPage);
  // The last byte of the limit is readable, the next one traps.
  EXPECT_THAT(load8.Call(2 * kPage - 1), IsOkAndHolds(0));
  absl::StatusOr<int32_t> outside = load8.Call(2 * kPage);
  EXPECT_STATUS(outside, absl::StatusCode::kAborted,
                "memory access out of bounds");
  std::optional<TrapInfo> info = GetTrapInfo(outside.status());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->kind, TrapKind::kMemoryOutOfBounds);

  InstanceOptions too_small;
  too_small.limits.max_memory_bytes = kPage / 2;
  EXPECT_STATUS(Instantiate(fixtures::memory_wasm(), too_small),
                absl::StatusCode::kResourceExhausted, "memory");
}

TEST(EngineModesTest, PoolInstancesMadeOnAnotherThread) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       ModeEngine().Compile(fixtures::traps_wasm()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(module, Linker()));
  // The other thread's isolate meets the module's code (lazily compiled
  // functions included) for the first time there.
  std::thread other([&pool] {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    using Divide = int32_t(int32_t, int32_t);
    ASSERT_OK_AND_ASSIGN(auto divide,
                         lease.instance().GetFunc<Divide>("divide"));
    EXPECT_THAT(divide.Call(84, 2), IsOkAndHolds(42));
    ExpectTrap(divide.Call(1, 0).status(), TrapKind::kIntegerDivideByZero,
               "divide by zero", "divide", testing::kDivideIndex);
  });
  other.join();
  EXPECT_EQ(pool->stats().misses, 1u);
}

TEST(EngineModesTest, FuelBoundsALoop) {
  if (!ModeEngine().options().consume_fuel) GTEST_SKIP() << "no fuel";
  ASSERT_OK_AND_ASSIGN(Instance instance, Instantiate(fixtures::fuel_wasm()));
  ASSERT_OK_AND_ASSIGN(auto sum, instance.GetFunc<int32_t(int32_t)>("sum"));
  CallOptions options;
  options.fuel = 1000000;
  EXPECT_THAT(sum.Call(options, 100), IsOkAndHolds(4950));
  ASSERT_OK_AND_ASSIGN(auto forever, instance.GetFunc<void()>("forever"));
  options.fuel = 1000;
  EXPECT_STATUS(forever.Call(options), absl::StatusCode::kResourceExhausted,
                "out of fuel");
}

}  // namespace
}  // namespace wasmhost
