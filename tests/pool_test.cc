// Tests of wasmhost/pool.h: reuse policies and state isolation, Invoke,
// caps and timeouts, many threads, thread exit, creation failures, stats,
// lease moves and the setup, initialize and reset hooks.

#include "wasmhost/pool.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/errors.h"

namespace wasmhost {
namespace {

using testing::CallGuest;
using ::testing::HasSubstr;
using testing::IsOkAndHolds;

constexpr absl::StatusCode kResourceExhausted =
    absl::StatusCode::kResourceExhausted;
constexpr absl::StatusCode kInvalidArgument =
    absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;
constexpr absl::StatusCode kAborted = absl::StatusCode::kAborted;

// pool_counter.wat's bump() on a fresh instance: memory counter 1, global 1.
constexpr int32_t kFreshBump = 1001;

absl::StatusOr<std::unique_ptr<InstancePool>> MakePool(
    absl::Span<const uint8_t> wasm, const PoolOptions& options) {
  absl::StatusOr<Module> module = testing::Compile(wasm);
  if (!module.ok()) return module.status();
  return InstancePool::Create(*module, Linker(), options);
}

absl::StatusOr<std::unique_ptr<InstancePool>> CounterPool(
    ReusePolicy policy, PoolOptions options = {}) {
  options.policy = policy;
  return MakePool(fixtures::pool_counter_wasm(), options);
}

// A kFreshState counter pool of at most `max` instances, all on one thread
// or not, whose Acquire waits up to `timeout` at the cap.
absl::StatusOr<std::unique_ptr<InstancePool>> CappedPool(
    size_t max, absl::Duration timeout) {
  PoolOptions options;
  options.max_instances = max;
  options.max_instances_per_thread = max;
  options.acquire_timeout = timeout;
  return CounterPool(ReusePolicy::kFreshState, options);
}

int64_t ElapsedMillis(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - start)
      .count();
}

uint64_t LatencyTotal(const PoolStats& stats) {
  uint64_t total = 0;
  for (uint64_t count : stats.acquire_latency) total += count;
  return total;
}

// ---------------------------------------------------------------------------
// kFreshState: every lease starts from the state right after instantiation.

TEST(PoolTest, FreshStateEveryLeaseSeesInitialMemoryAndGlobals) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "memory_count"), IsOkAndHolds(0)) << i;
    EXPECT_THAT(CallGuest(lease, "global_count"), IsOkAndHolds(0)) << i;
    EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(kFreshBump)) << i;
    EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(2002)) << i;
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, 5u);
  EXPECT_EQ(stats.warm_hits, 5u);  // the instance made by Create, each time
  EXPECT_EQ(stats.misses, 0u);
  EXPECT_EQ(stats.resets, 5u);
  EXPECT_EQ(stats.discards, 0u);
  EXPECT_EQ(stats.idle, 1u);
  EXPECT_EQ(stats.in_use, 0u);
}

TEST(PoolTest, FreshStateInvokeReturnsTheSameValueEveryTime) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  for (int i = 0; i < 10; ++i) {
    EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(kFreshBump));
  }
  EXPECT_EQ(pool->stats().resets, 10u);
}

TEST(PoolTest, FreshStateAfterMemoryGrowReplacesTheInstance) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(kFreshBump));
    ASSERT_OK_AND_ASSIGN(auto grow, lease->GetFunc<int32_t(int32_t)>("grow"));
    EXPECT_THAT(grow.Call(2), IsOkAndHolds(16));  // the old size in pages
    EXPECT_THAT(CallGuest(lease, "pages"), IsOkAndHolds(18));
  }
  PoolStats after_grow = pool->stats();
  EXPECT_EQ(after_grow.discards, 1u);
  EXPECT_EQ(after_grow.resets, 0u);
  EXPECT_EQ(after_grow.idle, 0u);
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "pages"), IsOkAndHolds(16));
    EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(kFreshBump));
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.misses, 1u);  // the replacement
  EXPECT_EQ(stats.resets, 1u);
  EXPECT_EQ(stats.discards, 1u);
  EXPECT_EQ(stats.traps, 0u);
}

// A replacement is instantiated without the module's initialisation (its
// data segments and start function): the image holds their work.
TEST(PoolTest, FreshStateReplacementRunsNoStartFunctionAgain) {
  auto starts = std::make_shared<std::atomic<int>>(0);
  Linker linker;
  ASSERT_OK(linker.Define("host", "started", [starts] { ++*starts; }));
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::pool_start_data_wasm()));
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(module, linker));
  EXPECT_EQ(*starts, 1);
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto grow, lease->GetFunc<int32_t()>("grow"));
    EXPECT_THAT(grow.Call(), IsOkAndHolds(1));  // discarded on release
  }
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto byte, lease->GetFunc<int32_t(int32_t)>("byte"));
    EXPECT_THAT(byte.Call(64), IsOkAndHolds('s'));
    EXPECT_THAT(byte.Call(69), IsOkAndHolds('d'));
    EXPECT_THAT(CallGuest(lease, "g"), IsOkAndHolds(5));
  }
  EXPECT_EQ(pool->stats().replacements, 1u);
  EXPECT_EQ(*starts, 1);
  // A plain instance still runs it.
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(module, linker));
  EXPECT_EQ(*starts, 2);
}

TEST(PoolTest, FreshStateAfterTrapReplacesThePoisonedInstance) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto trap, lease->GetFunc<void()>("bump_then_trap"));
    absl::Status status = trap.Call();
    EXPECT_STATUS(status, kAborted, "unreachable");
    std::optional<TrapInfo> info = GetTrapInfo(status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->kind, TrapKind::kUnreachable);
    EXPECT_TRUE(lease->poisoned());
  }
  PoolStats after_trap = pool->stats();
  EXPECT_EQ(after_trap.traps, 1u);
  EXPECT_EQ(after_trap.discards, 1u);
  EXPECT_EQ(after_trap.in_use, 0u);
  EXPECT_EQ(after_trap.idle, 0u);
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_FALSE(lease->poisoned());
    EXPECT_THAT(CallGuest(lease, "memory_count"), IsOkAndHolds(0));
    EXPECT_THAT(CallGuest(lease, "global_count"), IsOkAndHolds(0));
    EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(kFreshBump));
  }
  EXPECT_EQ(pool->stats().traps, 1u);
  EXPECT_EQ(pool->stats().resets, 1u);
}

// Written pages are copied back within keep_resident_bytes and dropped
// beyond it; either way every lease starts from the image.
class FreshStateKeepResidentTest : public ::testing::TestWithParam<size_t> {};

TEST_P(FreshStateKeepResidentTest, AfterWritingManyPages) {
  PoolOptions options;
  options.keep_resident_bytes = GetParam();
  ASSERT_OK_AND_ASSIGN(auto pool,
                       CounterPool(ReusePolicy::kFreshState, options));
  constexpr int32_t kPages = 16;  // one byte in each 64 KiB page
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto dirty, lease->GetFunc<void(int32_t)>("dirty"));
    ASSERT_OK(dirty.Call(kPages));
    ASSERT_OK_AND_ASSIGN(auto page_byte,
                         lease->GetFunc<int32_t(int32_t)>("page_byte"));
    for (int32_t page = 0; page < kPages; ++page) {
      EXPECT_THAT(page_byte.Call(page), IsOkAndHolds(0xab)) << page;
    }
    EXPECT_THAT(lease->memory().ReadString(64, 8), IsOkAndHolds("XXXXXXXX"));
  }
  // Alternately many and few pages: pages kept resident by one reset are
  // restored again by the next.
  for (int32_t written : {1, kPages, 2, 1}) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto page_byte,
                         lease->GetFunc<int32_t(int32_t)>("page_byte"));
    for (int32_t page = 0; page < kPages; ++page) {
      EXPECT_THAT(page_byte.Call(page), IsOkAndHolds(0)) << page;
    }
    // The data segment is back too.
    EXPECT_THAT(lease->memory().ReadString(64, 17),
                IsOkAndHolds("pool fixture data"));
    ASSERT_OK_AND_ASSIGN(auto dirty, lease->GetFunc<void(int32_t)>("dirty"));
    ASSERT_OK(dirty.Call(written));
  }
  EXPECT_EQ(pool->stats().resets, 5u);
  EXPECT_EQ(pool->stats().discards, 0u);
}

INSTANTIATE_TEST_SUITE_P(Budgets, FreshStateKeepResidentTest,
                         ::testing::Values(size_t{0}, size_t{8 * 1024},
                                           PoolOptions().keep_resident_bytes,
                                           size_t{64} << 20),
                         [](const ::testing::TestParamInfo<size_t>& test) {
                           return absl::StrCat("KeepResident", test.param);
                         });

TEST(PoolTest, FreshStateDataSegmentVisibleInEveryLease) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(lease->memory().ReadString(64, 17),
                IsOkAndHolds("pool fixture data"));
    EXPECT_EQ(lease->memory().size(), 16u * 65536);
    // A host write is undone as well.
    const uint8_t host_bytes[] = {'H', 'O', 'S', 'T'};
    ASSERT_OK(lease->memory().Write(64, host_bytes));
    EXPECT_THAT(lease->memory().ReadString(64, 4), IsOkAndHolds("HOST"));
  }
}

TEST(PoolTest, FreshStateWithTableMutationReplacesInstances) {
  PoolOptions options;
  options.policy = ReusePolicy::kFreshState;
  ASSERT_OK_AND_ASSIGN(auto pool,
                       MakePool(fixtures::pool_table_wasm(), options));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "call0"), IsOkAndHolds(1)) << i;
    EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(kFreshBump)) << i;
    ASSERT_OK_AND_ASSIGN(auto swap, lease->GetFunc<void()>("swap"));
    ASSERT_OK(swap.Call());
    EXPECT_THAT(CallGuest(lease, "call0"), IsOkAndHolds(2)) << i;
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, 3u);
  EXPECT_EQ(stats.discards, 3u);
  EXPECT_EQ(stats.resets, 0u);
  EXPECT_EQ(stats.warm_hits, 1u);  // the instance made by Create
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.traps, 0u);
}

TEST(PoolTest, FreshStateWithTableMutationSaysWhyItCannotReset) {
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(fixtures::pool_table_wasm(), {}));
  EXPECT_THAT(pool->stats().fresh_state_refusal, HasSubstr("changes tables"));
}

// A dropped data segment cannot be restored: each lease gets a new
// instance, whose segment is there again.
TEST(PoolTest, FreshStateWithDataDropGivesEveryLeaseItsSegment) {
  ASSERT_OK_AND_ASSIGN(auto pool,
                       MakePool(fixtures::pool_data_drop_wasm(), {}));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "init_once"), IsOkAndHolds('h')) << i;
  }
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.resets, 0u);
  EXPECT_EQ(stats.discards, 3u);
  EXPECT_THAT(stats.fresh_state_refusal, HasSubstr("data.drop"));
}

TEST(PoolTest, ResettableModuleHasNoRefusal) {
  ASSERT_OK_AND_ASSIGN(auto pool, MakePool(fixtures::pool_counter_wasm(), {}));
  EXPECT_EQ(pool->stats().fresh_state_refusal, "");
}

TEST(PoolTest, FreshStateWithReferenceGlobalReplacesInstances) {
  PoolOptions options;
  options.policy = ReusePolicy::kFreshState;
  ASSERT_OK_AND_ASSIGN(auto pool,
                       MakePool(fixtures::pool_refglobal_wasm(), options));
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(1)) << i;
  }
  EXPECT_EQ(pool->stats().discards, 3u);
  EXPECT_EQ(pool->stats().resets, 0u);
  EXPECT_THAT(pool->stats().fresh_state_refusal, HasSubstr("is not a number"));
}

TEST(PoolTest, FreshStateRefusesImportedState) {
  ASSERT_OK_AND_ASSIGN(Memory memory, Memory::Create({1, 2}));
  ASSERT_OK_AND_ASSIGN(Table table,
                       Table::Create({ValType::kFuncRef, 1, 3},
                                     Val::NullRef(ValType::kFuncRef)));
  ASSERT_OK_AND_ASSIGN(Global mutable_global,
                       Global::Create({ValType::kI64, true}, Val::I64(0)));
  ASSERT_OK_AND_ASSIGN(Global constant,
                       Global::Create({ValType::kI32, false}, Val::I32(0)));
  Linker limits_linker;
  ASSERT_OK(limits_linker.Define("env", "mem", memory));
  ASSERT_OK(limits_linker.Define("env", "t", table));
  Linker mutable_linker;
  ASSERT_OK(mutable_linker.Define("env", "g", mutable_global));
  Linker constant_linker;
  ASSERT_OK(constant_linker.Define("env", "g", constant));
  ASSERT_OK_AND_ASSIGN(Module limits,
                       testing::Compile(fixtures::imports_limits_wasm()));
  ASSERT_OK_AND_ASSIGN(Module mutable_import,
                       testing::Compile(fixtures::imports_global_mut_wasm()));
  ASSERT_OK_AND_ASSIGN(Module constant_import,
                       testing::Compile(fixtures::imports_global_wasm()));
  ASSERT_OK_AND_ASSIGN(Module table_only,
                       testing::Compile(fixtures::imports_table_wasm()));
  Linker table_linker;
  ASSERT_OK(table_linker.Define("env", "t", table));

  PoolOptions fresh;
  fresh.policy = ReusePolicy::kFreshState;
  EXPECT_STATUS(InstancePool::Create(limits, limits_linker, fresh),
                absl::StatusCode::kFailedPrecondition,
                "cannot restore the imported memory env.mem");
  EXPECT_STATUS(InstancePool::Create(table_only, table_linker, fresh),
                absl::StatusCode::kFailedPrecondition,
                "cannot restore the imported table env.t");
  EXPECT_STATUS(InstancePool::Create(mutable_import, mutable_linker, fresh),
                absl::StatusCode::kFailedPrecondition,
                "cannot restore the imported global env.g");
  // An immutable global holds no state; other policies keep no promise.
  EXPECT_OK(InstancePool::Create(constant_import, constant_linker, fresh));
  PoolOptions reuse;
  reuse.policy = ReusePolicy::kReuse;
  EXPECT_OK(InstancePool::Create(limits, limits_linker, reuse));
}

// ---------------------------------------------------------------------------
// kReuse and kNewInstance.

TEST(PoolTest, ReuseKeepsStateAcrossLeasesOnTheSameThread) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse));
  EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(1001));
  EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(2002));
  EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(3003));
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, 3u);
  EXPECT_EQ(stats.warm_hits, 3u);
  EXPECT_EQ(stats.misses, 0u);
  EXPECT_EQ(stats.resets, 0u);
  EXPECT_EQ(stats.discards, 0u);
  EXPECT_EQ(stats.idle, 1u);
}

TEST(PoolTest, ReuseKeepsGrownMemory) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse));
  EXPECT_THAT(pool->Invoke<int32_t(int32_t)>("grow", 1), IsOkAndHolds(16));
  EXPECT_THAT(pool->Invoke<int32_t()>("pages"), IsOkAndHolds(17));
  EXPECT_EQ(pool->stats().discards, 0u);
}

TEST(PoolTest, NewInstanceEveryLeaseIsFresh) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kNewInstance));
  EXPECT_EQ(pool->stats().idle, 0u);  // Create's instance is not kept
  for (int i = 0; i < 4; ++i) {
    EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(kFreshBump));
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, 4u);
  EXPECT_EQ(stats.misses, stats.leases);
  EXPECT_EQ(stats.warm_hits, 0u);
  EXPECT_EQ(stats.resets, 0u);
  EXPECT_EQ(stats.discards, 0u);  // destroyed by design, not discarded
  EXPECT_EQ(stats.idle, 0u);
}

// ---------------------------------------------------------------------------
// Invoke.

TEST(PoolTest, InvokeCallsTheExport) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  EXPECT_THAT((pool->Invoke<int32_t(int32_t, int32_t)>("add", 40, 2)),
              IsOkAndHolds(42));
  EXPECT_THAT((pool->Invoke<int32_t(int32_t, int32_t)>("add", -5, 3)),
              IsOkAndHolds(-2));
  EXPECT_EQ(pool->stats().leases, 2u);
  EXPECT_EQ(pool->stats().in_use, 0u);
}

TEST(PoolTest, InvokeOfUnknownExportIsNotFound) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  EXPECT_STATUS(pool->Invoke<int32_t()>("no_such_export"), kNotFound,
                "no_such_export");
  EXPECT_EQ(pool->stats().in_use, 0u);
}

TEST(PoolTest, InvokeWithWrongSignatureIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  auto wrong = pool->Invoke<int64_t(int64_t)>("add", int64_t{1});
  EXPECT_STATUS(wrong, kInvalidArgument, "(i32, i32) -> i32");
  EXPECT_STATUS(wrong, kInvalidArgument, "(i64) -> i64");
  EXPECT_EQ(pool->stats().in_use, 0u);
}

TEST(PoolTest, InvokeOfTrappingExportReturnsTheTrap) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse));
  absl::Status status = pool->Invoke<void()>("bump_then_trap");
  EXPECT_STATUS(status, kAborted, "unreachable");
  ASSERT_TRUE(GetTrapInfo(status).has_value());
  EXPECT_EQ(GetTrapInfo(status)->kind, TrapKind::kUnreachable);
  EXPECT_EQ(pool->stats().traps, 1u);
  // Even under kReuse the poisoned instance is gone: the next one is new.
  EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(kFreshBump));
}

// ---------------------------------------------------------------------------
// Caps and timeouts.

TEST(PoolTest, PerThreadCapFailsAtOnce) {
  PoolOptions options;
  options.max_instances_per_thread = 1;
  options.acquire_timeout = absl::Seconds(5);
  ASSERT_OK_AND_ASSIGN(auto pool,
                       CounterPool(ReusePolicy::kFreshState, options));
  ASSERT_OK_AND_ASSIGN(Lease held, pool->Acquire());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_STATUS(pool->Acquire(), kResourceExhausted,
                "max_instances_per_thread");
  EXPECT_LT(ElapsedMillis(start), 1000);  // no wait for the 5 s timeout
  EXPECT_EQ(pool->stats().timeouts, 0u);
  EXPECT_EQ(pool->stats().in_use, 1u);
  EXPECT_EQ(pool->stats().leases, 1u);
}

TEST(PoolTest, TotalCapOnOneThreadTimesOut) {
  ASSERT_OK_AND_ASSIGN(auto pool, CappedPool(2, absl::ZeroDuration()));
  ASSERT_OK_AND_ASSIGN(Lease first, pool->Acquire());
  ASSERT_OK_AND_ASSIGN(Lease second, pool->Acquire());
  // The per-thread cap is hit first.
  EXPECT_STATUS(pool->Acquire(), kResourceExhausted,
                "max_instances_per_thread");
  EXPECT_EQ(pool->stats().in_use, 2u);
}

TEST(PoolTest, TotalCapTimesOutWhileAnotherThreadHoldsTheLease) {
  ASSERT_OK_AND_ASSIGN(auto pool, CappedPool(1, absl::Milliseconds(50)));
  std::promise<void> acquired, done;
  std::shared_future<void> done_future = done.get_future().share();
  std::thread holder([&] {
    absl::StatusOr<Lease> lease = pool->Acquire();
    EXPECT_OK(lease.status());
    acquired.set_value();
    done_future.wait();
  });
  acquired.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Lease> blocked = pool->Acquire();
  const int64_t waited = ElapsedMillis(start);
  EXPECT_STATUS(blocked, kResourceExhausted, "max_instances");
  EXPECT_GE(waited, 40);
  EXPECT_LT(waited, 5000);
  EXPECT_EQ(pool->stats().timeouts, 1u);
  EXPECT_EQ(pool->stats().in_use, 1u);
  done.set_value();
  holder.join();
  EXPECT_EQ(pool->stats().in_use, 0u);
  // Released: this thread gets one now.
  EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(kFreshBump));
  EXPECT_EQ(pool->stats().timeouts, 1u);
}

TEST(PoolTest, TotalCapWaitsForAnotherThreadsRelease) {
  ASSERT_OK_AND_ASSIGN(auto pool, CappedPool(1, absl::Seconds(10)));
  std::promise<void> acquired;
  std::atomic<bool> releasing{false};
  std::thread holder([&] {
    absl::StatusOr<Lease> lease = pool->Acquire();
    EXPECT_OK(lease.status());
    acquired.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    releasing.store(true);
  });  // releases on return
  acquired.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Lease> lease = pool->Acquire();
  const int64_t waited = ElapsedMillis(start);
  ASSERT_OK(lease.status());
  // Granted by the holder's release, not before it, and well within 10 s.
  EXPECT_TRUE(releasing.load());
  EXPECT_LT(waited, 5000);
  EXPECT_THAT(CallGuest(*lease, "bump"), IsOkAndHolds(kFreshBump));
  holder.join();
  EXPECT_EQ(pool->stats().timeouts, 0u);
  EXPECT_EQ(pool->stats().leases, 2u);
}

// A thread keeps the lease it released reserved for its next Acquire; an
// Acquire on another thread that finds the cap reached takes it.
TEST(PoolTest, TotalCapTakesTheSpareLeaseOfAnIdleThread) {
  ASSERT_OK_AND_ASSIGN(auto pool, CappedPool(1, absl::ZeroDuration()));
  std::promise<void> released, main_done;
  std::thread other([&] {
    EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(kFreshBump));
    released.set_value();
    main_done.get_future().wait();
    // And back: this thread's spare went to the main thread.
    EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(kFreshBump));
  });
  released.get_future().wait();
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_EQ(pool->stats().in_use, 1u);
  }
  EXPECT_EQ(pool->stats().in_use, 0u);
  main_done.set_value();
  other.join();
  EXPECT_EQ(pool->stats().timeouts, 0u);
  EXPECT_EQ(pool->stats().leases, 3u);
}

TEST(PoolTest, MaxIdlePerThreadBoundsIdleInstances) {
  PoolOptions options;
  options.max_idle_per_thread = 1;
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse, options));
  {
    std::vector<Lease> leases;
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
      leases.push_back(std::move(lease));
    }
    EXPECT_EQ(pool->stats().in_use, 3u);
    EXPECT_EQ(pool->stats().idle, 0u);
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.idle, 1u);
  EXPECT_EQ(stats.discards, 2u);
  EXPECT_EQ(stats.warm_hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
}

// ---------------------------------------------------------------------------
// Many threads.

constexpr int kThreads = 4, kCalls = 500;

// Runs `call(thread, i)` for i in [0, kCalls) on each of kThreads new
// threads, and `meanwhile` on this one while they do; returns how many
// calls returned false.
int CountFailedCalls(
    const std::function<bool(int thread, int i)>& call,
    const std::function<void()>& meanwhile = [] {}) {
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        if (!call(t, i)) failed.fetch_add(1);
      }
    });
  }
  meanwhile();
  for (std::thread& thread : threads) thread.join();
  return failed.load();
}

TEST(PoolTest, ManyThreadsManyLeasesAdd) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse));
  EXPECT_EQ(CountFailedCalls([&](int t, int i) {
              absl::StatusOr<int32_t> sum =
                  pool->Invoke<int32_t(int32_t, int32_t)>("add", i, t * 100000);
              return sum.ok() && *sum == i + t * 100000;
            }),
            0);
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, uint64_t{kThreads * kCalls});
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.warm_hits + stats.misses, stats.leases);
  // One instance per worker thread, each reused after its first lease.
  EXPECT_EQ(stats.misses, uint64_t{kThreads});
  EXPECT_EQ(LatencyTotal(stats), stats.leases);
  // The workers' idle instances went with their threads.
  EXPECT_EQ(stats.idle, 1u);
}

TEST(PoolTest, ManyThreadsManyFreshStateLeases) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  EXPECT_EQ(CountFailedCalls(
                [&](int, int) {
                  absl::StatusOr<int32_t> value =
                      pool->Invoke<int32_t()>("bump");
                  return value.ok() && *value == kFreshBump;
                },
                // The main thread leases too, concurrently.
                [&] {
                  for (int i = 0; i < 100; ++i) {
                    EXPECT_THAT(pool->Invoke<int32_t()>("bump"),
                                IsOkAndHolds(kFreshBump));
                  }
                }),
            0);
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, uint64_t{kThreads * kCalls + 100});
  EXPECT_EQ(stats.resets, stats.leases);
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.discards, 0u);
  EXPECT_EQ(stats.idle, 1u);
}

TEST(PoolTest, ThreadExitDestroysItsIdleInstances) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  EXPECT_EQ(pool->stats().idle, 1u);  // made by Create on this thread
  std::promise<void> released, may_exit;
  std::future<void> may_exit_future = may_exit.get_future();
  std::thread worker([&] {
    {
      std::vector<Lease> leases;
      for (int i = 0; i < 3; ++i) {
        absl::StatusOr<Lease> lease = pool->Acquire();
        ASSERT_OK(lease.status());
        leases.push_back(*std::move(lease));
      }
    }
    released.set_value();
    may_exit_future.wait();
  });
  released.get_future().wait();
  EXPECT_EQ(pool->stats().idle, 4u);  // 1 here, 3 on the worker
  EXPECT_EQ(pool->stats().in_use, 0u);
  may_exit.set_value();
  worker.join();
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.idle, 1u);
  EXPECT_EQ(stats.misses, 3u);
  // This thread's instance is still warm.
  EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(kFreshBump));
  EXPECT_EQ(pool->stats().warm_hits, 1u);
}

TEST(PoolTest, DestroyingThePoolWhileAnotherThreadHasIdleInstances) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  ASSERT_OK_AND_ASSIGN(auto other, CounterPool(ReusePolicy::kReuse));
  std::promise<void> used, destroyed;
  std::future<void> destroyed_future = destroyed.get_future();
  std::atomic<int> other_result{0};
  std::thread worker([&] {
    EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(kFreshBump));
    used.set_value();
    destroyed_future.wait();
    // Another pool's use on this thread drops the closed pool's instances.
    absl::StatusOr<int32_t> value =
        other->Invoke<int32_t(int32_t, int32_t)>("add", 1, 2);
    other_result.store(value.ok() ? *value : -1);
  });
  used.get_future().wait();
  EXPECT_EQ(pool->stats().idle, 2u);
  pool.reset();
  destroyed.set_value();
  worker.join();
  EXPECT_EQ(other_result.load(), 3);
  EXPECT_THAT(other->Invoke<int32_t()>("bump"), IsOkAndHolds(kFreshBump));
}

TEST(PoolTest, DestroyingThePoolThenTheThreadExits) {
  // Each instance owns the context setup_instance gave it exactly as long
  // as itself: `live` counts the instances.
  auto live = std::make_shared<std::atomic<int>>(0);
  PoolOptions options;
  options.setup_instance = [live](InstanceOptions& instance_options) {
    live->fetch_add(1);
    instance_options.SetContext(
        std::shared_ptr<int>(new int(0), [live](int* token) {
          delete token;
          live->fetch_sub(1);
        }));
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse, options));
  std::promise<void> used, destroyed;
  std::future<void> destroyed_future = destroyed.get_future();
  std::thread worker([&] {
    EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(1001));
    used.set_value();
    destroyed_future.wait();
  });  // exits holding the closed pool's idle instance
  used.get_future().wait();
  EXPECT_EQ(live->load(), 2);  // the main thread's and the worker's
  pool.reset();
  destroyed.set_value();
  worker.join();
  // The worker's idle instance went with its thread, after the pool.
  EXPECT_EQ(live->load(), 0);
}

// A start timeout counts from each instantiation: a pool makes instances
// with it on another thread long after its options were built.
TEST(PoolTest, StartTimeoutAppliesToEachInstantiationOnAnyThread) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::start_ok_wasm()));
  Linker linker;
  std::atomic<int> starts{0};
  ASSERT_OK(linker.Define("env", "started", [&](int32_t) { ++starts; }));
  PoolOptions options;
  options.policy = ReusePolicy::kNewInstance;
  options.instance_options.start_call.timeout = absl::Milliseconds(100);
  ASSERT_OK_AND_ASSIGN(auto pool,
                       InstancePool::Create(module, linker, options));
  absl::SleepFor(absl::Milliseconds(1500));
  std::thread worker([&] {
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<Lease> lease = pool->Acquire();
      ASSERT_OK(lease.status());
      ASSERT_OK_AND_ASSIGN(auto get, (*lease)->GetFunc<int32_t()>("get"));
      EXPECT_THAT(get.Call(), IsOkAndHolds(99));
    }
  });
  worker.join();
  EXPECT_EQ(starts.load(), 4);  // Create's instance and the worker's three
  EXPECT_EQ(pool->stats().traps, 0u);
}

// ---------------------------------------------------------------------------
// Creation failures.

TEST(PoolTest, CreateWithTrappingStartFunctionIsAborted) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::start_trap_wasm()));
  absl::StatusOr<std::unique_ptr<InstancePool>> pool =
      InstancePool::Create(module, Linker());
  EXPECT_STATUS(pool, kAborted, "unreachable");
  std::optional<TrapInfo> info = GetTrapInfo(pool.status());
  ASSERT_TRUE(info.has_value()) << pool.status();
  EXPECT_EQ(info->kind, TrapKind::kUnreachable);
  ASSERT_FALSE(info->backtrace.empty());
  EXPECT_EQ(info->backtrace[0].function_name, "init");
  EXPECT_EQ(info->backtrace[0].function_index, 1u);
}

TEST(PoolTest, CreateWithUngrantedImportIsNotFound) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::basics_wasm()));
  EXPECT_STATUS(InstancePool::Create(module, Linker()), kNotFound, "host");
  EXPECT_STATUS(InstancePool::Create(module, Linker()), kNotFound, "log");
}

TEST(PoolTest, CreateWithInconsistentOptionsIsInvalidArgument) {
  PoolOptions options;
  options.max_instances = 2;
  options.max_instances_per_thread = 3;
  EXPECT_STATUS(CounterPool(ReusePolicy::kFreshState, options),
                kInvalidArgument, "max_instances_per_thread (3)");
  EXPECT_STATUS(CounterPool(ReusePolicy::kFreshState, options),
                kInvalidArgument, "max_instances (2)");
  // 0 means no limit: any per-thread cap is consistent with it.
  options.max_instances = 0;
  EXPECT_OK(CounterPool(ReusePolicy::kFreshState, options).status());
}

TEST(PoolTest, OptionsAreKept) {
  PoolOptions options;
  options.max_instances = 7;
  options.max_instances_per_thread = 3;
  options.max_idle_per_thread = 2;
  options.acquire_timeout = absl::Milliseconds(123);
  options.keep_resident_bytes = 4096;
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse, options));
  EXPECT_EQ(pool->options().policy, ReusePolicy::kReuse);
  EXPECT_EQ(pool->options().max_instances, 7u);
  EXPECT_EQ(pool->options().max_instances_per_thread, 3u);
  EXPECT_EQ(pool->options().max_idle_per_thread, 2u);
  EXPECT_EQ(pool->options().acquire_timeout, absl::Milliseconds(123));
  EXPECT_EQ(pool->options().keep_resident_bytes, 4096u);
}

// ---------------------------------------------------------------------------
// Stats.

TEST(PoolTest, StatsCountHitsMissesAndInUse) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  PoolStats initial = pool->stats();
  EXPECT_EQ(initial.leases, 0u);
  EXPECT_EQ(initial.idle, 1u);
  EXPECT_EQ(initial.in_use, 0u);
  EXPECT_EQ(initial.AcquireLatencyPercentile(0.5), absl::ZeroDuration());
  {
    ASSERT_OK_AND_ASSIGN(Lease first, pool->Acquire());   // warm
    ASSERT_OK_AND_ASSIGN(Lease second, pool->Acquire());  // miss
    PoolStats held = pool->stats();
    EXPECT_EQ(held.in_use, 2u);
    EXPECT_EQ(held.idle, 0u);
    EXPECT_EQ(held.warm_hits, 1u);
    EXPECT_EQ(held.misses, 1u);
  }
  EXPECT_EQ(pool->stats().idle, 2u);
  EXPECT_EQ(pool->stats().resets, 2u);
  for (int i = 0; i < 6; ++i) ASSERT_OK(pool->Acquire().status());
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, 8u);
  EXPECT_EQ(stats.warm_hits, 7u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.resets, 8u);
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(LatencyTotal(stats), stats.leases);
  EXPECT_GT(stats.AcquireLatencyPercentile(0.5), absl::ZeroDuration());
  EXPECT_LE(stats.AcquireLatencyPercentile(0.5),
            stats.AcquireLatencyPercentile(1.0));
  EXPECT_LE(stats.AcquireLatencyPercentile(1.0),
            PoolStats::LatencyBucketBound(PoolStats::kLatencyBuckets - 1));
}

TEST(PoolTest, LatencyBucketBoundsArePowersOfTwo) {
  EXPECT_EQ(PoolStats::LatencyBucketBound(0), absl::Nanoseconds(1));
  EXPECT_EQ(PoolStats::LatencyBucketBound(10), absl::Nanoseconds(1024));
  PoolStats stats;
  stats.acquire_latency[3] = 1;   // < 8 ns
  stats.acquire_latency[12] = 3;  // < 4096 ns
  EXPECT_EQ(stats.AcquireLatencyPercentile(0.25), absl::Nanoseconds(8));
  EXPECT_EQ(stats.AcquireLatencyPercentile(0.5), absl::Nanoseconds(4096));
  EXPECT_EQ(stats.AcquireLatencyPercentile(1.0), absl::Nanoseconds(4096));
}

TEST(PoolTest, StatsPrintAsOneLineWithReadablePercentiles) {
  PoolStats stats;
  stats.leases = 100;
  stats.warm_hits = 97;
  stats.misses = 3;
  stats.resets = 96;
  stats.discards = 2;
  stats.traps = 1;
  stats.replacements = 1;
  stats.warmed = 4;
  stats.idle = 5;
  stats.version = 2;
  stats.acquire_latency[9] = 50;   // < 512 ns
  stats.acquire_latency[12] = 40;  // < 4096 ns
  stats.acquire_latency[20] = 9;   // < 1048576 ns
  stats.acquire_latency[31] = 1;   // < 2^31 ns
  const std::string want =
      "leases=100 warm_hits=97 misses=3 resets=96 discards=2 traps=1 "
      "exits=0 timeouts=0 thread_cap_refusals=0 failed_instantiations=0 "
      "replacements=1 warmed=4 idle=5 in_use=0 version=2 old_instances=0 "
      "acquire_latency p50<512ns p90<4.1us p99<1.05ms max<2.15s";
  EXPECT_EQ(stats.ToString(), want);
  std::ostringstream out;
  out << stats;
  EXPECT_EQ(out.str(), want);

  PoolStats empty;
  empty.fresh_state_refusal = "the code drops data segments";
  EXPECT_THAT(empty.ToString(),
              ::testing::EndsWith(" acquire_latency none fresh_state_refusal="
                                  "\"the code drops data segments\""));
}

TEST(PoolTest, StatsOfARealPoolPrint) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kFreshState));
  ASSERT_OK(pool->Acquire().status());
  const std::string text = pool->stats().ToString();
  EXPECT_THAT(text, HasSubstr("leases=1 warm_hits=1 misses=0 resets=1 "));
  EXPECT_THAT(text, HasSubstr(" idle=1 in_use=0 version=1 "));
  EXPECT_THAT(text, ::testing::MatchesRegex(
                        ".* acquire_latency p50<[0-9.]+(ns|us|ms) .*"));
}

// ---------------------------------------------------------------------------
// Lease moves.

TEST(PoolTest, MovedLeaseReleasesOnce) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse));
  {
    ASSERT_OK_AND_ASSIGN(Lease original, pool->Acquire());
    EXPECT_THAT(CallGuest(original, "bump"), IsOkAndHolds(1001));
    {
      Lease moved(std::move(original));
      EXPECT_EQ(pool->stats().in_use, 1u);
      EXPECT_THAT(CallGuest(moved, "bump"), IsOkAndHolds(2002));
    }
    EXPECT_EQ(pool->stats().in_use, 0u);
    EXPECT_EQ(pool->stats().idle, 1u);
  }  // the moved-from lease releases nothing
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.idle, 1u);
  EXPECT_EQ(stats.leases, 1u);
  EXPECT_EQ(stats.discards, 0u);
  EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(3003));
}

TEST(PoolTest, MoveAssignReleasesTheTargetsInstance) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse));
  absl::StatusOr<Lease> a = pool->Acquire();
  absl::StatusOr<Lease> b = pool->Acquire();
  ASSERT_OK(a.status());
  ASSERT_OK(b.status());
  EXPECT_THAT(CallGuest(*a, "bump"), IsOkAndHolds(1001));
  EXPECT_THAT(CallGuest(*b, "bump"), IsOkAndHolds(1001));
  EXPECT_THAT(CallGuest(*b, "bump"), IsOkAndHolds(2002));
  EXPECT_EQ(pool->stats().in_use, 2u);
  *a = std::move(*b);  // a's old instance goes back to the pool
  EXPECT_EQ(pool->stats().in_use, 1u);
  EXPECT_EQ(pool->stats().idle, 1u);
  EXPECT_THAT(CallGuest(*a, "bump"), IsOkAndHolds(3003));  // b's instance
  Lease& same = *a;
  *a = std::move(same);  // self-move keeps the lease
  EXPECT_EQ(pool->stats().in_use, 1u);
  b = absl::StatusOr<Lease>(absl::CancelledError("dropped"));  // moved-from
  EXPECT_EQ(pool->stats().in_use, 1u);
  a = absl::StatusOr<Lease>(absl::CancelledError("dropped"));
  EXPECT_EQ(pool->stats().in_use, 0u);
  EXPECT_EQ(pool->stats().idle, 2u);
  EXPECT_EQ(pool->stats().leases, 2u);
}

// ---------------------------------------------------------------------------
// Hooks: setup_instance per new instance, initialize_instance before use.

// The initializer bumps once: a lease that starts initialised sees 1 in
// memory and in the global, so its first bump returns 2002.
absl::Status BumpOnce(Instance& instance) {
  absl::StatusOr<TypedFunc<int32_t()>> bump =
      instance.GetFunc<int32_t()>("bump");
  if (!bump.ok()) return bump.status();
  return bump->Call().status();
}

TEST(PoolTest, FreshStateRunsTheInitializerOnceAndLeasesStartInitialised) {
  int initialized = 0;
  PoolOptions options;
  options.max_idle_per_thread = 1;
  options.initialize_instance = [&](Instance& instance) {
    ++initialized;
    return BumpOnce(instance);
  };
  ASSERT_OK_AND_ASSIGN(auto pool,
                       CounterPool(ReusePolicy::kFreshState, options));
  {
    // Two leases at once: the second is a new instance, from the image.
    ASSERT_OK_AND_ASSIGN(Lease first, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(Lease second, pool->Acquire());
    EXPECT_THAT(CallGuest(first, "bump"), IsOkAndHolds(2002));
    EXPECT_THAT(CallGuest(second, "bump"), IsOkAndHolds(2002));
  }
  ASSERT_OK_AND_ASSIGN(Lease again, pool->Acquire());
  EXPECT_THAT(CallGuest(again, "bump"), IsOkAndHolds(2002));
  EXPECT_EQ(initialized, 1);
  EXPECT_EQ(pool->stats().misses, 1u);
}

TEST(PoolTest, ReuseRunsTheInitializerOnEveryNewInstance) {
  int initialized = 0;
  PoolOptions options;
  options.initialize_instance = [&](Instance& instance) {
    ++initialized;
    return BumpOnce(instance);
  };
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse, options));
  ASSERT_OK_AND_ASSIGN(Lease first, pool->Acquire());
  ASSERT_OK_AND_ASSIGN(Lease second, pool->Acquire());
  EXPECT_THAT(CallGuest(first, "bump"), IsOkAndHolds(2002));
  EXPECT_THAT(CallGuest(second, "bump"), IsOkAndHolds(2002));
  EXPECT_EQ(initialized, 2);
}

TEST(PoolTest, FailingInitializerFailsCreate) {
  PoolOptions options;
  options.initialize_instance = [](Instance&) {
    return absl::UnavailableError("no config");
  };
  EXPECT_STATUS(CounterPool(ReusePolicy::kFreshState, options),
                absl::StatusCode::kUnavailable, "no config");
}

// Each new instance gets its own setup, kept alive exactly as long as it.
TEST(PoolTest, SetupRunsPerInstanceAndItsResultLivesWithTheInstance) {
  struct PerInstance {
    int id;
  };
  int made = 0;
  std::weak_ptr<void> first_attachment;
  PerInstance* seen = nullptr;
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", [&](Caller& caller) {
    seen = caller.context<PerInstance>();
  }));
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::host_void_wasm()));
  PoolOptions options;
  options.policy = ReusePolicy::kNewInstance;
  options.setup_instance = [&](InstanceOptions& instance_options) {
    auto per_instance = std::make_shared<PerInstance>(PerInstance{++made});
    if (made == 1) first_attachment = per_instance;
    instance_options.SetContext(std::move(per_instance));
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto pool,
                       InstancePool::Create(module, linker, options));
  // Create's own instance (kNewInstance keeps none) is gone with its setup.
  EXPECT_TRUE(first_attachment.expired());
  for (int lease_number = 2; lease_number <= 3; ++lease_number) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto call, lease->GetFunc<void()>("call"));
    ASSERT_OK(call.Call());
    ASSERT_NE(seen, nullptr);
    EXPECT_EQ(seen->id, lease_number);
  }
  EXPECT_EQ(made, 3);
}

TEST(PoolTest, FailingSetupFailsCreate) {
  PoolOptions options;
  options.setup_instance = [](InstanceOptions&) {
    return absl::PermissionDeniedError("no context for you");
  };
  EXPECT_STATUS(CounterPool(ReusePolicy::kFreshState, options),
                absl::StatusCode::kPermissionDenied, "no context for you");
}

// ---------------------------------------------------------------------------
// reset_instance: after every kFreshState release of an instance kept.

// pool_counter.wat's memory counter, read without calling the guest.
int32_t MemoryCounter(Instance& instance) {
  int32_t value = -1;
  absl::Span<uint8_t> memory = instance.memory().data();
  if (memory.size() >= sizeof value) std::memcpy(&value, memory.data(), 4);
  return value;
}

TEST(PoolTest, ResetHookRunsOnEveryFreshStateReleaseThatKeepsTheInstance) {
  int resets = 0;
  std::vector<int32_t> counters_seen;
  PoolOptions options;
  options.max_idle_per_thread = 1;
  options.reset_instance = [&](Instance& instance) {
    ++resets;
    counters_seen.push_back(MemoryCounter(instance));
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto pool,
                       CounterPool(ReusePolicy::kFreshState, options));
  // Once on the first instance, after the image is taken.
  EXPECT_EQ(resets, 1);
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(kFreshBump));
  }
  EXPECT_EQ(resets, 2);
  {
    // A lease that never ran the guest: the memory reset has nothing to
    // undo, the hook still runs (the host may have changed contexts).
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  }
  EXPECT_EQ(resets, 3);
  {
    // Two at once: the second release finds the idle list full and
    // discards without running the hook.
    ASSERT_OK_AND_ASSIGN(Lease first, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(Lease second, pool->Acquire());
  }
  EXPECT_EQ(resets, 4);
  EXPECT_EQ(pool->stats().discards, 1u);
  {
    // A poisoned instance is discarded, not reset.
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto trap, lease->GetFunc<void()>("bump_then_trap"));
    EXPECT_THAT(trap.Call(), testing::StatusIs(kAborted));
  }
  EXPECT_EQ(pool->stats().traps, 1u);
  EXPECT_EQ(resets, 4);
  // The hook always saw memory restored already.
  EXPECT_EQ(counters_seen, std::vector<int32_t>(4, 0));
}

TEST(PoolTest, ResetHookDoesNotRunWithReuseOrNewInstance) {
  for (ReusePolicy policy : {ReusePolicy::kReuse, ReusePolicy::kNewInstance}) {
    int resets = 0;
    PoolOptions options;
    options.reset_instance = [&](Instance&) {
      ++resets;
      return absl::OkStatus();
    };
    ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(policy, options));
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
      ASSERT_OK(CallGuest(lease, "bump").status());
    }
    EXPECT_EQ(resets, 0) << static_cast<int>(policy);
  }
}

TEST(PoolTest, FailingResetHookDiscardsTheInstance) {
  bool fail = false;
  PoolOptions options;
  options.reset_instance = [&](Instance&) {
    return fail ? absl::InternalError("cannot reset the host state")
                : absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto pool,
                       CounterPool(ReusePolicy::kFreshState, options));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(kFreshBump));
  }
  EXPECT_EQ(pool->stats().discards, 0u);
  EXPECT_EQ(pool->stats().idle, 1u);
  fail = true;
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(kFreshBump));
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.discards, 1u);
  EXPECT_EQ(stats.idle, 0u);
  EXPECT_EQ(stats.traps, 0u);
  fail = false;
  // The next lease is a new instance, from the image.
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(kFreshBump));
  EXPECT_EQ(pool->stats().misses, 1u);
}

TEST(PoolTest, FailingResetHookFailsCreate) {
  PoolOptions options;
  options.reset_instance = [](Instance&) {
    return absl::UnavailableError("no reset today");
  };
  EXPECT_STATUS(CounterPool(ReusePolicy::kFreshState, options),
                absl::StatusCode::kUnavailable, "no reset today");
}

// ---------------------------------------------------------------------------
// Warm: idle instances made ahead of a thread's first requests.

TEST(PoolTest, WarmOnAWorkerThreadMakesItsFirstAcquiresWarmHits) {
  int initialized = 0;
  PoolOptions options;
  options.initialize_instance = [&](Instance& instance) {
    ++initialized;
    return BumpOnce(instance);
  };
  ASSERT_OK_AND_ASSIGN(auto pool,
                       CounterPool(ReusePolicy::kFreshState, options));
  std::thread worker([&] {
    ASSERT_OK(pool->Warm(3));
    EXPECT_EQ(pool->stats().idle, 4u);  // and Create's, on this thread
    EXPECT_EQ(pool->stats().warmed, 3u);
    std::vector<Lease> leases;
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
      // Started from the image: initialised, without running it again.
      EXPECT_THAT(CallGuest(lease, "bump"), IsOkAndHolds(2002));
      leases.push_back(std::move(lease));
    }
    PoolStats stats = pool->stats();
    EXPECT_EQ(stats.warm_hits, 3u);
    EXPECT_EQ(stats.misses, 0u);
    EXPECT_EQ(stats.leases, 3u);
  });
  worker.join();
  EXPECT_EQ(initialized, 1);
  // Warm tops up: this thread already keeps Create's instance.
  ASSERT_OK(pool->Warm(1));
  EXPECT_EQ(pool->stats().warmed, 3u);
  ASSERT_OK(pool->Warm(2));
  EXPECT_EQ(pool->stats().warmed, 4u);
  EXPECT_EQ(pool->stats().idle, 2u);  // the worker's went with its thread
}

TEST(PoolTest, WarmBeyondMaxIdleIsInvalidArgument) {
  PoolOptions options;
  options.max_idle_per_thread = 2;
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse, options));
  EXPECT_STATUS(pool->Warm(3), kInvalidArgument,
                "cannot keep 3 idle instances warm: max_idle_per_thread is 2");
  EXPECT_EQ(pool->stats().warmed, 0u);
  EXPECT_OK(pool->Warm(2));
  EXPECT_EQ(pool->stats().idle, 2u);
}

TEST(PoolTest, WarmWithNewInstancePolicyIsFailedPrecondition) {
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kNewInstance));
  EXPECT_STATUS(pool->Warm(1), absl::StatusCode::kFailedPrecondition,
                "kNewInstance keeps no idle instances");
  EXPECT_EQ(pool->stats().idle, 0u);
}

TEST(PoolTest, WarmThatCannotInstantiateKeepsWhatItMade) {
  int made = 0;
  PoolOptions options;
  options.policy = ReusePolicy::kReuse;
  options.setup_instance = [&](InstanceOptions&) {
    // Create's instance and one more, then no more.
    return ++made <= 2 ? absl::OkStatus()
                       : absl::UnavailableError("out of tenants");
  };
  ASSERT_OK_AND_ASSIGN(auto pool, CounterPool(ReusePolicy::kReuse, options));
  EXPECT_STATUS(pool->Warm(4), absl::StatusCode::kUnavailable,
                "the pool cannot make a new instance: out of tenants");
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.idle, 2u);
  EXPECT_EQ(stats.warmed, 1u);
  EXPECT_EQ(stats.failed_instantiations, 1u);
}

}  // namespace
}  // namespace wasmhost
