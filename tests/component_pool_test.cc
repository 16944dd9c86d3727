// component::InstancePool: fresh state per lease for every core instance
// of a component (memories and globals), its handle tables (guest and host
// resources) and its WASI 0.2 context; poisoned instances replaced; typed
// and dynamic calls through a lease; leases on two threads.

#include "wasmhost/component_pool.h"

#include <cstdint>
#include <memory>
#include <string>
#include <thread>  // NOLINT(build/c++11)
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "tests/component_fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_typed.h"
#include "wasmhost/wasi.h"
#include "wasmhost/wasi_component.h"

namespace wasmhost::component {
namespace {

using ::testing::HasSubstr;
using ::wasmhost::testing::SharedEngine;

Component PoolComponent() {
  absl::StatusOr<Component> component =
      Component::Compile(SharedEngine(), wasmhost::testing::pool_wasm());
  EXPECT_OK(component.status());
  return *std::move(component);
}

// The host side of pool.wat: blobs numbered from 100, and the reps whose
// destructor ran.
struct BlobHost {
  uint32_t next_blob = 100;
  std::vector<uint32_t> dropped;
  Linker linker;
  BlobHost() {
    LinkerInstance host = linker.Instance("demo:pool/host");
    EXPECT_OK(host.DefineResource("blob", [this](uint32_t rep) {
      dropped.push_back(rep);
      return absl::OkStatus();
    }));
    EXPECT_OK(host.Define("make-blob",
                          [this](Caller&, absl::Span<const Val>,
                                 std::vector<Val>& results) -> absl::Status {
                            results.push_back(Val::Own(next_blob++));
                            return absl::OkStatus();
                          }));
  }
};

uint32_t CallU32(Lease& lease, absl::string_view name) {
  absl::StatusOr<TypedFunc<uint32_t()>> func = lease->GetFunc<uint32_t()>(name);
  EXPECT_OK(func.status());
  if (!func.ok()) return 0;
  absl::StatusOr<uint32_t> result = func->Call();
  EXPECT_OK(result.status());
  return result.ok() ? *result : 0;
}

TEST(ComponentPoolTest, EveryLeaseStartsFresh) {
  BlobHost host;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(PoolComponent(), host.linker));
  for (int lease_number = 0; lease_number < 3; ++lease_number) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    // Both core instances count in a global and in the memory the first
    // one defines; each lease sees them at zero.
    EXPECT_EQ(CallU32(lease, "next"), 1001u);
    EXPECT_EQ(CallU32(lease, "next"), 2002u);
    EXPECT_EQ(CallU32(lease, "bump"), 1001u);
    EXPECT_EQ(CallU32(lease, "bump"), 2002u);
    // The guest keeps a handle of its own resource: a table emptied at
    // release gives every lease index 1 again.
    EXPECT_EQ(CallU32(lease, "keep-token"), 1u);
    EXPECT_EQ(CallU32(lease, "keep-token"), 2u);
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, 3u);
  EXPECT_EQ(stats.warm_hits, 3u);
  EXPECT_EQ(stats.resets, 3u);
  EXPECT_EQ(stats.discards, 0u);
  EXPECT_EQ(stats.fresh_state_refusal, "");
}

TEST(ComponentPoolTest, ReuseKeepsState) {
  BlobHost host;
  PoolOptions options;
  options.policy = ReusePolicy::kReuse;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<InstancePool> pool,
      InstancePool::Create(PoolComponent(), host.linker, options));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_EQ(CallU32(lease, "next"), 1001u);
  }
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_EQ(CallU32(lease, "next"), 2002u);
}

TEST(ComponentPoolTest, HostResourcesLeftByALeaseAreDestroyed) {
  BlobHost host;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(PoolComponent(), host.linker));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_EQ(CallU32(lease, "keep-blob"), 1u);
    EXPECT_EQ(CallU32(lease, "keep-blob"), 2u);
    EXPECT_TRUE(host.dropped.empty());
  }
  // The guest never dropped them: the reset did, running the destructor.
  EXPECT_THAT(host.dropped, ::testing::UnorderedElementsAre(100u, 101u));
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_EQ(CallU32(lease, "keep-blob"), 1u);
}

TEST(ComponentPoolTest, TrappedInstanceIsReplaced) {
  BlobHost host;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(PoolComponent(), host.linker));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_EQ(CallU32(lease, "next"), 1001u);
    ASSERT_OK_AND_ASSIGN(Func trap, lease->GetFunc("trap"));
    EXPECT_THAT(trap.Call({}),
                ::wasmhost::testing::StatusIs(absl::StatusCode::kAborted,
                                              HasSubstr("unreachable")));
    EXPECT_TRUE(lease->poisoned());
  }
  EXPECT_EQ(pool->stats().traps, 1u);
  EXPECT_EQ(pool->stats().discards, 1u);
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_FALSE(lease->poisoned());
  // A new instance, started from the image.
  EXPECT_EQ(CallU32(lease, "next"), 1001u);
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.replacements, 1u);
}

TEST(ComponentPoolTest, GrownMemoryIsDiscarded) {
  BlobHost host;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(PoolComponent(), host.linker));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto grow, lease->GetFunc<int32_t()>("grow"));
    EXPECT_THAT(grow.Call(), ::wasmhost::testing::IsOkAndHolds(1));
  }
  EXPECT_EQ(pool->stats().discards, 1u);
  EXPECT_EQ(pool->stats().traps, 0u);
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_EQ(CallU32(lease, "next"), 1001u);
}

// Typed handles made once per instance with SetHandles, and dynamic calls.
struct Handles {
  TypedFunc<uint32_t()> next;
};

TEST(ComponentPoolTest, TypedHandlesAndDynamicCalls) {
  BlobHost host;
  PoolOptions options;
  int made = 0;
  options.SetHandles<Handles>(
      [&made](Instance& instance) -> absl::StatusOr<Handles> {
        ++made;
        absl::StatusOr<TypedFunc<uint32_t()>> next =
            instance.GetFunc<uint32_t()>("next");
        if (!next.ok()) return next.status();
        return Handles{*next};
      });
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<InstancePool> pool,
      InstancePool::Create(PoolComponent(), host.linker, options));
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_NE(lease.handles<Handles>(), nullptr);
    EXPECT_EQ(lease.handles<int>(), nullptr);
    EXPECT_THAT(lease.handles<Handles>()->next.Call(),
                ::wasmhost::testing::IsOkAndHolds(1001u));
    ASSERT_OK_AND_ASSIGN(Func bump, lease->GetFunc("bump"));
    ASSERT_OK_AND_ASSIGN(std::vector<Val> got, bump.Call({}));
    EXPECT_EQ(got, std::vector<Val>{Val::U32(1001)});
    EXPECT_EQ(lease.version(), 1u);
  }
  EXPECT_EQ(made, 1);
  // A typed handle whose signature is not the export's is refused.
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_THAT(lease->GetFunc<uint64_t()>("next").status(),
              ::wasmhost::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("next")));
}

TEST(ComponentPoolTest, HooksRunAndFailuresSurface) {
  BlobHost host;
  PoolOptions options;
  int initialized = 0;
  int resets = 0;
  options.initialize_instance = [&](Instance& instance) {
    ++initialized;
    // Its effect is part of the image every lease starts from.
    absl::StatusOr<Func> next = instance.GetFunc("next");
    if (!next.ok()) return next.status();
    return next->Call({}).status();
  };
  options.reset_instance = [&](Instance&) {
    ++resets;
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<InstancePool> pool,
      InstancePool::Create(PoolComponent(), host.linker, options));
  EXPECT_EQ(initialized, 1);
  EXPECT_EQ(resets, 1);  // once after the image is taken
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_EQ(CallU32(lease, "next"), 2002u);
  }
  EXPECT_EQ(resets, 2);

  PoolOptions failing;
  failing.setup_instance = [](InstanceOptions&) {
    return absl::UnavailableError("no context today");
  };
  EXPECT_THAT(InstancePool::Create(PoolComponent(), host.linker, failing),
              ::wasmhost::testing::StatusIs(absl::StatusCode::kUnavailable,
                                            HasSubstr("no context today")));
  // An import the linker does not grant fails Create.
  EXPECT_THAT(InstancePool::Create(PoolComponent(), Linker()),
              ::wasmhost::testing::StatusIs(absl::StatusCode::kNotFound,
                                            HasSubstr("demo:pool/host")));
  PoolOptions inconsistent;
  inconsistent.max_instances = 2;
  inconsistent.max_instances_per_thread = 3;
  EXPECT_THAT(
      InstancePool::Create(PoolComponent(), host.linker, inconsistent),
      ::wasmhost::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("max_instances_per_thread")));
}

TEST(ComponentPoolTest, CapsAndTimeout) {
  BlobHost host;
  PoolOptions options;
  options.max_instances = 1;
  options.max_instances_per_thread = 1;
  options.acquire_timeout = absl::ZeroDuration();
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<InstancePool> pool,
      InstancePool::Create(PoolComponent(), host.linker, options));
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_THAT(
      pool->Acquire().status(),
      ::wasmhost::testing::StatusIs(absl::StatusCode::kResourceExhausted,
                                    HasSubstr("max_instances_per_thread")));
  EXPECT_EQ(pool->stats().thread_cap_refusals, 1u);
}

TEST(ComponentPoolTest, ReloadSwitchesVersions) {
  BlobHost host;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(PoolComponent(), host.linker));
  ASSERT_OK_AND_ASSIGN(Lease old_lease, pool->Acquire());
  ASSERT_OK(pool->Reload(PoolComponent()));
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_EQ(old_lease.version(), 1u);
  EXPECT_EQ(lease.version(), 2u);
  EXPECT_EQ(pool->stats().version, 2u);
  EXPECT_EQ(CallU32(lease, "next"), 1001u);
  // A version whose imports are not granted is refused; the pool keeps 2.
  EXPECT_THAT(pool->Reload(PoolComponent(), Linker(), pool->options()),
              ::wasmhost::testing::StatusIs(
                  absl::StatusCode::kNotFound,
                  HasSubstr("reload refused, the pool keeps version 2")));
}

// WASI 0.2: a context per instance, reset on release, so stdout set for
// one lease does not reach the next and the adapter's state starts over.
TEST(ComponentPoolTest, WasiStateIsPerLease) {
  Linker linker;
  ASSERT_OK(wasi::AddToComponentLinker(linker));
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), guests::wasi_reactor_wasm()));
  std::string base;
  PoolOptions options;
  options.setup_instance = [&base](InstanceOptions& instance_options) {
    wasi::WasiOptions wasi_options;
    wasi_options.stdout_sink = wasi::OutputSink::ToString(&base);
    absl::StatusOr<std::unique_ptr<wasi::WasiContext>> context =
        wasi::WasiContext::Create(wasi_options);
    if (!context.ok()) return context.status();
    instance_options.SetContext(
        std::shared_ptr<wasi::WasiContext>(*std::move(context)));
    return absl::OkStatus();
  };
  options.reset_instance = [](Instance& instance) {
    return instance.context<wasi::WasiContext>()->Reset();
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(component, linker, options));
  EXPECT_EQ(pool->stats().fresh_state_refusal, "");
  std::string first;
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    lease->context<wasi::WasiContext>()->SetStdout(
        wasi::OutputSink::ToString(&first));
    ASSERT_OK_AND_ASSIGN(auto shout,
                         lease->GetFunc<uint32_t(std::string_view)>("shout"));
    EXPECT_THAT(shout.Call("one"), ::wasmhost::testing::IsOkAndHolds(6u));
  }
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto shout,
                         lease->GetFunc<uint32_t(std::string_view)>("shout"));
    EXPECT_THAT(shout.Call("two"), ::wasmhost::testing::IsOkAndHolds(6u));
  }
  EXPECT_EQ(first, "one! \n");
  EXPECT_EQ(base, "two! \n");
  // The call fits in the image's memory: the instance is reset, not
  // replaced, and each lease's adapter sets itself up again, its stdout
  // stream handle dropped by the reset (lib/wasi/p2_pool_test warms the
  // guest in initialize_instance instead, keeping that setup).
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.resets, 2u);
  EXPECT_EQ(stats.discards, 0u);
  EXPECT_EQ(stats.replacements, 0u);
  EXPECT_EQ(stats.traps, 0u);
}

// Leases on two threads, each with its own instances (tagged tsan).
TEST(ComponentPoolTest, TwoThreads) {
  BlobHost host;
  PoolOptions options;
  options.max_instances = 2;
  options.max_instances_per_thread = 1;
  // Blobs are made and dropped on both threads: host's vectors are not
  // touched here (keep-blob is not called).
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<InstancePool> pool,
      InstancePool::Create(PoolComponent(), host.linker, options));
  auto work = [&pool] {
    for (int i = 0; i < 50; ++i) {
      absl::StatusOr<Lease> lease = pool->Acquire();
      ASSERT_OK(lease.status());
      EXPECT_EQ(CallU32(*lease, "next"), 1001u);
      EXPECT_EQ(CallU32(*lease, "keep-token"), 1u);
    }
  };
  std::thread a(work);
  std::thread b(work);
  a.join();
  b.join();
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, 100u);
  EXPECT_EQ(stats.traps, 0u);
  EXPECT_EQ(stats.in_use, 0u);
}

// Warm shares the module pool's machinery: a worker thread's first leases
// are warm hits that start fresh; the errors are the module pool's.
TEST(ComponentPoolTest, WarmOnAWorkerThread) {
  BlobHost host;
  PoolOptions options;
  options.max_idle_per_thread = 2;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<InstancePool> pool,
      InstancePool::Create(PoolComponent(), host.linker, options));
  std::thread worker([&pool] {
    EXPECT_THAT(pool->Warm(3), ::wasmhost::testing::StatusIs(
                                   absl::StatusCode::kInvalidArgument,
                                   HasSubstr("max_idle_per_thread is 2")));
    ASSERT_OK(pool->Warm(2));
    std::vector<Lease> leases;
    for (int i = 0; i < 2; ++i) {
      ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
      EXPECT_EQ(CallU32(lease, "next"), 1001u);
      EXPECT_EQ(CallU32(lease, "keep-token"), 1u);
      leases.push_back(std::move(lease));
    }
    PoolStats stats = pool->stats();
    EXPECT_EQ(stats.warmed, 2u);
    EXPECT_EQ(stats.warm_hits, 2u);
    EXPECT_EQ(stats.misses, 0u);
  });
  worker.join();

  PoolOptions fresh_each_time;
  fresh_each_time.policy = ReusePolicy::kNewInstance;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<InstancePool> unpooled,
      InstancePool::Create(PoolComponent(), host.linker, fresh_each_time));
  EXPECT_THAT(unpooled->Warm(1), ::wasmhost::testing::StatusIs(
                                     absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("kNewInstance")));
}

// A handle the host got in one lease names nothing in the next, though the
// pool gives the same instance back reset (or a replacement).
TEST(ComponentPoolTest, HandleOfAnEarlierLeaseIsRefused) {
  absl::StatusOr<Component> component =
      Component::Compile(SharedEngine(), guests::resource_wasm());
  ASSERT_OK(component.status());
  Linker linker;
  LinkerInstance host = linker.Instance("demo:res/host");
  ASSERT_OK(host.DefineResource("blob", nullptr));
  auto unused = [](Caller&, absl::Span<const Val>, std::vector<Val>&) {
    return absl::InternalError("not called");
  };
  ASSERT_OK(host.Define("[constructor]blob", unused));
  ASSERT_OK(host.Define("[method]blob.size", unused));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(*component, linker));
  constexpr absl::string_view kCounters = "demo:res/counters";
  auto call = [&](Lease& lease, absl::string_view name,
                  std::vector<Val> args) -> absl::StatusOr<std::vector<Val>> {
    absl::StatusOr<Func> func = lease->GetFunc(kCounters, name);
    if (!func.ok()) return func.status();
    return func->Call(args);
  };
  Val kept;
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(std::vector<Val> made,
                         call(lease, "[constructor]counter", {Val::U32(5)}));
    kept = made.at(0);
    EXPECT_THAT(
        call(lease, "[method]counter.inc",
             {Val::Borrow(kept.guest_handle()), Val::U32(1)}),
        ::wasmhost::testing::IsOkAndHolds(std::vector<Val>{Val::U32(6)}));
  }
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_EQ(pool->stats().resets, 1u);
  EXPECT_STATUS(call(lease, "[method]counter.inc",
                     {Val::Borrow(kept.guest_handle()), Val::U32(1)})
                    .status(),
                absl::StatusCode::kFailedPrecondition,
                "or the instance was reset since");
  EXPECT_STATUS(lease->DropResource(kept.guest_handle()),
                absl::StatusCode::kFailedPrecondition, "reset");
  EXPECT_FALSE(lease->poisoned());
  // The lease's own handles work.
  ASSERT_OK_AND_ASSIGN(std::vector<Val> made,
                       call(lease, "[constructor]counter", {Val::U32(1)}));
  EXPECT_OK(lease->DropResource(made.at(0).guest_handle()));
}

}  // namespace
}  // namespace wasmhost::component
