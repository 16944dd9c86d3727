// pool_benchmark: InstancePool (include/wasmhost/pool.h) against what it
// replaces, each baseline measured in the same run.
//
// Guests (fixtures/pool_*.wat), each with a data segment:
//   0 pool_64k         1 Wasm page (64 KiB)
//   1 pool_1m          16 Wasm pages (1 MiB)
//   2 pool_1m_global   as 1, plus a mutable i32 global (a C guest's
//                      __stack_pointer), which a reset restores through JS
//
// 1. Acquire + release of a warm instance, no call:
//   BM_AcquireRelease/<policy>/<guest>   policy 0 kFreshState (the release
//                                        resets a clean instance), 1 kReuse
//   BM_Instantiate/<guest>               baseline: Instance::Create (and its
//                                        destruction), a new instance per
//                                        lease
// 2. A lease with one call that dirties <pages> 4 KiB OS pages:
//   BM_FreshLease/<guest>/<pages>        kFreshState Invoke("touch", pages):
//                                        acquire, call, reset on release (a
//                                        pool per guest and page count)
//   BM_ReuseLease/<guest>/<pages>        kReuse, same call, no reset (so
//                                        Fresh - Reuse = the reset)
//   BM_NewInstanceLease/<guest>/<pages>  baseline: kNewInstance, a new V8
//                                        instance per call
//   BM_RawV8InstantiateCall/<guest>/<pages>
//                                        raw V8: `new WebAssembly.Instance`
//                                        of the original bytes + the call
// 3. BM_Invoke/<policy>/real_time/threads:{1,2}
//                                        Invoke<int32_t(int32_t,int32_t)>
//                                        ("add") on one pool (64 KiB guest)
//                                        from 1 and 2 threads; items/s is the
//                                        total over the threads
//   BM_InstanceCall/real_time/threads:{1,2}
//                                        baseline: the same call on an
//                                        Instance of each thread's own
//   BM_RawV8CallPerThread/real_time/threads:{1,2}
//                                        baseline: v8::Function::Call on a raw
//                                        instance of each thread's own
// 3b. BM_BigFreshLease/<mode>/real_time/threads:{1,2}
//                                        kFreshState lease of
//                                        guests/big_init.c (initialisation
//                                        grows memory by 64 MiB and fills
//                                        it) calling touch(0, 1024): 1 MiB
//                                        (256 OS pages) written per request
//      0 keep: keep_resident_bytes 2 MiB, the written pages found with
//        PAGEMAP_SCAN and copied back from the image
//      1 drop: keep_resident_bytes 0, the written pages dropped
//        (madvise), so each request faults them in again
//    p50_us and p99_us are per-lease latencies (acquire, call, release)
//    measured one by one, averaged over the threads; cpu_us is each
//    thread's CPU time per lease, averaged; items/s is the total over the
//    threads (one pool, each thread starting from the image).
// 3c. BM_GrowingLease/<mode>/real_time  kFreshState leases of big_init:
//                                        mode 0, each lease calls grow(1),
//                                        so its instance is discarded and
//                                        the next Acquire makes a
//                                        replacement from the image (what a
//                                        request that makes CRuby grow its
//                                        heap costs); mode 1, each lease
//                                        calls touch(0, 64) and is reset,
//                                        the warm baseline
//    acquire_p50_us and acquire_p99_us time Acquire alone.
// 3d. Hot reload (64 KiB guest, kFreshState):
//   BM_Reload/real_time                  InstancePool::Reload of a running
//                                        pool (instantiate, state image,
//                                        switch)
//   BM_AcquireDuringReloads/<mode>/real_time
//                                        acquire, call "add", release; mode
//                                        1 with another thread reloading
//                                        the pool every 10 ms, mode 0
//                                        without: acquire_p50/p99/p999/
//                                        max_us time Acquire alone (after
//                                        a reload, a thread's next Acquire
//                                        instantiates the new version)
// 4. BM_CodeCache/<mode>                 Engine::Compile of a generated
//                                        module with ~1.2 MB of code, timed
//                                        in a fresh child process (this
//                                        binary re-executed) per iteration:
//      0 compile, cold cache: code_cache_dir set, empty (eager TurboFan,
//        then the code is serialised and written; every mode compiles
//        eagerly, lazy_compilation false)
//      1 load, warm cache: a second process with the directory 0 filled
//      2 compile, no cache, default tiering (Liftoff first)
//      3 compile, no cache, TurboFan only (CompileTier::kOptimized): 0
//        without the serialisation and the write
//    A fresh process per measurement: within one process V8 reuses a
//    compiled native module for identical bytes, and a hit there is
//    neither a compile nor a cache load. The child first compiles a tiny
//    module so the thread's isolate exists, then times only the Compile.
//
// After the run a summary prints the figures against the targets of issue 3.
// Defaults (overridable): 5 repetitions, medians only, random interleaving.

#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/big_fixtures.h"
#include "benchmarks/fixtures.h"
#include "guests/guests.h"
#include "v8.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::bench {
namespace {

constexpr int kGuests = 3;
constexpr const char* kGuestNames[kGuests] = {"64 KiB", "1 MiB",
                                              "1 MiB + mut global"};

absl::Span<const uint8_t> GuestBytes(int guest) {
  switch (guest) {
    case 0:
      return pool_64k_wasm();
    case 1:
      return pool_1m_wasm();
    default:
      return pool_1m_global_wasm();
  }
}

// ---------------------------------------------------------------------------
// Shared state, made in main after Engine::Create and destroyed before main
// returns (see call_benchmark.cc: V8 handles must not outlive the thread's
// isolate, which a thread_local destructor disposes).

struct SdkState {
  Engine engine;
  Linker linker;
  std::vector<Module> modules;
  std::unique_ptr<InstancePool> fresh[kGuests];
  // BM_FreshLease's own pools, by (guest, pages): a reset copies back every
  // page a lease of its pool ever wrote (up to keep_resident_bytes), so a
  // pool shared with the 16-page runs would measure those in the 1-page
  // ones.
  std::map<std::pair<int64_t, int64_t>, std::unique_ptr<InstancePool>>
      fresh_by_pages;
  std::unique_ptr<InstancePool> reuse[kGuests];
  std::unique_ptr<InstancePool> new_instance[kGuests];
};

struct RawState {
  v8::Isolate* isolate = nullptr;
  v8::Global<v8::Function> instance_constructor;
  v8::Global<v8::WasmModuleObject> modules[kGuests];
};

SdkState* sdk = nullptr;
RawState* raw = nullptr;

InstancePool& Pool(ReusePolicy policy, int guest) {
  switch (policy) {
    case ReusePolicy::kFreshState:
      return *sdk->fresh[guest];
    case ReusePolicy::kReuse:
      return *sdk->reuse[guest];
    case ReusePolicy::kNewInstance:
      break;
  }
  return *sdk->new_instance[guest];
}

ReusePolicy PolicyArg(int64_t arg) {
  return arg == 0 ? ReusePolicy::kFreshState : ReusePolicy::kReuse;
}

// ---------------------------------------------------------------------------
// 1. Acquire + release.

void BM_AcquireRelease(benchmark::State& state) {
  InstancePool& pool =
      Pool(PolicyArg(state.range(0)), static_cast<int>(state.range(1)));
  for (auto _ : state) {
    absl::StatusOr<Lease> lease = pool.Acquire();
    if (!lease.ok())
      return state.SkipWithError(lease.status().ToString().c_str());
    benchmark::DoNotOptimize(lease->instance());
  }
}
BENCHMARK(BM_AcquireRelease)
    ->ArgNames({"policy", "guest"})
    ->ArgsProduct({{0, 1}, {0, 1, 2}});

void BM_Instantiate(benchmark::State& state) {
  const Module& module = sdk->modules[state.range(0)];
  for (auto _ : state) {
    absl::StatusOr<Instance> instance = Instance::Create(module, sdk->linker);
    if (!instance.ok()) {
      return state.SkipWithError(instance.status().ToString().c_str());
    }
    benchmark::DoNotOptimize(instance);
  }
}
BENCHMARK(BM_Instantiate)
    ->ArgName("guest")
    ->DenseRange(0, 2)
    ->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------
// 2. A lease with one call dirtying `pages` OS pages.

void LeaseArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"guest", "pages"});
  b->Args({0, 1})->Args({0, 16})->Args({1, 1})->Args({1, 16})->Args({2, 1});
  b->Unit(benchmark::kMicrosecond);
}

void RunLeases(benchmark::State& state, InstancePool& pool) {
  const int32_t pages = static_cast<int32_t>(state.range(1));
  for (auto _ : state) {
    absl::StatusOr<int32_t> touched =
        pool.Invoke<int32_t(int32_t)>("touch", pages);
    if (!touched.ok() || *touched != pages) {
      return state.SkipWithError(touched.ok()
                                     ? "touch returned the wrong count"
                                     : touched.status().ToString().c_str());
    }
  }
}

void BM_FreshLease(benchmark::State& state) {
  std::unique_ptr<InstancePool>& pool =
      sdk->fresh_by_pages[{state.range(0), state.range(1)}];
  if (pool == nullptr) {
    pool = Must(InstancePool::Create(sdk->modules[state.range(0)], sdk->linker,
                                     PoolOptions()),
                "fresh-state pool");
  }
  RunLeases(state, *pool);
}
BENCHMARK(BM_FreshLease)->Apply(LeaseArgs);

void BM_NewInstanceLease(benchmark::State& state) {
  RunLeases(state, Pool(ReusePolicy::kNewInstance, state.range(0)));
}
BENCHMARK(BM_NewInstanceLease)->Apply(LeaseArgs);

// Not for pool_1m_global: without resets its stack pointer runs down.
void BM_ReuseLease(benchmark::State& state) {
  RunLeases(state, Pool(ReusePolicy::kReuse, state.range(0)));
}
BENCHMARK(BM_ReuseLease)
    ->ArgNames({"guest", "pages"})
    ->ArgsProduct({{0, 1}, {1, 16}})
    ->Unit(benchmark::kMicrosecond);

// What a raw embedder pays for a fresh instance per call: instantiate the
// original bytes (memory defined by the module, data segment copied in),
// read the export, call it.
void BM_RawV8InstantiateCall(benchmark::State& state) {
  v8::Isolate* isolate = raw->isolate;
  const int guest = static_cast<int>(state.range(0));
  const int32_t pages = static_cast<int32_t>(state.range(1));
  for (auto _ : state) {
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Object> instance;
    if (!RawInstantiate(context, raw->instance_constructor.Get(isolate),
                        raw->modules[guest].Get(isolate),
                        v8::Object::New(isolate))
             .ToLocal(&instance)) {
      return state.SkipWithError("raw instantiate failed");
    }
    v8::Local<v8::Value> args[] = {v8::Integer::New(isolate, pages)};
    v8::Local<v8::Value> result;
    if (!ExportFunction(context, instance, "touch")
             ->Call(context, v8::Undefined(isolate), 1, args)
             .ToLocal(&result)) {
      return state.SkipWithError("raw touch threw");
    }
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_RawV8InstantiateCall)->Apply(LeaseArgs);

// ---------------------------------------------------------------------------
// 3. Invocations per second from 1 and 2 threads on one pool.

void BM_Invoke(benchmark::State& state) {
  InstancePool& pool = Pool(PolicyArg(state.range(0)), 0);
  // Untimed: a new thread's first lease makes its isolate (~3 ms) and an
  // instance.
  if (!pool.Invoke<int32_t(int32_t, int32_t)>("add", 1, 2).ok()) {
    return state.SkipWithError("warm-up Invoke failed");
  }
  int32_t a = 1;
  for (auto _ : state) {
    absl::StatusOr<int32_t> sum =
        pool.Invoke<int32_t(int32_t, int32_t)>("add", a, 2);
    if (!sum.ok()) return state.SkipWithError(sum.status().ToString().c_str());
    benchmark::DoNotOptimize(*sum);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Invoke)
    ->ArgName("policy")
    ->DenseRange(0, 1)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// Baselines for the scaling of BM_Invoke: the same call with no pool, on
// an instance of each thread's own, through the SDK and through raw V8. They
// show how far the machine and V8 themselves scale in this run.
void BM_InstanceCall(benchmark::State& state) {
  auto instance = Instance::Create(sdk->modules[0], sdk->linker);
  if (!instance.ok()) {
    return state.SkipWithError(instance.status().ToString().c_str());
  }
  auto add = instance->GetFunc<int32_t(int32_t, int32_t)>("add");
  if (!add.ok()) return state.SkipWithError(add.status().ToString().c_str());
  int32_t a = 1;
  for (auto _ : state) {
    absl::StatusOr<int32_t> sum = add->Call(a, 2);
    if (!sum.ok()) return state.SkipWithError(sum.status().ToString().c_str());
    benchmark::DoNotOptimize(*sum);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InstanceCall)->Threads(1)->Threads(2)->UseRealTime();

void BM_RawV8CallPerThread(benchmark::State& state) {
  // The SDK makes this thread's isolate; raw V8 runs inside it.
  if (!Instance::Create(sdk->modules[0], sdk->linker).ok()) {
    return state.SkipWithError("no isolate for this thread");
  }
  v8::Isolate* isolate = CurrentIsolate();
  v8::HandleScope outer(isolate);
  v8::Local<v8::Context> context = CurrentContext(isolate);
  v8::Local<v8::WasmModuleObject> module;
  v8::Local<v8::Object> instance;
  if (!RawCompile(isolate, GuestBytes(0)).ToLocal(&module) ||
      !RawInstantiate(context, InstanceConstructor(context), module,
                      v8::Object::New(isolate))
           .ToLocal(&instance)) {
    return state.SkipWithError("raw instantiation failed");
  }
  v8::Local<v8::Function> add = ExportFunction(context, instance, "add");
  int32_t a = 1;
  for (auto _ : state) {
    v8::HandleScope scope(isolate);
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> args[] = {v8::Integer::New(isolate, a),
                                   v8::Integer::New(isolate, 2)};
    v8::Local<v8::Value> result;
    if (!add->Call(context, v8::Undefined(isolate), 2, args).ToLocal(&result)) {
      return state.SkipWithError("raw call failed");
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawV8CallPerThread)->Threads(1)->Threads(2)->UseRealTime();

// ---------------------------------------------------------------------------
// 4. Code cache, measured in child processes.

constexpr const char* kChildFlag = "--pool_benchmark_child=";

enum CacheMode : int {
  kColdCache = 0,
  kWarmCache = 1,
  kNoCacheTiered = 2,
  kNoCacheOptimized = 3,
};

// In the child: prints "<compile nanoseconds> <hits> <misses> <writes>".
int ChildMain(const char* spec) {
  // spec: "<mode>:<cache dir>"
  const int mode = std::atoi(spec);
  const char* colon = std::strchr(spec, ':');
  EngineOptions options;
  // Every function compiled in Compile, as these rows always measured
  // (startup_benchmark measures lazy compilation and the tiered cache).
  options.lazy_compilation = false;
  if (mode == kColdCache || mode == kWarmCache) {
    if (colon == nullptr) return 2;
    options.code_cache_dir = colon + 1;
    // TurboFan, so the cold process writes its file in Compile.
    options.compile_tier = CompileTier::kOptimized;
  } else if (mode == kNoCacheOptimized) {
    options.compile_tier = CompileTier::kOptimized;
  }
  Engine engine = Must(Engine::Create(options), "Engine::Create (child)");
  // Makes this thread's isolate, outside the timing.
  Must(engine.Compile(pool_64k_wasm()), "compile a tiny module (child)");
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Module> module = engine.Compile(big_code_wasm());
  const auto end = std::chrono::steady_clock::now();
  MustOk(module.status(), "compile the big module (child)");
  const CodeCacheStats stats = engine.code_cache_stats();
  std::printf(
      "%lld %llu %llu %llu\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(end - start)
              .count()),
      static_cast<unsigned long long>(stats.hits),
      static_cast<unsigned long long>(stats.misses),
      static_cast<unsigned long long>(stats.writes));
  std::fflush(stdout);
  // Skip V8's and the thread's teardown: nothing to measure there.
  std::_Exit(0);
}

struct ChildResult {
  double seconds = 0;
  uint64_t hits = 0, misses = 0, writes = 0;
};

std::string SelfPath() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "";
  path[n] = '\0';
  return path;
}

// Runs this binary as a child in `mode`; nullopt-like failure as an error
// string in `error`.
bool RunChild(int mode, const std::string& dir, ChildResult* result,
              std::string* error) {
  static const std::string self = SelfPath();
  const std::string flag = absl::StrCat(kChildFlag, mode, ":", dir);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = "pipe failed";
    return false;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    *error = "fork failed";
    return false;
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    char* argv[] = {const_cast<char*>(self.c_str()),
                    const_cast<char*>(flag.c_str()), nullptr};
    execv(self.c_str(), argv);
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buffer[256];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof(buffer))) > 0) out.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  long long nanos = 0;
  unsigned long long hits = 0, misses = 0, writes = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      std::sscanf(out.c_str(), "%lld %llu %llu %llu", &nanos, &hits, &misses,
                  &writes) != 4) {
    *error = absl::StrCat("child (mode ", mode, ") failed, status ", status,
                          ", output: ", out);
    return false;
  }
  *result = {nanos * 1e-9, hits, misses, writes};
  return true;
}

std::string MakeTempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "pool_benchmark_cache.XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

void BM_CodeCache(benchmark::State& state) {
  const int mode = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const bool cached = mode == kColdCache || mode == kWarmCache;
    const std::string dir = cached ? MakeTempDir() : std::string("-");
    if (dir.empty()) return state.SkipWithError("mkdtemp failed");
    ChildResult result;
    std::string error;
    bool ok = true;
    if (mode == kWarmCache) {
      // Fill the cache in another process first (not timed).
      ok = RunChild(kColdCache, dir, &result, &error);
      if (ok && result.writes == 0) {
        ok = false;
        error = "the cold child wrote nothing";
      }
    }
    if (ok) ok = RunChild(mode, dir, &result, &error);
    if (ok && mode == kWarmCache && result.hits != 2) {
      ok = false;  // the tiny module and the big one
      error = absl::StrCat("warm child: ", result.hits, " cache hits, ",
                           result.misses, " misses");
    }
    if (cached) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
    if (!ok) return state.SkipWithError(error.c_str());
    state.SetIterationTime(result.seconds);
  }
  state.counters["code_bytes"] = static_cast<double>(big_code_wasm().size());
}
BENCHMARK(BM_CodeCache)
    ->ArgName("mode")
    ->DenseRange(0, 3)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// 3b. The big initialised guest.

// Pools of big_init, made by the first thread to need one: 0 and 1
// BM_BigFreshLease's by mode (keep, drop), 2 BM_GrowingLease's (keep).
std::unique_ptr<InstancePool> big_pools[3];
std::once_flag big_pools_once[3];

InstancePool& BigPool(int64_t mode) {
  std::call_once(big_pools_once[mode], [mode] {
    PoolOptions options;
    options.keep_resident_bytes = mode == 1 ? 0 : 2 << 20;
    options.initialize_instance = [](Instance& instance) {
      return wasi::InitializeReactor(instance);
    };
    big_pools[mode] = Must(
        InstancePool::Create(Must(sdk->engine.Compile(guests::big_init_wasm()),
                                  "compile big_init"),
                             sdk->linker, options),
        "big fresh-state pool");
  });
  return *big_pools[mode];
}

// The value below which `fraction` (0..1) of `sorted` (ascending, not
// empty) falls.
double Percentile(const std::vector<double>& sorted, double fraction) {
  return sorted[static_cast<size_t>(fraction * (sorted.size() - 1))];
}

double MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now() - start)
      .count();
}

// This thread's CPU time in microseconds.
double ThreadCpuMicros() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

void BM_BigFreshLease(benchmark::State& state) {
  InstancePool& pool = BigPool(state.range(0));
  std::vector<double> micros;
  const double cpu_start = ThreadCpuMicros();
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<int32_t> touched =
        pool.Invoke<int32_t(int32_t, int32_t)>("touch", 0, 1024);
    micros.push_back(MicrosSince(start));
    if (!touched.ok()) {
      return state.SkipWithError(touched.status().ToString().c_str());
    }
  }
  // CPU per lease, beside the real-time rate: under load from other
  // processes the rate of two threads says how much CPU the machine had
  // free, while a CPU time per lease that stays put from one thread to two
  // says nothing in the pool or the kernel makes the threads wait for each
  // other's work.
  state.counters["cpu_us"] = benchmark::Counter(
      (ThreadCpuMicros() - cpu_start) / static_cast<double>(micros.size()),
      benchmark::Counter::kAvgThreads);
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = benchmark::Counter(
      Percentile(micros, 0.5), benchmark::Counter::kAvgThreads);
  state.counters["p99_us"] = benchmark::Counter(
      Percentile(micros, 0.99), benchmark::Counter::kAvgThreads);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BigFreshLease)
    ->ArgName("mode")
    ->DenseRange(0, 1)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------
// 3c. A lease that grows the big guest's memory.

void BM_GrowingLease(benchmark::State& state) {
  const bool grows = state.range(0) == 0;
  InstancePool& pool = BigPool(2);
  std::vector<double> acquire_micros;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<Lease> lease = pool.Acquire();
    acquire_micros.push_back(MicrosSince(start));
    if (!lease.ok()) {
      return state.SkipWithError(lease.status().ToString().c_str());
    }
    absl::StatusOr<int32_t> result;
    if (grows) {
      absl::StatusOr<TypedFunc<int32_t(int32_t)>> grow =
          lease->instance().GetFunc<int32_t(int32_t)>("grow");
      result = grow.ok() ? grow->Call(1) : grow.status();
    } else {
      absl::StatusOr<TypedFunc<int32_t(int32_t, int32_t)>> touch =
          lease->instance().GetFunc<int32_t(int32_t, int32_t)>("touch");
      result = touch.ok() ? touch->Call(0, 64) : touch.status();
    }
    if (!result.ok() || *result < 0) {
      return state.SkipWithError(
          result.ok() ? "grow failed" : result.status().ToString().c_str());
    }
  }
  std::sort(acquire_micros.begin(), acquire_micros.end());
  state.counters["acquire_p50_us"] = Percentile(acquire_micros, 0.5);
  state.counters["acquire_p99_us"] = Percentile(acquire_micros, 0.99);
}
BENCHMARK(BM_GrowingLease)
    ->ArgName("mode")
    ->DenseRange(0, 1)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------
// 3d. Hot reload.

void BM_Reload(benchmark::State& state) {
  std::unique_ptr<InstancePool> pool =
      Must(InstancePool::Create(sdk->modules[0], sdk->linker), "reload pool");
  for (auto _ : state) {
    absl::Status reloaded = pool->Reload(sdk->modules[0]);
    if (!reloaded.ok()) return state.SkipWithError(reloaded.ToString().c_str());
  }
}
BENCHMARK(BM_Reload)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_AcquireDuringReloads(benchmark::State& state) {
  const bool reloading = state.range(0) == 1;
  std::unique_ptr<InstancePool> pool =
      Must(InstancePool::Create(sdk->modules[0], sdk->linker), "reload pool");
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reloads{0};
  std::string error;  // written by this thread only
  std::mutex reload_error_mu;
  std::string reload_error;
  std::thread reloader;
  if (reloading) {
    reloader = std::thread([&] {
      while (!stop.load()) {
        absl::Status reloaded = pool->Reload(sdk->modules[0]);
        if (!reloaded.ok()) {
          std::lock_guard<std::mutex> lock(reload_error_mu);
          reload_error = reloaded.ToString();
          return;
        }
        reloads.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }
  std::vector<double> acquire_micros;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<Lease> lease = pool->Acquire();
    acquire_micros.push_back(MicrosSince(start));
    if (!lease.ok()) {
      error = lease.status().ToString();
      break;
    }
    absl::StatusOr<TypedFunc<int32_t(int32_t, int32_t)>> add =
        lease->instance().GetFunc<int32_t(int32_t, int32_t)>("add");
    absl::StatusOr<int32_t> sum = add.ok() ? add->Call(2, 3) : add.status();
    if (!sum.ok()) {
      error = sum.status().ToString();
      break;
    }
  }
  stop.store(true);
  if (reloader.joinable()) reloader.join();
  if (error.empty()) error = reload_error;
  if (!error.empty()) return state.SkipWithError(error.c_str());
  std::sort(acquire_micros.begin(), acquire_micros.end());
  state.counters["acquire_p50_us"] = Percentile(acquire_micros, 0.5);
  state.counters["acquire_p99_us"] = Percentile(acquire_micros, 0.99);
  state.counters["acquire_p999_us"] = Percentile(acquire_micros, 0.999);
  // The slowest: a first Acquire after a reload, which instantiates.
  state.counters["acquire_max_us"] = acquire_micros.back();
  state.counters["reloads"] = static_cast<double>(reloads.load());
}
BENCHMARK(BM_AcquireDuringReloads)
    ->ArgName("mode")
    ->DenseRange(0, 1)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------
// Set-up.

void SetUpSdk() {
  Engine engine = Must(Engine::Create(), "Engine::Create");
  sdk = new SdkState{engine, {}, {}, {}, {}, {}, {}};
  for (int guest = 0; guest < kGuests; ++guest) {
    // The first compile makes (and enters) this thread's isolate.
    sdk->modules.push_back(
        Must(engine.Compile(GuestBytes(guest)), "compile a guest"));
  }
  for (int guest = 0; guest < kGuests; ++guest) {
    PoolOptions options;
    options.policy = ReusePolicy::kFreshState;
    sdk->fresh[guest] =
        Must(InstancePool::Create(sdk->modules[guest], sdk->linker, options),
             "fresh-state pool");
    options.policy = ReusePolicy::kReuse;
    sdk->reuse[guest] =
        Must(InstancePool::Create(sdk->modules[guest], sdk->linker, options),
             "reuse pool");
    options.policy = ReusePolicy::kNewInstance;
    sdk->new_instance[guest] =
        Must(InstancePool::Create(sdk->modules[guest], sdk->linker, options),
             "new-instance pool");
  }
}

void SetUpRaw() {
  v8::Isolate* isolate = CurrentIsolate();
  raw = new RawState;
  raw->isolate = isolate;
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::TryCatch try_catch(isolate);
  raw->instance_constructor.Reset(isolate, InstanceConstructor(context));
  for (int guest = 0; guest < kGuests; ++guest) {
    raw->modules[guest].Reset(
        isolate, RawCompile(isolate, GuestBytes(guest)).ToLocalChecked());
  }
}

void TearDown() {
  delete raw;  // Global handles reset while the isolate is alive
  raw = nullptr;
  for (auto& pool : big_pools) pool.reset();
  delete sdk;  // pools before the engine's thread state goes
  sdk = nullptr;
}

// ---------------------------------------------------------------------------
// Summary.

// Prints "label  x us": counter `counter` (in microseconds) of run `name`,
// if it ran.
void PrintCounter(const RatioReporter& r, const char* label,
                  const char* counter, const char* name) {
  const RatioReporter::Result* result = r.Find(name);
  if (result == nullptr || result->counters.count(counter) == 0) return;
  std::printf("%-36s %8.1f us\n", label, result->counters.at(counter));
}

void PrintSummary(const RatioReporter& r) {
  std::printf("\nSummary (median real time) against issue 3's targets:\n");
  std::printf("1. acquire + release of a warm instance, no call\n");
  for (int policy = 0; policy < 2; ++policy) {
    for (int guest = 0; guest < kGuests; ++guest) {
      const std::string name =
          absl::StrCat("BM_AcquireRelease/policy:", policy, "/guest:", guest);
      const std::string label = absl::StrCat(
          policy == 0 ? "  kFreshState " : "  kReuse ", kGuestNames[guest]);
      PrintAbsolute(r, label.c_str(), name.c_str(), 1000);
      PrintSpeedup(r, "    vs Instance::Create", name.c_str(),
                   absl::StrCat("BM_Instantiate/guest:", guest).c_str(), 0,
                   "pool", "create");
    }
  }
  std::printf(
      "2. fresh-state lease (acquire, touch N pages, reset) vs a new "
      "instance per call\n");
  const int lease_args[][2] = {{0, 1}, {0, 16}, {1, 1}, {1, 16}, {2, 1}};
  for (const auto& [guest, pages] : lease_args) {
    const std::string suffix = absl::StrCat("/guest:", guest, "/pages:", pages);
    const bool targeted = guest == 1 && pages == 1;
    const std::string label = absl::StrCat(
        "  ", kGuestNames[guest], ", ", pages, " page", pages == 1 ? "" : "s");
    const std::string fresh = "BM_FreshLease" + suffix;
    PrintAbsolute(r, label.c_str(), fresh.c_str(), targeted ? 4000 : 0);
    PrintSpeedup(r, "    vs kNewInstance", fresh.c_str(),
                 ("BM_NewInstanceLease" + suffix).c_str(), targeted ? 5 : 0,
                 "fresh", "new");
    PrintSpeedup(r, "    vs raw V8 instantiate + call", fresh.c_str(),
                 ("BM_RawV8InstantiateCall" + suffix).c_str(), 0, "fresh",
                 "raw");
    const std::string reuse = "BM_ReuseLease" + suffix;
    if (const RatioReporter::Result* reused = r.Find(reuse)) {
      if (const RatioReporter::Result* f = r.Find(fresh)) {
        std::printf("%-36s %8.2f us (fresh - kReuse lease of %.2f us)\n",
                    "    reset share",
                    (f->real_nanos() - reused->real_nanos()) / 1e3,
                    reused->real_nanos() / 1e3);
      }
    }
  }
  std::printf("3. Invoke(\"add\") per second, 2 threads vs 1 (64 KiB guest)\n");
  PrintRateRatio(r, "  kFreshState", "items_per_second",
                 "BM_Invoke/policy:0/real_time/threads:2",
                 "BM_Invoke/policy:0/real_time/threads:1", 1.7);
  PrintRateRatio(r, "  kReuse", "items_per_second",
                 "BM_Invoke/policy:1/real_time/threads:2",
                 "BM_Invoke/policy:1/real_time/threads:1", 1.7);
  PrintRateRatio(r, "  no pool, an instance per thread", "items_per_second",
                 "BM_InstanceCall/real_time/threads:2",
                 "BM_InstanceCall/real_time/threads:1", 0);
  PrintRateRatio(r, "  raw V8, an instance per thread", "items_per_second",
                 "BM_RawV8CallPerThread/real_time/threads:2",
                 "BM_RawV8CallPerThread/real_time/threads:1", 0);
  std::printf(
      "3b. fresh-state leases of the 64 MiB initialised guest per second, "
      "2 threads vs 1\n");
  PrintRateRatio(r, "  keep resident (mode 0)", "items_per_second",
                 "BM_BigFreshLease/mode:0/real_time/threads:2",
                 "BM_BigFreshLease/mode:0/real_time/threads:1", 1.7);
  PrintRateRatio(r, "  drop (mode 1)", "items_per_second",
                 "BM_BigFreshLease/mode:1/real_time/threads:2",
                 "BM_BigFreshLease/mode:1/real_time/threads:1", 0);
  for (int mode = 0; mode < 2; ++mode) {
    const RatioReporter::Result* one = r.Find(
        absl::StrCat("BM_BigFreshLease/mode:", mode, "/real_time/threads:1"));
    const RatioReporter::Result* two = r.Find(
        absl::StrCat("BM_BigFreshLease/mode:", mode, "/real_time/threads:2"));
    if (one == nullptr || two == nullptr || !one->counters.count("cpu_us") ||
        !two->counters.count("cpu_us")) {
      continue;
    }
    std::printf(
        "%-36s %8.1f us vs %8.1f us (2 threads vs 1)\n",
        mode == 0 ? "    CPU per lease, mode 0" : "    CPU per lease, mode 1",
        two->counters.at("cpu_us"), one->counters.at("cpu_us"));
  }
  std::printf("3c. acquire after a lease of the 64 MiB guest\n");
  PrintCounter(r, "  that grew memory (a replacement)", "acquire_p50_us",
               "BM_GrowingLease/mode:0/real_time");
  PrintCounter(r, "  that did not (warm)", "acquire_p50_us",
               "BM_GrowingLease/mode:1/real_time");
  std::printf("3d. hot reload, 64 KiB guest\n");
  PrintAbsolute(r, "  Reload", "BM_Reload/real_time", 0);
  PrintCounter(r, "  acquire p99, no reloads", "acquire_p99_us",
               "BM_AcquireDuringReloads/mode:0/real_time");
  PrintCounter(r, "  acquire p99, reload every 10 ms", "acquire_p99_us",
               "BM_AcquireDuringReloads/mode:1/real_time");
  PrintCounter(r, "  acquire p99.9, no reloads", "acquire_p999_us",
               "BM_AcquireDuringReloads/mode:0/real_time");
  PrintCounter(r, "  acquire p99.9, reload every 10 ms", "acquire_p999_us",
               "BM_AcquireDuringReloads/mode:1/real_time");
  PrintCounter(r, "  acquire max, no reloads", "acquire_max_us",
               "BM_AcquireDuringReloads/mode:0/real_time");
  PrintCounter(r, "  acquire max, reload every 10 ms", "acquire_max_us",
               "BM_AcquireDuringReloads/mode:1/real_time");
  std::printf("4. code cache, %zu-byte module, fresh process each\n",
              big_code_wasm().size());
  PrintSpeedup(r, "  load vs compile (cold cache)",
               "BM_CodeCache/mode:1/iterations:1/manual_time",
               "BM_CodeCache/mode:0/iterations:1/manual_time", 5, "load",
               "compile");
  PrintSpeedup(r, "  load vs compile (no cache, TurboFan)",
               "BM_CodeCache/mode:1/iterations:1/manual_time",
               "BM_CodeCache/mode:3/iterations:1/manual_time", 5, "load",
               "compile");
  PrintSpeedup(r, "  load vs compile (no cache, Liftoff)",
               "BM_CodeCache/mode:1/iterations:1/manual_time",
               "BM_CodeCache/mode:2/iterations:1/manual_time", 5, "load",
               "compile");
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  program_name = "pool_benchmark";
  if (argc == 2 &&
      std::strncmp(argv[1], kChildFlag, std::strlen(kChildFlag)) == 0) {
    return ChildMain(argv[1] + std::strlen(kChildFlag));
  }
  if (!InitBenchmark("pool_benchmark", argc, argv)) return 1;

  SetUpSdk();
  SetUpRaw();
  RunBenchmarks(argc, argv, PrintSummary);
  TearDown();
  return 0;
}
