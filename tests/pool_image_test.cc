// Tests of wasmhost/pool.h's kFreshState pools of a big initialised guest
// (guests/big_init.c: _initialize grows memory by 64 MiB and fills it):
// every lease after a growing request, a trap, a deadline, or on another
// thread starts from the initialised image, and the pool never dies.

#include <cstdint>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "guests/guests.h"
#include "tests/test_util.h"
#include "wasmhost/pool.h"
#include "wasmhost/wasi.h"

namespace wasmhost {
namespace {

using testing::CallGuest;
using ::testing::HasSubstr;
using testing::IsOkAndHolds;
using testing::StatusIs;

// big_init.c's check() for the state exactly as initialised.
constexpr int32_t kInitialised = 0;

// A kFreshState pool of big_init.c with one idle instance per thread, so
// a thread's leases get the same instance back unless it was discarded.
absl::StatusOr<std::unique_ptr<InstancePool>> BigPool(
    int* initializations, PoolOptions options = {}) {
  absl::StatusOr<Module> module = testing::Compile(guests::big_init_wasm());
  if (!module.ok()) return module.status();
  options.max_idle_per_thread = 1;
  options.initialize_instance = [initializations](Instance& instance) {
    ++*initializations;
    return wasi::InitializeReactor(instance);
  };
  return InstancePool::Create(*module, Linker(), options);
}

// Acquires a lease and checks it starts from the initialised state.
void ExpectInitialisedLease(InstancePool& pool) {
  absl::StatusOr<Lease> lease = pool.Acquire();
  ASSERT_OK(lease.status());
  EXPECT_THAT(CallGuest(*lease, "check"), IsOkAndHolds(kInitialised));
}

TEST(PoolImageTest, EveryLeaseStartsInitialisedAfterWrites) {
  int initializations = 0;
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    // dirty() returns check() from before it wrote 1 MiB.
    EXPECT_THAT(CallGuest(lease, "dirty", 1024 * i, 1024),
                IsOkAndHolds(kInitialised))
        << "lease " << i;
  }
  EXPECT_EQ(initializations, 1);
  EXPECT_EQ(pool->stats().resets, 3u);
}

TEST(PoolImageTest, AfterAGrowingRequestTheInstanceIsReplacedFromTheImage) {
  int initializations = 0;
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "check"), IsOkAndHolds(kInitialised));
    ASSERT_OK_AND_ASSIGN(int32_t old_pages, CallGuest(lease, "grow", 1));
    EXPECT_GT(old_pages, 64 * 16) << "memory grew by 64 MiB at initialisation";
  }
  ExpectInitialisedLease(*pool);
  const PoolStats stats = pool->stats();
  EXPECT_EQ(initializations, 1);
  EXPECT_EQ(stats.discards, 3u);
  EXPECT_EQ(stats.replacements, 3u);
  EXPECT_EQ(stats.failed_instantiations, 0u);
}

TEST(PoolImageTest, AfterATrapTheInstanceIsReplacedFromTheImage) {
  int initializations = 0;
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations));
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "trap"),
                StatusIs(absl::StatusCode::kAborted, HasSubstr("unreachable")));
  }
  ExpectInitialisedLease(*pool);
  const PoolStats stats = pool->stats();
  EXPECT_EQ(initializations, 1);
  EXPECT_EQ(stats.traps, 2u);
  EXPECT_EQ(stats.replacements, 2u);
}

TEST(PoolImageTest, AfterADeadlineTheInstanceIsReplacedFromTheImage) {
  int initializations = 0;
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto spin, lease->GetFunc<int32_t()>("spin"));
    CallOptions options;
    options.timeout = absl::Milliseconds(50);
    EXPECT_THAT(
        spin.Call(options),
        StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("deadline")));
  }
  ExpectInitialisedLease(*pool);
  EXPECT_EQ(initializations, 1);
  EXPECT_EQ(pool->stats().replacements, 1u);
}

TEST(PoolImageTest, OtherThreadsStartFromTheImage) {
  int initializations = 0;
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations));
  {
    // The first instance, written to while the other threads start.
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_THAT(CallGuest(lease, "dirty", 0, 4096), IsOkAndHolds(kInitialised));
    std::vector<std::future<void>> threads;
    for (int t = 0; t < 2; ++t) {
      threads.push_back(std::async(std::launch::async, [&pool] {
        for (int i = 0; i < 3; ++i) {
          absl::StatusOr<Lease> other = pool->Acquire();
          ASSERT_OK(other.status());
          EXPECT_THAT(CallGuest(*other, "dirty", 2048 * i, 2048),
                      IsOkAndHolds(kInitialised));
        }
      }));
    }
    for (auto& thread : threads) thread.get();
  }
  EXPECT_EQ(initializations, 1);
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.replacements, 2u);  // one per thread, then reset
  EXPECT_EQ(stats.failed_instantiations, 0u);
  EXPECT_EQ(stats.leases, 7u);
}

TEST(PoolImageTest, ReplacementThatCannotGrowSaysWhyInEveryAcquire) {
  int initializations = 0;
  int instances = 0;
  PoolOptions options;
  // Instances after the first are capped below the image's 64 MiB.
  options.setup_instance = [&instances](InstanceOptions& instance_options) {
    if (instances++ > 0) instance_options.limits.max_memory_bytes = 1 << 20;
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations, options));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "trap"),
                StatusIs(absl::StatusCode::kAborted, HasSubstr("unreachable")));
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(pool->Acquire(),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("the pool cannot make a new instance: "
                                   "cannot grow the memory to the image's")))
        << "acquire " << i;
  }
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.failed_instantiations, 2u);
  EXPECT_EQ(stats.replacements, 0u);
  EXPECT_EQ(stats.in_use, 0u);
}

TEST(PoolImageTest, FailingSetupSaysWhyInEveryAcquire) {
  int initializations = 0;
  int instances = 0;
  PoolOptions options;
  options.setup_instance = [&instances](InstanceOptions&) {
    if (instances++ > 0) return absl::UnavailableError("no more sandboxes");
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations, options));
  std::thread([&pool] {
    for (int i = 0; i < 2; ++i) {
      EXPECT_THAT(pool->Acquire(),
                  StatusIs(absl::StatusCode::kUnavailable,
                           "the pool cannot make a new instance: no more "
                           "sandboxes"));
    }
  }).join();
  EXPECT_EQ(pool->stats().failed_instantiations, 2u);
}

TEST(PoolImageTest, PerThreadCapRefusalsAreCounted) {
  int initializations = 0;
  PoolOptions options;
  options.max_instances_per_thread = 1;
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations, options));
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_THAT(pool->Acquire(), StatusIs(absl::StatusCode::kResourceExhausted,
                                        HasSubstr("max_instances_per_thread")));
  EXPECT_EQ(pool->stats().thread_cap_refusals, 1u);
}

// Typed handles made once per instance.
struct BigHandles {
  TypedFunc<int32_t()> check;
  TypedFunc<int32_t(int32_t, int32_t)> dirty;
};

absl::StatusOr<BigHandles> MakeBigHandles(Instance& instance) {
  absl::StatusOr<TypedFunc<int32_t()>> check =
      instance.GetFunc<int32_t()>("check");
  if (!check.ok()) return check.status();
  absl::StatusOr<TypedFunc<int32_t(int32_t, int32_t)>> dirty =
      instance.GetFunc<int32_t(int32_t, int32_t)>("dirty");
  if (!dirty.ok()) return dirty.status();
  return BigHandles{*check, *dirty};
}

TEST(PoolImageTest, HandlesAreMadeOncePerInstanceAndServeEveryLease) {
  int initializations = 0;
  int made = 0;
  PoolOptions options;
  options.SetHandles<BigHandles>([&made](Instance& instance) {
    ++made;
    return MakeBigHandles(instance);
  });
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations, options));
  const BigHandles* first = nullptr;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    BigHandles* handles = lease.handles<BigHandles>();
    ASSERT_NE(handles, nullptr);
    if (first == nullptr) first = handles;
    EXPECT_EQ(handles, first) << "the same instance keeps its handles";
    EXPECT_THAT(handles->dirty.Call(0, 64), IsOkAndHolds(kInitialised));
    EXPECT_EQ(lease.handles<int>(), nullptr) << "not the pool's type";
  }
  {
    // A replacement gets handles of its own.
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "trap"), StatusIs(absl::StatusCode::kAborted));
  }
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  ASSERT_NE(lease.handles<BigHandles>(), nullptr);
  EXPECT_THAT(lease.handles<BigHandles>()->check.Call(),
              IsOkAndHolds(kInitialised));
  EXPECT_EQ(made, 2);
}

TEST(PoolImageTest, FailingHandlesFailCreate) {
  int initializations = 0;
  PoolOptions options;
  options.SetHandles<TypedFunc<int32_t()>>([](Instance& instance) {
    return instance.GetFunc<int32_t()>("no_such_export");
  });
  EXPECT_THAT(
      BigPool(&initializations, options),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("no_such_export")));
}

TEST(PoolImageTest, InvokeAppliesCallOptions) {
  int initializations = 0;
  ASSERT_OK_AND_ASSIGN(auto pool, BigPool(&initializations));
  CallOptions spin_options;
  spin_options.timeout = absl::Milliseconds(30);
  EXPECT_THAT(
      pool->Invoke<int32_t()>(spin_options, "spin"),
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("deadline")));
  // Past its deadline already: refused before the guest starts.
  CallOptions past;
  past.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_THAT(
      pool->Invoke<int32_t()>(past, "check"),
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("deadline")));
  EXPECT_THAT(pool->Invoke<int32_t()>("check"), IsOkAndHolds(kInitialised));
  EXPECT_EQ(pool->stats().traps, 1u);
}

}  // namespace
}  // namespace wasmhost
