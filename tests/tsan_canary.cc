// tsan_canary: a deliberate data race in a host function, for
// tsan_canary_test. Two threads lease instances of host_void.wat from one
// pool and call its export, which calls the host function env.f; env.f
// increments a plain int without a lock. Under ThreadSanitizer this must be
// reported: every host function runs above V8 frames, so a suppression
// that matches any V8 frame of a report (not only the top one) hides it.
//
//   tsan_canary build   prints "tsan" in a ThreadSanitizer build, else
//                       "plain"
//   tsan_canary         runs the race; prints the count it reached
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/fixtures.h"
#include "wasmhost/wasmhost.h"

namespace {

constexpr int kThreads = 2;
constexpr int kCallsPerThread = 20000;

// Not atomic, not guarded: the race the TSan pass must see.
int g_unguarded_calls = 0;

// Out of line so the report's top frame names it.
__attribute__((noinline)) void RacyHostFunction() { ++g_unguarded_calls; }

int Run() {
  absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create();
  if (!engine.ok()) {
    std::fprintf(stderr, "engine: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<wasmhost::Module> module =
      engine->Compile(wasmhost::fixtures::host_void_wasm());
  if (!module.ok()) {
    std::fprintf(stderr, "compile: %s\n", module.status().ToString().c_str());
    return 1;
  }
  wasmhost::Linker linker;
  absl::Status defined = linker.Define("env", "f", [] { RacyHostFunction(); });
  if (!defined.ok()) {
    std::fprintf(stderr, "define: %s\n", defined.ToString().c_str());
    return 1;
  }
  wasmhost::PoolOptions options;
  options.policy = wasmhost::ReusePolicy::kReuse;
  absl::StatusOr<std::unique_ptr<wasmhost::InstancePool>> pool =
      wasmhost::InstancePool::Create(*module, linker, options);
  if (!pool.ok()) {
    std::fprintf(stderr, "pool: %s\n", pool.status().ToString().c_str());
    return 1;
  }
  std::vector<std::thread> threads;
  int failed_calls[kThreads] = {};
  // Each thread's first call makes its isolate and instance, which takes
  // longer than all its other calls: without waiting for each other, one
  // thread could finish before the other starts, and the pool's
  // synchronisation would then order every access. Relaxed atomics make no
  // happens-before edge for TSan, so the wait hides nothing.
  std::atomic<int> ready{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      if (!(*pool)->Invoke<void()>("call").ok()) ++failed_calls[t];
      ready.fetch_add(1, std::memory_order_relaxed);
      while (ready.load(std::memory_order_relaxed) < kThreads) {
        std::this_thread::yield();
      }
      for (int i = 1; i < kCallsPerThread; ++i) {
        if (!(*pool)->Invoke<void()>("call").ok()) ++failed_calls[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    if (failed_calls[t] != 0) {
      std::fprintf(stderr, "thread %d: %d calls failed\n", t, failed_calls[t]);
      return 1;
    }
  }
  // Lost updates are possible (that is the race); the count is only a sign
  // that the host function ran.
  std::printf("host function ran, count %d of %d\n", g_unguarded_calls,
              kThreads * kCallsPerThread);
  return g_unguarded_calls > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "build") == 0) {
#if defined(__SANITIZE_THREAD__)
    std::puts("tsan");
#else
    std::puts("plain");
#endif
    return 0;
  }
  return Run();
}
