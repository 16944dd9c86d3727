// wasi_benchmark: real wasi-libc guests (//guests, C compiled by clang-19)
// run through WASI preview 1 (include/wasmhost/wasi.h).
//
// 1. A "hello, world" command (guests/hello_pool.c) run once per request,
//    its stdout captured per request:
//   BM_Hello/mode:0   kFreshState InstancePool: acquire a lease, run _start,
//                     release (memory, globals and the WasiContext are
//                     reset)
//   BM_Hello/mode:1   kNewInstance InstancePool: the same through a pool
//                     that instantiates per lease
//   BM_Hello/mode:2   baseline: WasiContext::Create + Instance::Create +
//                     _start per request, what an embedder without a pool
//                     writes
//   BM_Hello/mode:3   as 0, but the command ends with exit(0) (proc_exit)
//                     instead of returning from main: the pool resets and
//                     keeps the instance (PoolOptions::is_normal_exit)
//   BM_Hello/mode:4   the same program as a WASI 0.2 command component
//                     (jco's preview-1 command adapter): WasiContext::Create
//                     + component::Instance::Create + wasi:cli/run per
//                     request, as mode 2
//   BM_Hello/mode:5   the command component from a kFreshState
//                     component::InstancePool (wasi::ConfigurePool for
//                     components): acquire, wasi:cli/run, release (core
//                     instances, handle tables and the WasiContext reset)
//
// 2. A WASI 0.2 reactor component (guests/components/wasi_reactor.c through
//    the preview-1 reactor adapter) called once per request, its stdout
//    captured per request:
//   BM_ComponentCall/mode:0  kFreshState component pool, the guest warmed
//                     by one call in initialize_instance (its adapter's
//                     stdout stream is in the image, put back after every
//                     reset): acquire, shout("hello, world"), release
//   BM_ComponentCall/mode:1  baseline: WasiContext::Create +
//                     component::Instance::Create + the call per request
//
//    WASI state and the pool: wasi::ConfigurePool gives each pooled
//    instance a WasiContext of its own and, with kFreshState, resets it on
//    every release (WasiContext::Reset) along with memory and globals. Each
//    request sets its lease's stdout to its own buffer
//    (WasiContext::SetStdout), as a server would; the unpooled baseline
//    makes its context with that buffer as stdout.
//
// 3. fd_write throughput to a host sink (guests/spew.c writes 16 MiB to
//    stdout in write() calls of <chunk> bytes; the sink is a callback that
//    copies them into a 16 MiB host buffer):
//   BM_FdWrite/chunk:N   bytes_per_second
//   BM_HostMemcpy/chunk:N   baseline: the same bytes copied by the host in
//                        chunks of N into such a buffer, no guest (so the
//                        gap is the cost of fd_write and the guest's
//                        write() per chunk)
//
// After the run a summary prints pooled and unpooled figures side by side,
// how often the component pools reset and replaced instances, and the
// throughputs in MB/s.
// Defaults (overridable): 5 repetitions, medians only, random interleaving.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "guests/command_components.h"
#include "guests/components/components.h"
#include "guests/guests.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_pool.h"
#include "wasmhost/component_typed.h"
#include "wasmhost/engine.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"
#include "wasmhost/pool.h"
#include "wasmhost/wasi.h"
#include "wasmhost/wasi_component.h"

namespace wasmhost::bench {
namespace {

constexpr char kHelloOutput[] = "hello, world\n";
constexpr int64_t kSpewBytes = 16 << 20;

struct Sdk {
  Engine engine;
  Linker linker;
  Module hello;
  Module spew;
  std::unique_ptr<InstancePool> fresh_pool;
  std::unique_ptr<InstancePool> new_instance_pool;
  std::unique_ptr<InstancePool> exit_pool;  // hello_pool exit
  std::optional<component::Linker> component_linker;
  std::optional<component::Component> hello_component;
  std::unique_ptr<component::InstancePool> component_pool;  // hello_pool
  std::optional<component::Component> reactor_component;
  std::unique_ptr<component::InstancePool> reactor_pool;
};
Sdk* sdk = nullptr;

// hello_pool's WASI grants; stdout is set per request. With `exit` it ends
// with exit(0).
wasi::WasiOptions HelloOptions(bool exit = false) {
  wasi::WasiOptions options;
  options.args = {"hello_pool"};
  if (exit) options.args.push_back("exit");
  return options;
}

std::unique_ptr<InstancePool> MakePool(ReusePolicy policy, bool exit = false) {
  PoolOptions options;
  options.policy = policy;
  // A context per instance (contexts are thread-affine, like instances),
  // reset on every fresh-state release.
  MustOk(wasi::ConfigurePool(options, HelloOptions(exit)),
         "wasi::ConfigurePool");
  return Must(InstancePool::Create(sdk->hello, sdk->linker, options),
              "InstancePool::Create");
}

// What shout("hello, world") prints.
constexpr char kShoutOutput[] = "hello, world! \n";

absl::Status Shout(component::Instance& instance) {
  absl::StatusOr<component::TypedFunc<uint32_t(std::string_view)>> shout =
      instance.GetFunc<uint32_t(std::string_view)>("shout");
  if (!shout.ok()) return shout.status();
  return shout->Call("hello, world").status();
}

void SetUpComponentPools() {
  component::PoolOptions options;
  MustOk(wasi::ConfigurePool(options, HelloOptions()),
         "wasi::ConfigurePool (component)");
  sdk->component_pool =
      Must(component::InstancePool::Create(*sdk->hello_component,
                                           *sdk->component_linker, options),
           "component::InstancePool::Create (hello_pool)");
  sdk->reactor_component.emplace(Must(
      component::Component::Compile(sdk->engine, guests::wasi_reactor_wasm()),
      "Compile wasi_reactor"));
  component::PoolOptions reactor_options;
  // The first call sets the adapter up (its state, its stdout stream):
  // made once, kept in the image.
  reactor_options.initialize_instance = Shout;
  MustOk(wasi::ConfigurePool(reactor_options, {}),
         "wasi::ConfigurePool (reactor)");
  sdk->reactor_pool = Must(
      component::InstancePool::Create(*sdk->reactor_component,
                                      *sdk->component_linker, reactor_options),
      "component::InstancePool::Create (wasi_reactor)");
}

void SetUp() {
  Engine engine = Must(Engine::Create(), "Engine::Create");
  Linker linker;
  MustOk(wasi::AddToLinker(linker), "wasi::AddToLinker");
  Module hello =
      Must(engine.Compile(guests::hello_pool_wasm()), "Compile hello_pool");
  Module spew = Must(engine.Compile(guests::spew_wasm()), "Compile spew");
  sdk = new Sdk{
      std::move(engine), std::move(linker), std::move(hello), std::move(spew),
      nullptr,           nullptr,           nullptr};
  sdk->fresh_pool = MakePool(ReusePolicy::kFreshState);
  sdk->new_instance_pool = MakePool(ReusePolicy::kNewInstance);
  sdk->exit_pool = MakePool(ReusePolicy::kFreshState, /*exit=*/true);
  sdk->component_linker.emplace();
  MustOk(wasi::AddToComponentLinker(*sdk->component_linker),
         "wasi::AddToComponentLinker");
  sdk->hello_component.emplace(
      Must(component::Component::Compile(sdk->engine,
                                         guests::components::hello_pool_wasm()),
           "Compile the hello_pool component"));
  SetUpComponentPools();
}

void TearDown() {
  sdk->component_pool.reset();
  sdk->reactor_pool.reset();
  sdk->reactor_component.reset();
  sdk->fresh_pool.reset();
  sdk->new_instance_pool.reset();
  sdk->exit_pool.reset();
  sdk->hello_component.reset();
  delete sdk;
  sdk = nullptr;
}

// A lease from `pool` (an InstancePool or a component::InstancePool) whose
// guest writes its stdout into `out`, as a server sets it per request.
template <typename Pool>
auto AcquireWritingTo(Pool& pool, std::string* out)
    -> decltype(pool.Acquire()) {
  auto lease = pool.Acquire();
  if (lease.ok()) {
    lease->instance().template context<wasi::WasiContext>()->SetStdout(
        wasi::OutputSink::ToString(out));
  }
  return lease;
}

bool CheckOutput(benchmark::State& state, const absl::StatusOr<int>& code,
                 const std::string& out) {
  if (!code.ok() || *code != 0 || out != kHelloOutput) {
    state.SkipWithError(absl::StrCat("hello_pool: ",
                                     code.ok() ? absl::StrCat("exit ", *code)
                                               : code.status().ToString(),
                                     ", stdout \"", out, "\"")
                            .c_str());
    return false;
  }
  return true;
}

void BM_Hello(benchmark::State& state) {
  const int mode = static_cast<int>(state.range(0));
  std::string out;
  for (auto _ : state) {
    out.clear();
    absl::StatusOr<int> code;
    if (mode == 2 || mode == 4) {
      // No pool: a context and an instance per request.
      wasi::WasiOptions wasi_options = HelloOptions();
      wasi_options.stdout_sink = wasi::OutputSink::ToString(&out);
      absl::StatusOr<std::unique_ptr<wasi::WasiContext>> context =
          wasi::WasiContext::Create(std::move(wasi_options));
      if (!context.ok()) {
        state.SkipWithError(context.status().ToString().c_str());
        break;
      }
      InstanceOptions options;
      options.SetContext(context->get());
      if (mode == 4) {
        absl::StatusOr<component::Instance> instance =
            component::Instance::Create(*sdk->hello_component,
                                        *sdk->component_linker, options);
        if (!instance.ok()) {
          state.SkipWithError(instance.status().ToString().c_str());
          break;
        }
        code = wasi::RunComponentCommand(*instance);
      } else {
        absl::StatusOr<Instance> instance =
            Instance::Create(sdk->hello, sdk->linker, options);
        if (!instance.ok()) {
          state.SkipWithError(instance.status().ToString().c_str());
          break;
        }
        code = wasi::RunCommand(*instance);
      }
    } else if (mode == 5) {
      absl::StatusOr<component::Lease> lease =
          AcquireWritingTo(*sdk->component_pool, &out);
      if (!lease.ok()) {
        state.SkipWithError(lease.status().ToString().c_str());
        break;
      }
      code = wasi::RunComponentCommand(lease->instance());
    } else {
      InstancePool& pool = mode == 0   ? *sdk->fresh_pool
                           : mode == 1 ? *sdk->new_instance_pool
                                       : *sdk->exit_pool;
      absl::StatusOr<Lease> lease = AcquireWritingTo(pool, &out);
      if (!lease.ok()) {
        state.SkipWithError(lease.status().ToString().c_str());
        break;
      }
      code = wasi::RunCommand(lease->instance());
    }
    if (!CheckOutput(state, code, out)) break;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Hello)->ArgName("mode")->DenseRange(0, 5)->Unit(
    benchmark::kMicrosecond);

void BM_ComponentCall(benchmark::State& state) {
  const bool pooled = state.range(0) == 0;
  std::string out;
  for (auto _ : state) {
    out.clear();
    absl::Status called;
    if (pooled) {
      absl::StatusOr<component::Lease> lease =
          AcquireWritingTo(*sdk->reactor_pool, &out);
      if (!lease.ok()) {
        state.SkipWithError(lease.status().ToString().c_str());
        break;
      }
      called = Shout(lease->instance());
    } else {
      wasi::WasiOptions wasi_options;
      wasi_options.stdout_sink = wasi::OutputSink::ToString(&out);
      absl::StatusOr<std::unique_ptr<wasi::WasiContext>> context =
          wasi::WasiContext::Create(std::move(wasi_options));
      if (!context.ok()) {
        state.SkipWithError(context.status().ToString().c_str());
        break;
      }
      InstanceOptions options;
      options.SetContext(context->get());
      absl::StatusOr<component::Instance> instance =
          component::Instance::Create(*sdk->reactor_component,
                                      *sdk->component_linker, options);
      if (!instance.ok()) {
        state.SkipWithError(instance.status().ToString().c_str());
        break;
      }
      called = Shout(*instance);
    }
    if (!called.ok() || out != kShoutOutput) {
      state.SkipWithError(
          absl::StrCat("shout: ", called.ToString(), ", stdout \"", out, "\"")
              .c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ComponentCall)
    ->ArgName("mode")
    ->DenseRange(0, 1)
    ->Unit(benchmark::kMicrosecond);

void BM_FdWrite(benchmark::State& state) {
  const int64_t chunk = state.range(0);
  // Where the sink keeps the bytes, reused across iterations.
  std::vector<char> sink(kSpewBytes);
  for (auto _ : state) {
    int64_t received = 0;
    wasi::WasiOptions options;
    options.args = {"spew", absl::StrCat(kSpewBytes), absl::StrCat(chunk)};
    options.stdout_sink = wasi::OutputSink::ToCallback(
        [&received, &sink](absl::string_view bytes) {
          if (received + static_cast<int64_t>(bytes.size()) <= kSpewBytes) {
            std::memcpy(sink.data() + received, bytes.data(), bytes.size());
          }
          received += static_cast<int64_t>(bytes.size());
          return absl::OkStatus();
        });
    absl::StatusOr<std::unique_ptr<wasi::WasiContext>> context =
        wasi::WasiContext::Create(std::move(options));
    if (!context.ok()) {
      state.SkipWithError(context.status().ToString().c_str());
      break;
    }
    InstanceOptions instance_options;
    instance_options.SetContext(context->get());
    absl::StatusOr<Instance> instance =
        Instance::Create(sdk->spew, sdk->linker, instance_options);
    if (!instance.ok()) {
      state.SkipWithError(instance.status().ToString().c_str());
      break;
    }
    absl::StatusOr<int> code = wasi::RunCommand(*instance);
    if (!code.ok() || *code != 0 || received != kSpewBytes) {
      state.SkipWithError(absl::StrCat("spew: ",
                                       code.ok() ? absl::StrCat("exit ", *code)
                                                 : code.status().ToString(),
                                       ", ", received, " bytes")
                              .c_str());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * kSpewBytes);
}
BENCHMARK(BM_FdWrite)
    ->ArgName("chunk")
    ->Arg(64)
    ->Arg(4096)
    ->Arg(65536)
    ->Unit(benchmark::kMillisecond);

void BM_HostMemcpy(benchmark::State& state) {
  const size_t chunk = static_cast<size_t>(state.range(0));
  std::vector<char> source(chunk, 'x');
  std::vector<char> sink(kSpewBytes);
  for (auto _ : state) {
    for (size_t done = 0; done < static_cast<size_t>(kSpewBytes);
         done += chunk) {
      std::memcpy(sink.data() + done, source.data(), chunk);
    }
    benchmark::DoNotOptimize(sink.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kSpewBytes);
}
BENCHMARK(BM_HostMemcpy)
    ->ArgName("chunk")
    ->Arg(64)
    ->Arg(4096)
    ->Arg(65536)
    ->Unit(benchmark::kMillisecond);

void PrintThroughput(const RatioReporter& r, const std::string& label,
                     const std::string& name) {
  const RatioReporter::Result* result = r.Find(name);
  if (result == nullptr || result->counters.count("bytes_per_second") == 0) {
    std::printf("%-36s (not run)\n", label.c_str());
    return;
  }
  std::printf("%-36s %8.1f MB/s\n", label.c_str(),
              result->counters.at("bytes_per_second") / 1e6);
}

// Whether a pool reset its instances or replaced them.
void PrintPoolStats(const char* label, const PoolStats& stats) {
  std::printf(
      "%-36s leases %llu, resets %llu, replacements %llu, discards "
      "%llu\n",
      label, static_cast<unsigned long long>(stats.leases),
      static_cast<unsigned long long>(stats.resets),
      static_cast<unsigned long long>(stats.replacements),
      static_cast<unsigned long long>(stats.discards));
}

void PrintSummary(const RatioReporter& r) {
  std::printf("\nSummary (medians)\n");
  std::printf("1. hello_pool per request, stdout captured\n");
  PrintAbsolute(r, "  kFreshState pool", "BM_Hello/mode:0", 0);
  PrintAbsolute(r, "  kNewInstance pool", "BM_Hello/mode:1", 0);
  PrintAbsolute(r, "  no pool (context + instance)", "BM_Hello/mode:2", 0);
  PrintAbsolute(r, "  kFreshState pool, exit(0)", "BM_Hello/mode:3", 0);
  PrintAbsolute(r, "  WASI 0.2 component, no pool", "BM_Hello/mode:4", 0);
  PrintSpeedup(r, "  pooled vs unpooled", "BM_Hello/mode:0", "BM_Hello/mode:2",
               0, "pool", "new");
  PrintSpeedup(r, "  kFreshState vs kNewInstance", "BM_Hello/mode:0",
               "BM_Hello/mode:1", 0, "fresh", "new");
  PrintSpeedup(r, "  module vs component, both unpooled", "BM_Hello/mode:2",
               "BM_Hello/mode:4", 0, "module", "component");
  PrintAbsolute(r, "  WASI 0.2 component, kFreshState pool", "BM_Hello/mode:5",
                0);
  PrintSpeedup(r, "  pooled module vs unpooled component", "BM_Hello/mode:0",
               "BM_Hello/mode:4", 0, "pool", "component");
  PrintSpeedup(r, "  component pooled vs unpooled", "BM_Hello/mode:5",
               "BM_Hello/mode:4", 0, "pool", "new");
  PrintSpeedup(r, "  module pool vs component pool", "BM_Hello/mode:0",
               "BM_Hello/mode:5", 0, "module", "component");
  PrintPoolStats("  component pool", sdk->component_pool->stats());
  std::printf("2. wasi_reactor shout() per request, stdout captured\n");
  PrintAbsolute(r, "  kFreshState pool, warmed", "BM_ComponentCall/mode:0", 0);
  PrintAbsolute(r, "  no pool (context + instance)", "BM_ComponentCall/mode:1",
                0);
  PrintSpeedup(r, "  pooled vs unpooled", "BM_ComponentCall/mode:0",
               "BM_ComponentCall/mode:1", 0, "pool", "new");
  PrintPoolStats("  reactor pool", sdk->reactor_pool->stats());
  std::printf("3. fd_write to a host sink, 16 MiB per run\n");
  for (const char* chunk : {"64", "4096", "65536"}) {
    PrintThroughput(r, absl::StrCat("  guest write(), ", chunk, " B chunks"),
                    absl::StrCat("BM_FdWrite/chunk:", chunk));
    PrintThroughput(r, absl::StrCat("    host memcpy, ", chunk, " B chunks"),
                    absl::StrCat("BM_HostMemcpy/chunk:", chunk));
  }
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  program_name = "wasi_benchmark";
  if (!InitBenchmark("wasi_benchmark", argc, argv)) return 1;
  SetUp();
  RunBenchmarks(argc, argv, PrintSummary);
  TearDown();
  return 0;
}
