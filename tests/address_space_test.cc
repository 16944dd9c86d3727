// Address space as a budget shared by every thread: each Wasm memory
// reserves ~10 GB of address space (guard regions), and V8 frees a dropped
// instance's reservation only when its isolate collects garbage. One
// thread's churn must not starve another thread's instances.

#include <atomic>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

// Bytes of address space the process has mapped (VmSize).
uint64_t MappedBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    uint64_t kib = 0;
    if (std::sscanf(line.c_str(), "VmSize: %" SCNu64 " kB", &kib) == 1) {
      return kib * 1024;
    }
  }
  return 0;
}

// 2,000 instances of `module` made on this thread and kept alive, or as
// many as were made before `max_failures` attempts failed.
struct Kept {
  std::vector<Instance> instances;
  int failures = 0;
  absl::Status first_failure;
};
Kept KeepInstances(const Module& module, int max_failures) {
  Kept kept;
  while (kept.instances.size() < 2000 && kept.failures < max_failures) {
    absl::StatusOr<Instance> instance = Instance::Create(module, Linker());
    if (instance.ok()) {
      kept.instances.push_back(*std::move(instance));
    } else {
      if (kept.first_failure.ok()) kept.first_failure = instance.status();
      ++kept.failures;
    }
  }
  return kept;
}

// The case: one thread made and dropped nearly as many instances
// as the address space holds and now sits idle; another thread's instances
// must still find room. First in the file, so that no other test's dead
// memories are mapped when it measures the room left.
TEST(AddressSpaceTest, DeadMemoriesOfAnIdleThreadDoNotStarveAnother) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::one_page_wasm()));
  // How many memories fit: what 47 bits leave, per reservation (~10 GB;
  // less of it under sanitizers, whose shadow memory is mapped).
  const uint64_t before = MappedBytes();
  uint64_t after = 0;
  {
    std::vector<Instance> probe;
    for (int i = 0; i < 10; ++i) {
      ASSERT_OK_AND_ASSIGN(Instance instance,
                           Instance::Create(module, Linker()));
      probe.push_back(std::move(instance));
    }
    after = MappedBytes();
  }
  ASSERT_GT(after, before);
  const uint64_t per_memory = (after - before) / 10;
  const uint64_t fit = ((uint64_t{1} << 47) - after) / per_memory;
  ASSERT_GT(fit, 3000u);
  // The idle thread's dead memories would leave the other thread 1,000.
  const size_t churned = fit - 1000;
  std::promise<void> dropped, may_exit;
  std::thread idle([&] {
    {
      std::vector<Instance> instances;
      for (size_t i = 0; i < churned; ++i) {
        absl::StatusOr<Instance> instance = Instance::Create(module, Linker());
        if (!instance.ok()) {
          ADD_FAILURE() << "instance " << i << ": " << instance.status();
          break;
        }
        instances.push_back(*std::move(instance));
      }
    }
    dropped.set_value();
    may_exit.get_future().wait();
  });
  dropped.get_future().wait();
  const Kept kept = KeepInstances(module, 100);
  may_exit.set_value();
  idle.join();
  EXPECT_EQ(kept.failures, 0) << kept.first_failure;
  EXPECT_EQ(kept.instances.size(), 2000u);
}

// One thread creates and drops instances as fast as it can while another
// keeps 2,000 alive.
TEST(AddressSpaceTest, ChurnOnOneThreadDoesNotStarveAnother) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::one_page_wasm()));
  std::atomic<bool> stop{false};
  std::atomic<int> churned{0}, churn_failures{0};
  std::thread churn([&] {
    while (!stop.load()) {
      absl::StatusOr<Instance> instance = Instance::Create(module, Linker());
      if (!instance.ok()) {
        churn_failures.fetch_add(1);
        continue;
      }
      churned.fetch_add(1);
    }
  });
  // Let the churn fill the address space with dead memories first.
  while (churned.load() < 15000) absl::SleepFor(absl::Milliseconds(10));
  const Kept kept = KeepInstances(module, 2000);
  stop.store(true);
  churn.join();
  EXPECT_EQ(kept.failures, 0) << kept.first_failure;
  EXPECT_EQ(kept.instances.size(), 2000u);
  EXPECT_EQ(churn_failures.load(), 0);
}

// Live instances that really use up the address space: a clean
// ResourceExhausted naming it, and everything carries on once some go.
TEST(AddressSpaceTest, ExhaustedAddressSpaceIsACleanResourceExhausted) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::one_page_wasm()));
  std::vector<Instance> live;
  absl::Status failure;
  while (live.size() < 20000) {  // ~13,000 fit in 128 TB
    absl::StatusOr<Instance> instance = Instance::Create(module, Linker());
    if (!instance.ok()) {
      failure = instance.status();
      break;
    }
    live.push_back(*std::move(instance));
  }
  EXPECT_STATUS(failure, absl::StatusCode::kResourceExhausted,
                "cannot reserve address space for the instance's memory");
  // errors.h's kAddressSpace row.
  EXPECT_EQ(GetErrorInfo(failure).kind, ErrorKind::kLimit);
  EXPECT_EQ(GetErrorInfo(failure).limit, LimitKind::kAddressSpace);
  EXPECT_GT(live.size(), 1000u);
  // Every live instance still works.
  ASSERT_OK_AND_ASSIGN(auto touch, live.front().GetFunc<int32_t()>("touch"));
  EXPECT_THAT(touch.Call(), testing::IsOkAndHolds(1));
  ASSERT_OK_AND_ASSIGN(auto last, live.back().GetFunc<int32_t()>("touch"));
  EXPECT_THAT(last.Call(), testing::IsOkAndHolds(1));
  // Instances dropped on this thread free their address space for another.
  live.erase(live.end() - 100, live.end());
  std::thread other([&] {
    for (int i = 0; i < 50; ++i) {
      absl::StatusOr<Instance> instance = Instance::Create(module, Linker());
      ASSERT_OK(instance.status()) << i;
    }
  });
  other.join();
}

}  // namespace
}  // namespace wasmhost
