// Tests of what may outlive a thread's isolate: instances and pool leases
// kept in thread_locals made before the isolate (so destroyed after it when
// the thread exits), and an instance destroyed at process exit. Each must
// be destroyed without touching V8, refuse calls with FailedPrecondition
// meanwhile, and leave the process and other instances working.

#include <atomic>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/engine.h"
#include "wasmhost/global.h"
#include "wasmhost/instance.h"
#include "wasmhost/memory.h"
#include "wasmhost/pool.h"
#include "wasmhost/table.h"

namespace wasmhost {
namespace {

using ::testing::HasSubstr;
using testing::IsOkAndHolds;

// Runs `at_exit` from its destructor. Made at the start of a thread, before
// its isolate, so its destructor runs after the isolate is gone.
struct LateHolder {
  std::optional<Instance> instance;
  std::optional<Lease> lease;
  std::function<void()> at_exit;
  ~LateHolder() {
    if (at_exit) at_exit();
  }
};

thread_local LateHolder late;
thread_local std::optional<Lease> second;

// Host-made extern handles and a funcref read from an instance's table
// (which keeps that instance alive), all of one thread's isolate.
struct Externs {
  std::optional<Global> global;
  std::optional<Table> table;
  std::optional<Memory> memory;
  Val funcref;
};

// Makes Externs on the calling thread and checks that they work there.
void MakeExterns(Externs& externs) {
  ASSERT_OK_AND_ASSIGN(Instance provider,
                       testing::Instantiate(fixtures::link_provider_wasm()));
  ASSERT_OK_AND_ASSIGN(Table tab, provider.GetTable("tab"));
  ASSERT_OK_AND_ASSIGN(externs.funcref, tab.Get(0));
  ASSERT_OK_AND_ASSIGN(externs.global,
                       Global::Create({ValType::kI32, true}, Val::I32(3)));
  ASSERT_OK_AND_ASSIGN(
      externs.table, Table::Create({ValType::kFuncRef, 2, 4}, externs.funcref));
  ASSERT_OK_AND_ASSIGN(externs.memory, Memory::Create({1, 2}));
  ASSERT_OK_AND_ASSIGN(Func seven, Func::FromRef(externs.funcref));
  EXPECT_THAT(seven.Call({}), IsOkAndHolds(std::vector<Val>{Val::I32(7)}));
  EXPECT_THAT(externs.global->Get(), IsOkAndHolds(Val::I32(3)));
  EXPECT_EQ(externs.table->size(), 2u);
  EXPECT_EQ(externs.memory->size(), 65536u);
}

// What using Externs after their isolate was disposed gave.
struct ExternsObserved {
  absl::Status global_get = absl::UnknownError("not called");
  absl::Status global_set = absl::UnknownError("not called");
  absl::Status table_get = absl::UnknownError("not called");
  absl::Status table_grow = absl::UnknownError("not called");
  absl::Status memory_write = absl::UnknownError("not called");
  absl::Status call = absl::UnknownError("not called");
  uint64_t table_size = 1;
  size_t memory_size = 1;
};

ExternsObserved UseExterns(const Externs& externs) {
  ExternsObserved observed;
  observed.global_get = externs.global->Get().status();
  observed.global_set = externs.global->Set(Val::I32(4));
  observed.table_get = externs.table->Get(0).status();
  observed.table_grow =
      externs.table->Grow(1, Val::NullRef(ValType::kFuncRef)).status();
  const uint8_t byte = 1;
  observed.memory_write =
      externs.memory->Write(0, absl::MakeConstSpan(&byte, 1));
  absl::StatusOr<Func> func = Func::FromRef(externs.funcref);
  observed.call = func.ok() ? func->Call({}).status() : func.status();
  observed.table_size = externs.table->size();
  observed.memory_size = externs.memory->size();
  return observed;
}

void ExpectRefused(const ExternsObserved& observed) {
  EXPECT_STATUS(observed.global_get, absl::StatusCode::kFailedPrecondition,
                "thread");
  EXPECT_STATUS(observed.global_set, absl::StatusCode::kFailedPrecondition,
                "thread");
  EXPECT_STATUS(observed.table_get, absl::StatusCode::kFailedPrecondition,
                "thread");
  EXPECT_STATUS(observed.table_grow, absl::StatusCode::kFailedPrecondition,
                "thread");
  // The memory's bytes are empty there, as on another thread.
  EXPECT_EQ(observed.memory_write.code(), absl::StatusCode::kOutOfRange)
      << observed.memory_write;
  EXPECT_STATUS(observed.call, absl::StatusCode::kFailedPrecondition, "thread");
  EXPECT_EQ(observed.table_size, 0u);
  EXPECT_EQ(observed.memory_size, 0u);
}

thread_local struct LateExterns {
  Externs externs;
  std::function<void()> at_exit;
  ~LateExterns() {
    if (at_exit) at_exit();
  }
} late_externs;

// The status and memory size a thread's late holder saw after its isolate
// was disposed.
struct Observed {
  absl::Status call = absl::UnknownError("not called");
  size_t memory_size = 1;
};

TEST(LifetimeTest, InstanceInThreadLocalMadeBeforeTheFirstCompile) {
  Observed observed;
  std::thread worker([&] {
    late.at_exit = [&] {
      absl::StatusOr<TypedFunc<int32_t()>> bump =
          late.instance->GetFunc<int32_t()>("bump");
      observed.call = bump.ok() ? bump->Call().status() : bump.status();
      observed.memory_size = late.instance->memory().size();
    };
    // The thread's first compile creates its isolate, after `late`.
    absl::StatusOr<Module> module = testing::Compile(fixtures::types_wasm());
    ASSERT_OK(module.status());
    absl::StatusOr<Instance> instance = Instance::Create(*module, Linker());
    ASSERT_OK(instance.status());
    late.instance = *std::move(instance);
    ASSERT_OK_AND_ASSIGN(auto bump, late.instance->GetFunc<int32_t()>("bump"));
    EXPECT_THAT(bump.Call(), IsOkAndHolds(1));
    EXPECT_EQ(late.instance->memory().size(), 65536u);
  });
  worker.join();
  EXPECT_STATUS(observed.call, absl::StatusCode::kFailedPrecondition,
                "isolate was disposed when its thread exited");
  EXPECT_EQ(observed.memory_size, 0u);
  // This thread and its isolate carry on.
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::types_wasm(), Linker()));
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(1));
}

TEST(LifetimeTest, InstanceMadeByAnotherThreadLocalFirstUse) {
  // The isolate exists before `late` here (an earlier instance made it), so
  // `late` goes first at thread exit: the ordinary order must still work.
  std::thread worker([] {
    ASSERT_OK_AND_ASSIGN(
        Instance first, testing::Instantiate(fixtures::types_wasm(), Linker()));
    absl::StatusOr<Instance> second_instance =
        testing::Instantiate(fixtures::types_wasm(), Linker());
    ASSERT_OK(second_instance.status());
    late.instance = *std::move(second_instance);
  });
  worker.join();
  SUCCEED();
}

TEST(LifetimeTest, LeaseInThreadLocalMadeBeforeTheIsolate) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::pool_counter_wasm()));
  PoolOptions options;
  options.max_instances = 1;  // the exiting thread's lease must come back
  options.max_instances_per_thread = 1;
  options.acquire_timeout = absl::Seconds(2);
  ASSERT_OK_AND_ASSIGN(auto pool,
                       InstancePool::Create(module, Linker(), options));
  Observed observed;
  std::thread worker([&] {
    late.at_exit = [&] {
      absl::StatusOr<TypedFunc<int32_t()>> bump =
          (*late.lease)->GetFunc<int32_t()>("bump");
      observed.call = bump.ok() ? bump->Call().status() : bump.status();
    };
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_OK(lease.status());
    late.lease = *std::move(lease);
    ASSERT_OK_AND_ASSIGN(auto bump, (*late.lease)->GetFunc<int32_t()>("bump"));
    EXPECT_THAT(bump.Call(), IsOkAndHolds(1001));
  });
  worker.join();
  EXPECT_STATUS(observed.call, absl::StatusCode::kFailedPrecondition,
                "isolate was disposed");
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.discards, 1u);  // its instance could not be reset
  // The lease's reservation came back: max_instances is 1.
  EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(1001));
  // Another thread uses the pool as usual.
  std::thread again([&] {
    EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(1001));
  });
  again.join();
}

TEST(LifetimeTest, SeveralLeasesOfSeveralPoolsOutliveTheThread) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::pool_counter_wasm()));
  PoolOptions reuse;
  reuse.policy = ReusePolicy::kReuse;
  ASSERT_OK_AND_ASSIGN(auto fresh, InstancePool::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(auto kept,
                       InstancePool::Create(module, Linker(), reuse));
  std::thread worker([&] {
    // Both made before the isolate: `late` here, `second` at first use.
    late.at_exit = nullptr;
    second.reset();
    absl::StatusOr<Lease> a = fresh->Acquire();
    absl::StatusOr<Lease> b = kept->Acquire();
    ASSERT_OK(a.status());
    ASSERT_OK(b.status());
    late.lease = *std::move(a);
    second = *std::move(b);
    // An idle instance on the same slot goes at thread exit too.
    EXPECT_THAT(kept->Invoke<int32_t()>("bump"), IsOkAndHolds(1001));
  });
  worker.join();
  EXPECT_EQ(fresh->stats().in_use, 0u);
  EXPECT_EQ(kept->stats().in_use, 0u);
  EXPECT_EQ(kept->stats().idle, 1u);  // this thread's, from Create
  EXPECT_THAT(kept->Invoke<int32_t()>("bump"), IsOkAndHolds(1001));
}

TEST(LifetimeTest, ExternHandlesInThreadLocalMadeBeforeTheIsolate) {
  ExternsObserved observed;
  std::thread worker([&] {
    // Made before the isolate, so destroyed after it.
    late_externs.at_exit = [&] { observed = UseExterns(late_externs.externs); };
    ASSERT_OK(testing::Compile(fixtures::types_wasm()).status());
    MakeExterns(late_externs.externs);
  });
  worker.join();
  ExpectRefused(observed);
  // This thread's isolate carries on.
  Externs here;
  MakeExterns(here);
}

// A later thread's isolate may take the disposed one's address; handles of
// the disposed isolate must not take it for their own.
TEST(LifetimeTest, ExternHandlesOfAnExitedThreadAreRefusedOnALaterOne) {
  for (int round = 0; round < 4; ++round) {
    Externs externs;
    std::thread maker([&] { MakeExterns(externs); });
    maker.join();
    ExternsObserved observed;
    std::thread user([&] {
      ASSERT_OK(testing::Compile(fixtures::types_wasm()).status());
      observed = UseExterns(externs);
      externs = Externs();  // destroyed here, on a live isolate of another
    });
    user.join();
    ExpectRefused(observed);
  }
}

// At process exit the main thread's isolate goes (with its thread_locals)
// before static objects: an Instance held in one must not crash the exit.
std::optional<Instance> static_instance;

// ---------------------------------------------------------------------------
// Destroyed on the wrong thread: handed back to the instance's own thread
// and freed there, counted by Engine::foreign_thread_destructions.

// A context that records the thread it was destroyed on.
class DestroyedOn {
 public:
  explicit DestroyedOn(std::thread::id* thread) : thread_(thread) {}
  DestroyedOn(const DestroyedOn&) = delete;
  DestroyedOn& operator=(const DestroyedOn&) = delete;
  ~DestroyedOn() { *thread_ = std::this_thread::get_id(); }

 private:
  std::thread::id* thread_;
};

InstanceOptions RecordingDestruction(std::thread::id* thread) {
  InstanceOptions options;
  options.SetContext(std::make_shared<DestroyedOn>(thread));
  return options;
}

TEST(LifetimeTest, InstanceDestroyedOnAnotherThreadIsFreedOnItsOwn) {
  std::thread::id destroyed_on;
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::types_wasm(), Linker(),
                           RecordingDestruction(&destroyed_on)));
  const uint64_t before = testing::SharedEngine().foreign_thread_destructions();
  std::thread([&instance] { Instance gone = std::move(instance); }).join();
  EXPECT_EQ(testing::SharedEngine().foreign_thread_destructions(), before + 1);
  EXPECT_EQ(destroyed_on, std::thread::id());  // not yet: queued
  // The next instantiation on its own thread frees it, here.
  ASSERT_OK_AND_ASSIGN(Instance next,
                       testing::Instantiate(fixtures::types_wasm()));
  EXPECT_EQ(destroyed_on, std::this_thread::get_id());
  ASSERT_OK_AND_ASSIGN(auto nop, next.GetFunc<void()>("nop"));
  EXPECT_OK(nop.Call());
}

TEST(LifetimeTest, InstanceHandedBackToAnExitingThreadIsFreedBeforeItsIsolate) {
  std::thread::id destroyed_on;
  std::thread::id worker_id;
  std::optional<Instance> moved_out;
  std::promise<void> handed_over, destroyed;
  std::thread worker([&] {
    worker_id = std::this_thread::get_id();
    absl::StatusOr<Instance> made = testing::Instantiate(
        fixtures::types_wasm(), Linker(), RecordingDestruction(&destroyed_on));
    ASSERT_TRUE(made.ok()) << made.status();
    moved_out.emplace(*std::move(made));
    handed_over.set_value();
    destroyed.get_future().wait();
  });  // exits with the instance queued
  handed_over.get_future().wait();
  moved_out.reset();  // on the main thread: handed back to the worker
  destroyed.set_value();
  worker.join();
  EXPECT_EQ(destroyed_on, worker_id);
}

TEST(LifetimeTest, InstanceHandedBackAfterItsThreadExitedIsFreedAtOnce) {
  std::thread::id destroyed_on;
  std::optional<Instance> moved_out;
  std::thread([&] {
    absl::StatusOr<Instance> made = testing::Instantiate(
        fixtures::types_wasm(), Linker(), RecordingDestruction(&destroyed_on));
    ASSERT_TRUE(made.ok()) << made.status();
    moved_out.emplace(*std::move(made));
  }).join();  // its isolate is gone: the instance is detached
  ASSERT_OK_AND_ASSIGN(auto nop, moved_out->GetFunc<void()>("nop"));
  EXPECT_STATUS(nop.Call(), absl::StatusCode::kFailedPrecondition,
                "disposed when its thread exited");
  const uint64_t before = testing::SharedEngine().foreign_thread_destructions();
  moved_out.reset();
  EXPECT_EQ(destroyed_on, std::this_thread::get_id());
  EXPECT_EQ(testing::SharedEngine().foreign_thread_destructions(), before);
}

// A lease destroyed on another thread is released on its own: its instance
// goes back to that thread's idle list (kReuse keeps its state).
TEST(LifetimeTest, LeaseDestroyedOnAnotherThreadIsReleasedOnItsOwn) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::pool_counter_wasm()));
  PoolOptions options;
  options.policy = ReusePolicy::kReuse;
  ASSERT_OK_AND_ASSIGN(auto pool,
                       InstancePool::Create(module, Linker(), options));
  std::optional<Lease> lease;
  {
    ASSERT_OK_AND_ASSIGN(Lease acquired, pool->Acquire());
    lease.emplace(std::move(acquired));
  }
  ASSERT_OK_AND_ASSIGN(auto bump, (*lease)->GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(1001));
  const uint64_t before = testing::SharedEngine().foreign_thread_destructions();
  std::thread([&lease] { lease.reset(); }).join();
  EXPECT_EQ(testing::SharedEngine().foreign_thread_destructions(), before + 1);
  EXPECT_EQ(pool->stats().in_use, 1u);  // not released yet
  // Any instantiation on this thread runs the release.
  ASSERT_OK_AND_ASSIGN(Instance other,
                       testing::Instantiate(fixtures::types_wasm()));
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.idle, 1u);
  EXPECT_EQ(stats.discards, 0u);
  // The same instance, with its state: kReuse.
  EXPECT_THAT(pool->Invoke<int32_t()>("bump"), IsOkAndHolds(2002));
}

TEST(LifetimeDeathTest, InstanceInAStaticIsDestroyedAfterTheIsolate) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        absl::StatusOr<Instance> instance =
            testing::Instantiate(fixtures::types_wasm(), Linker());
        if (!instance.ok()) std::_Exit(2);
        static_instance = *std::move(instance);
        std::exit(7);
      },
      ::testing::ExitedWithCode(7), "");
}

}  // namespace
}  // namespace wasmhost
