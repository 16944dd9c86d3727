// Tests of InstancePool::Reload (wasmhost/pool.h): leases in flight finish
// on their version while new ones get the new version, old instances are
// freed on their own thread and never leased again, refused versions leave
// the pool serving the old one, and reloads under load fail no request.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/errors.h"
#include "wasmhost/pool.h"

namespace wasmhost {
namespace {

using testing::CallGuest;
using testing::IsOkAndHolds;

// pool_reload_a.wat's and pool_reload_b.wat's answer() on a fresh instance.
constexpr int32_t kFreshA = 101;
constexpr int32_t kFreshB = 201;

// The two versions of the guest, and a linker granting b's env.f (a is
// indifferent to it).
struct Guests {
  Module a;
  Module b;
  Linker linker;
};

absl::StatusOr<Guests> MakeGuests() {
  absl::StatusOr<Module> a = testing::Compile(fixtures::pool_reload_a_wasm());
  if (!a.ok()) return a.status();
  absl::StatusOr<Module> b = testing::Compile(fixtures::pool_reload_b_wasm());
  if (!b.ok()) return b.status();
  Linker linker;
  absl::Status defined =
      linker.Define("env", "f", [](int32_t x) -> int32_t { return x + 1000; });
  if (!defined.ok()) return defined;
  return Guests{*std::move(a), *std::move(b), std::move(linker)};
}

// ---------------------------------------------------------------------------
// Leases across a reload.

TEST(PoolReloadTest, LeaseInFlightFinishesOnTheOldVersion) {
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool,
                       InstancePool::Create(guests.a, guests.linker));
  EXPECT_EQ(pool->stats().version, 1u);
  ASSERT_OK_AND_ASSIGN(Lease old_lease, pool->Acquire());
  EXPECT_EQ(old_lease.version(), 1u);
  EXPECT_THAT(CallGuest(old_lease, "answer"), IsOkAndHolds(kFreshA));

  ASSERT_OK(pool->Reload(guests.b));
  PoolStats reloaded = pool->stats();
  EXPECT_EQ(reloaded.version, 2u);
  EXPECT_EQ(reloaded.old_instances, 1u);  // old_lease's
  EXPECT_EQ(reloaded.idle, 1u);           // b's, made by Reload
  EXPECT_EQ(reloaded.in_use, 1u);

  // The old lease keeps its instance and its state.
  EXPECT_EQ(old_lease.version(), 1u);
  EXPECT_THAT(CallGuest(old_lease, "answer"), IsOkAndHolds(kFreshA + 1));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_EQ(lease.version(), 2u);
    EXPECT_THAT(CallGuest(lease, "answer"), IsOkAndHolds(kFreshB));
    EXPECT_THAT(CallGuest(lease, "answer_via_host"),
                IsOkAndHolds(1000 + kFreshB + 1));
  }
  // Returned, the old instance is freed, not kept for another lease.
  {
    Lease released = std::move(old_lease);
  }
  PoolStats after = pool->stats();
  EXPECT_EQ(after.old_instances, 0u);
  EXPECT_EQ(after.idle, 1u);
  EXPECT_EQ(after.in_use, 0u);
  EXPECT_EQ(after.discards, 0u);
  EXPECT_EQ(after.traps, 0u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_EQ(lease.version(), 2u);
    EXPECT_THAT(CallGuest(lease, "answer"), IsOkAndHolds(kFreshB)) << i;
  }
  PoolStats last = pool->stats();
  EXPECT_EQ(last.misses, 0u);  // every lease found b's idle instance
  EXPECT_EQ(last.leases, 5u);
  EXPECT_EQ(last.old_instances, 0u);
}

TEST(PoolReloadTest, MovedFromLeaseHasNoVersion) {
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(guests.a, Linker()));
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  Lease moved = std::move(lease);
  EXPECT_EQ(moved.version(), 1u);
  EXPECT_EQ(lease.version(), 0u);  // NOLINT(bugprone-use-after-move)
}

// Each thread frees its own idle instances of the old version: when it
// next uses any pool, here another one, then this one.
TEST(PoolReloadTest, IdleOldInstancesAreFreedOnTheirOwnThread) {
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool,
                       InstancePool::Create(guests.a, guests.linker));
  ASSERT_OK_AND_ASSIGN(auto other, InstancePool::Create(guests.a, Linker()));
  // main -> worker: 1 use `other`, 2 use `pool`, 3 exit.
  std::atomic<int> step{0};
  // worker -> main: how many of its leases are done.
  std::atomic<int> done{0};
  const auto wait_for = [](const std::atomic<int>& value, int wanted) {
    while (value.load() < wanted) std::this_thread::yield();
  };
  std::optional<int32_t> answers[3];
  uint64_t versions[3] = {};
  std::thread worker([&] {
    for (int index = 0; index < 3; ++index) {
      wait_for(step, index);
      {
        // The first lease leaves an idle instance of a on this thread.
        absl::StatusOr<Lease> lease = (index == 1 ? other : pool)->Acquire();
        if (lease.ok()) {
          versions[index] = lease->version();
          absl::StatusOr<int32_t> answer = CallGuest(*lease, "answer");
          if (answer.ok()) answers[index] = *answer;
        }
      }
      done.store(index + 1);
    }
    wait_for(step, 3);
  });
  wait_for(done, 1);
  ASSERT_OK(pool->Reload(guests.b));
  // The worker's idle instance of a (this thread's went in Reload).
  EXPECT_EQ(pool->stats().old_instances, 1u);
  step.store(1);
  wait_for(done, 2);
  EXPECT_EQ(pool->stats().old_instances, 0u);
  step.store(2);
  wait_for(done, 3);
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.old_instances, 0u);
  EXPECT_EQ(stats.version, 2u);
  step.store(3);
  worker.join();
  EXPECT_EQ(versions[0], 1u);
  EXPECT_EQ(answers[0], kFreshA);
  EXPECT_EQ(versions[1], 1u);  // `other` never reloaded
  EXPECT_EQ(answers[1], kFreshA);
  EXPECT_EQ(versions[2], 2u);
  EXPECT_EQ(answers[2], kFreshB);
}

// A reload can bring a new linker and new options: here SetHandles for
// the new exports and ReusePolicy::kReuse. An old lease keeps its version's
// handles.
TEST(PoolReloadTest, ReloadWithNewLinkerAndOptions) {
  struct AHandles {
    TypedFunc<int32_t()> answer;
  };
  struct BHandles {
    TypedFunc<int32_t()> via_host;
  };
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  PoolOptions a_options;
  a_options.SetHandles<AHandles>(
      [](Instance& instance) -> absl::StatusOr<AHandles> {
        absl::StatusOr<TypedFunc<int32_t()>> answer =
            instance.GetFunc<int32_t()>("answer");
        if (!answer.ok()) return answer.status();
        return AHandles{*answer};
      });
  ASSERT_OK_AND_ASSIGN(auto pool,
                       InstancePool::Create(guests.a, Linker(), a_options));
  ASSERT_OK_AND_ASSIGN(Lease old_lease, pool->Acquire());

  // b imports env.f, which the pool's linker does not grant.
  EXPECT_STATUS(pool->Reload(guests.b), absl::StatusCode::kNotFound,
                "reload refused, the pool keeps version 1: ");
  PoolOptions b_options = pool->options();
  b_options.policy = ReusePolicy::kReuse;
  b_options.SetHandles<BHandles>(
      [](Instance& instance) -> absl::StatusOr<BHandles> {
        absl::StatusOr<TypedFunc<int32_t()>> via_host =
            instance.GetFunc<int32_t()>("answer_via_host");
        if (!via_host.ok()) return via_host.status();
        return BHandles{*via_host};
      });
  ASSERT_OK(pool->Reload(guests.b, guests.linker, b_options));
  EXPECT_EQ(pool->options().policy, ReusePolicy::kReuse);

  ASSERT_NE(old_lease.handles<AHandles>(), nullptr);
  EXPECT_EQ(old_lease.handles<BHandles>(), nullptr);
  EXPECT_THAT(old_lease.handles<AHandles>()->answer.Call(),
              IsOkAndHolds(kFreshA));
  for (int32_t i = 1; i <= 2; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_EQ(lease.handles<AHandles>(), nullptr);
    ASSERT_NE(lease.handles<BHandles>(), nullptr);
    // kReuse: b's call count carries over to the next lease.
    EXPECT_THAT(lease.handles<BHandles>()->via_host.Call(),
                IsOkAndHolds(1000 + 200 + i));
  }
}

// ---------------------------------------------------------------------------
// Refused versions: the pool keeps serving the old one.

// Expects `pool` to still serve version 1 (pool_reload_a) with nothing of
// the refused version alive.
void ExpectServesTheFirstVersion(InstancePool& pool) {
  PoolStats stats = pool.stats();
  EXPECT_EQ(stats.version, 1u);
  EXPECT_EQ(stats.old_instances, 0u);
  absl::StatusOr<Lease> lease = pool.Acquire();
  ASSERT_OK(lease.status());
  EXPECT_EQ(lease->version(), 1u);
  EXPECT_THAT(CallGuest(*lease, "answer"), IsOkAndHolds(kFreshA));
}

// Compiling is the caller's step: a version that does not compile never
// reaches the pool.
TEST(PoolReloadTest, VersionThatDoesNotCompileLeavesThePoolAlone) {
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(guests.a, Linker()));
  const uint8_t truncated[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00};
  absl::StatusOr<Module> broken = testing::Compile(truncated);
  EXPECT_STATUS(broken, absl::StatusCode::kInvalidArgument, "");
  ExpectServesTheFirstVersion(*pool);
}

TEST(PoolReloadTest, VersionWithAnUngrantedImportIsRefused) {
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(guests.a, Linker()));
  absl::Status refused = pool->Reload(guests.b);
  EXPECT_STATUS(refused, absl::StatusCode::kNotFound,
                "reload refused, the pool keeps version 1: ");
  EXPECT_STATUS(refused, absl::StatusCode::kNotFound, "env.f");
  EXPECT_EQ(GetErrorInfo(refused).kind, ErrorKind::kLinkError);
  ExpectServesTheFirstVersion(*pool);
}

TEST(PoolReloadTest, VersionWhoseStartFunctionTrapsIsRefused) {
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(guests.a, Linker()));
  ASSERT_OK_AND_ASSIGN(Module trapping,
                       testing::Compile(fixtures::start_trap_wasm()));
  absl::Status refused = pool->Reload(trapping);
  EXPECT_STATUS(refused, absl::StatusCode::kAborted,
                "reload refused, the pool keeps version 1: ");
  std::optional<TrapInfo> trap = GetTrapInfo(refused);
  ASSERT_TRUE(trap.has_value()) << refused;
  EXPECT_EQ(trap->kind, TrapKind::kUnreachable);
  ExpectServesTheFirstVersion(*pool);
}

TEST(PoolReloadTest, VersionWhoseInitializerFailsIsRefused) {
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(guests.a, Linker()));
  PoolOptions options = pool->options();
  options.initialize_instance = [](Instance&) {
    return absl::UnavailableError("config server down");
  };
  EXPECT_STATUS(pool->Reload(guests.a, Linker(), options),
                absl::StatusCode::kUnavailable, "config server down");
  ExpectServesTheFirstVersion(*pool);
}

TEST(PoolReloadTest, FreshStateVersionWithImportedMemoryIsRefused) {
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(guests.a, Linker()));
  ASSERT_OK_AND_ASSIGN(Module imports_memory,
                       testing::Compile(fixtures::imports_memory_wasm()));
  EXPECT_STATUS(pool->Reload(imports_memory),
                absl::StatusCode::kFailedPrecondition,
                "cannot restore the imported memory env.mem");
  ExpectServesTheFirstVersion(*pool);
}

TEST(PoolReloadTest, ReloadCannotChangeTheCaps) {
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool, InstancePool::Create(guests.a, Linker()));
  PoolOptions options = pool->options();
  options.max_instances = 8;
  EXPECT_STATUS(pool->Reload(guests.a, Linker(), options),
                absl::StatusCode::kInvalidArgument,
                "cannot change max_instances (64 to 8)");
  options = pool->options();
  options.max_instances_per_thread = 2;
  EXPECT_STATUS(pool->Reload(guests.a, Linker(), options),
                absl::StatusCode::kInvalidArgument,
                "cannot change max_instances_per_thread (16 to 2)");
  options = pool->options();
  options.acquire_timeout = absl::Milliseconds(5);
  EXPECT_STATUS(pool->Reload(guests.a, Linker(), options),
                absl::StatusCode::kInvalidArgument,
                "cannot change acquire_timeout (1s to 5ms)");
  ExpectServesTheFirstVersion(*pool);
  // The other options may change.
  options = pool->options();
  options.max_idle_per_thread = 1;
  options.keep_resident_bytes = 0;
  EXPECT_OK(pool->Reload(guests.a, Linker(), options));
  EXPECT_EQ(pool->stats().version, 2u);
}

// ---------------------------------------------------------------------------
// Under load.

// Threads acquire, call and release in a loop while this one reloads,
// alternating a and b; each thread holds two leases at a time (it acquires
// the next before releasing the last, as a server thread serving two
// requests would), so old instances come back to slots that have moved on.
// No request fails; every lease is of a version that was current at some
// point during its Acquire, and answers as that version's guest for its
// whole life; afterwards no instance of an old version is left.
TEST(PoolReloadTest, ReloadsUnderLoadFailNoRequest) {
  constexpr int kThreads = 3;
  constexpr uint64_t kReloads = 30;
  ASSERT_OK_AND_ASSIGN(Guests guests, MakeGuests());
  ASSERT_OK_AND_ASSIGN(auto pool,
                       InstancePool::Create(guests.a, guests.linker));
  // Odd versions are a, even ones b. Around each reload: `newest` may be
  // current already, `settled` is current for sure.
  std::atomic<uint64_t> newest{1}, settled{1};
  std::atomic<bool> stop{false};
  std::atomic<int> caught_up{0};
  std::atomic<bool> release_threads{false};
  std::atomic<uint64_t> leases{0}, failures{0}, leases_after_first_reload{0};
  std::mutex first_failure_mu;
  std::string first_failure;
  const auto fail = [&](const std::string& what) {
    failures.fetch_add(1);
    std::lock_guard<std::mutex> lock(first_failure_mu);
    if (first_failure.empty()) first_failure = what;
  };
  const auto fresh_answer = [](uint64_t version) {
    return version % 2 == 1 ? kFreshA : kFreshB;
  };
  // Calls the lease's guest, expecting its version's `n`th answer.
  const auto expect_answer = [&](Lease& lease, int32_t n) {
    absl::StatusOr<int32_t> answer = CallGuest(lease, "answer");
    if (!answer.ok()) return fail(answer.status().ToString());
    if (*answer != fresh_answer(lease.version()) + n) {
      fail(absl::StrCat("version ", lease.version(), " answered ", *answer));
    }
  };
  // Acquires and calls a lease, then calls and releases `previous`.
  const auto next_request = [&](std::optional<Lease> previous) {
    std::optional<Lease> next;
    const uint64_t low = settled.load();
    absl::StatusOr<Lease> lease = pool->Acquire();
    const uint64_t high = newest.load();
    if (!lease.ok()) {
      fail(lease.status().ToString());
    } else {
      next.emplace(*std::move(lease));
      const uint64_t version = next->version();
      if (version < low || version > high) {
        fail(absl::StrCat("version ", version, " outside [", low, ", ", high,
                          "]"));
      }
      expect_answer(*next, 0);
      leases.fetch_add(1);
      if (version > 1) leases_after_first_reload.fetch_add(1);
    }
    std::this_thread::yield();  // lets a reload land inside the leases
    if (previous.has_value()) expect_answer(*previous, 1);
    return next;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::optional<Lease> held;
      while (!stop.load()) held = next_request(std::move(held));
      // After the last reload: releases the last lease of an old version.
      held = next_request(std::move(held));
      held.reset();
      caught_up.fetch_add(1);
      while (!release_threads.load()) std::this_thread::yield();
    });
  }
  for (uint64_t next = 2; next <= kReloads + 1; ++next) {
    newest.store(next);
    ASSERT_OK(pool->Reload(next % 2 == 1 ? guests.a : guests.b));
    settled.store(next);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop.store(true);
  while (caught_up.load() < kThreads) std::this_thread::yield();
  PoolStats stats = pool->stats();
  release_threads.store(true);
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0u) << first_failure;
  EXPECT_EQ(stats.version, kReloads + 1);
  EXPECT_EQ(stats.old_instances, 0u);
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.leases, leases.load());
  EXPECT_EQ(stats.timeouts + stats.thread_cap_refusals +
                stats.failed_instantiations + stats.traps,
            0u);
  EXPECT_GT(leases_after_first_reload.load(), 0u);
  // The threads have exited: only the current version's idle instances of
  // this thread remain.
  PoolStats after_exit = pool->stats();
  EXPECT_EQ(after_exit.old_instances, 0u);
  EXPECT_LE(after_exit.idle, 1u);
}

}  // namespace
}  // namespace wasmhost
