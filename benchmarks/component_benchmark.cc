// A component call against the same work as a core call with pointers, in
// one run: guests/components/score.c's `score(name: string, xs: list<f64>)
// -> result<f64, string>` through a typed component call (and through
// component::Vals), and its `score-core`, the same computation over
// buffers the host fills, called as a core TypedFunc on the component's
// own core instance after a memcpy and the UTF-8 check the host would
// make anyway.
//
//   fixed overhead     a call with an 8-byte name and 4 doubles, component
//                      over core (target <= 1.5x); and scalars' `add(s32,
//                      s32) -> s32` against a core TypedFunc of the same
//                      core export (no realloc, no post-return)
//   string lowering    the extra time of a 1 KiB name over an 8-byte one,
//                      component over core (each side's per-byte cost),
//                      and the component's over a bare memcpy + UTF-8
//                      check of 1 KiB (target <= 1.5x)
//   list lowering      the same for 128 doubles against 4
//   per request        a fresh-state pooled instance (acquire, the typed
//                      call, release: the reset) against a new
//                      component::Instance per request

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "guests/components/components.h"
#include "guests/components/typed_components.h"
#include "lib/wasm/binary_reader.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_pool.h"
#include "wasmhost/component_typed.h"
#include "wasmhost/engine.h"
#include "wasmhost/internal/component_call.h"

namespace wasmhost::bench {
namespace {

using component::Result;
using ScoreFunc = component::TypedFunc<Result<double, std::string>(
    std::string_view, absl::Span<const double>)>;
using CoreScore =
    wasmhost::TypedFunc<double(int32_t, int32_t, int32_t, int32_t)>;

// UTF-8 text of `bytes` bytes: mostly ASCII with two- and three-byte
// characters, as in canonical_abi_benchmark.
std::string Text(size_t bytes) {
  std::string s;
  while (s.size() < bytes + 16) s += "caf\u00e9 \u20ac10, ";
  s.resize(bytes);
  // A character cut at the end: replace its bytes.
  while (!wasm::IsValidUtf8(s)) s.pop_back();
  s.resize(bytes, 'x');
  return s;
}

std::vector<double> Doubles(size_t n) {
  std::vector<double> xs;
  for (size_t i = 0; i < n; ++i) xs.push_back(0.5 * static_cast<double>(i));
  return xs;
}

// One instance of the score component for the whole run (benchmarks run on
// the main thread, its isolate's thread).
struct Score {
  Score() {
    engine.emplace(Must(Engine::Create(), "Engine::Create"));
    component =
        Must(component::Component::Compile(*engine, guests::score_wasm()),
             "Compile");
    instance =
        Must(component::Instance::Create(*component, component::Linker()),
             "Instance::Create");
    typed.emplace(
        Must(instance->GetFunc<Result<double, std::string>(
                 std::string_view, absl::Span<const double>)>("score"),
             "GetFunc<score>"));
    if (!typed->driven()) MustOk(absl::InternalError("not driven"), "score");
    dynamic.emplace(Must(instance->GetFunc("score"), "GetFunc"));
    const component::internal::ExportState& e =
        component::internal::FuncExport(*dynamic);
    const wasmhost::Instance& core = component::internal::CoreInstance(e);
    core_score.emplace(Must(
        core.GetFunc<double(int32_t, int32_t, int32_t, int32_t)>("score-core"),
        "GetFunc<score-core>"));
    // The baseline's buffers, allocated once by the guest's allocator.
    auto realloc =
        Must(core.GetFunc<int32_t(int32_t, int32_t, int32_t, int32_t)>(
                 "cabi_realloc"),
             "GetFunc<cabi_realloc>");
    name_at = Must(realloc.Call(0, 0, 1, 64 * 1024), "cabi_realloc");
    xs_at = Must(realloc.Call(0, 0, 8, 64 * 1024), "cabi_realloc");
    export_state = &e;
  }

  std::optional<Engine> engine;
  std::optional<component::Component> component;
  std::optional<component::Instance> instance;
  std::optional<ScoreFunc> typed;
  std::optional<component::Func> dynamic;
  std::optional<CoreScore> core_score;
  const component::internal::ExportState* export_state = nullptr;
  int32_t name_at = 0;
  int32_t xs_at = 0;
};

Score& TheScore() {
  static Score* const score = new Score();
  return *score;
}

// The scalars component, whose `add` is one core call each way.
struct Scalars {
  Scalars() {
    component::Linker linker;
    MustOk(linker.Define("host-log", [](uint32_t, int64_t) {}),
           "Define host-log");
    component = Must(component::Component::Compile(*TheScore().engine,
                                                   guests::scalars_wasm()),
                     "Compile scalars");
    instance =
        Must(component::Instance::Create(*component, linker), "Create scalars");
    typed.emplace(Must(instance->GetFunc<int32_t(int32_t, int32_t)>(
                           "demo:scalars/math", "add"),
                       "GetFunc<add>"));
    if (!typed->direct()) MustOk(absl::InternalError("not direct"), "add");
    const component::internal::ExportState& e =
        component::internal::FuncExport(typed->func());
    core_add.emplace(Must(
        component::internal::CoreInstance(e).GetFunc<int32_t(int32_t, int32_t)>(
            component::internal::CoreExportName(e)),
        "GetFunc<core add>"));
  }

  std::optional<component::Component> component;
  std::optional<component::Instance> instance;
  std::optional<component::TypedFunc<int32_t(int32_t, int32_t)>> typed;
  std::optional<wasmhost::TypedFunc<int32_t(int32_t, int32_t)>> core_add;
};

Scalars& TheScalars() {
  static Scalars* const scalars = new Scalars();
  return *scalars;
}

void BM_ComponentScalar(benchmark::State& state) {
  Scalars& s = TheScalars();
  int32_t x = 0;
  for (auto _ : state) {
    auto r = s.typed->Call(x, 1);
    if (!r.ok()) state.SkipWithError("add failed");
    x = *r;
  }
  benchmark::DoNotOptimize(x);
}

void BM_CoreScalar(benchmark::State& state) {
  Scalars& s = TheScalars();
  int32_t x = 0;
  for (auto _ : state) {
    auto r = s.core_add->Call(x, 1);
    if (!r.ok()) state.SkipWithError("add failed");
    x = *r;
  }
  benchmark::DoNotOptimize(x);
}

void BM_ComponentTyped(benchmark::State& state) {
  Score& s = TheScore();
  const std::string name = Text(state.range(0));
  const std::vector<double> xs = Doubles(state.range(1));
  for (auto _ : state) {
    auto r = s.typed->Call(name, xs);
    if (!r.ok() || !r->ok()) state.SkipWithError("score failed");
    benchmark::DoNotOptimize(r);
  }
}

void BM_ComponentVals(benchmark::State& state) {
  Score& s = TheScore();
  std::vector<component::Val> doubles;
  for (double x : Doubles(state.range(1))) {
    doubles.push_back(component::Val::F64(x));
  }
  const std::vector<component::Val> args = {
      component::Val::String(Text(state.range(0))),
      component::Val::List(std::move(doubles))};
  for (auto _ : state) {
    auto r = s.dynamic->Call(args);
    if (!r.ok()) state.SkipWithError("score failed");
    benchmark::DoNotOptimize(r);
  }
}

// The same work as a core call with pointers: validate and copy the name,
// copy the doubles, call.
void BM_CoreTyped(benchmark::State& state) {
  Score& s = TheScore();
  const std::string name = Text(state.range(0));
  const std::vector<double> xs = Doubles(state.range(1));
  for (auto _ : state) {
    if (!wasm::IsValidUtf8(name)) state.SkipWithError("invalid");
    uint8_t* memory = component::internal::MemoryBytes(*s.export_state).data();
    std::memcpy(memory + s.name_at, name.data(), name.size());
    std::memcpy(memory + s.xs_at, xs.data(), xs.size() * sizeof(double));
    auto r = s.core_score->Call(s.name_at, static_cast<int32_t>(name.size()),
                                s.xs_at, static_cast<int32_t>(xs.size()));
    if (!r.ok()) state.SkipWithError("score-core failed");
    benchmark::DoNotOptimize(r);
  }
}

// Only the host's unavoidable work on the name: the UTF-8 check and a
// memcpy into guest memory.
void BM_MemcpyAndValidate(benchmark::State& state) {
  Score& s = TheScore();
  const std::string name = Text(state.range(0));
  for (auto _ : state) {
    if (!wasm::IsValidUtf8(name)) state.SkipWithError("invalid");
    uint8_t* memory = component::internal::MemoryBytes(*s.export_state).data();
    std::memcpy(memory + s.name_at, name.data(), name.size());
    benchmark::ClobberMemory();
  }
}

// A request on a fresh instance: a lease of a kFreshState pool (the call,
// then the reset on release) against instantiating the component anew.
void BM_ComponentPooledRequest(benchmark::State& state) {
  Score& s = TheScore();
  component::PoolOptions options;
  // The first call grows the guest's heap, which a reset cannot undo:
  // made once, before the image is taken.
  options.initialize_instance = [](component::Instance& instance) {
    auto score = instance.GetFunc<Result<double, std::string>(
        std::string_view, absl::Span<const double>)>("score");
    if (!score.ok()) return score.status();
    const std::vector<double> xs = Doubles(4);
    return score->Call("warm-up", xs).status();
  };
  options.SetHandles<ScoreFunc>([](component::Instance& instance) {
    return instance.GetFunc<Result<double, std::string>(
        std::string_view, absl::Span<const double>)>("score");
  });
  std::unique_ptr<component::InstancePool> pool =
      Must(component::InstancePool::Create(*s.component, component::Linker(),
                                           options),
           "InstancePool::Create");
  const std::string name = Text(8);
  const std::vector<double> xs = Doubles(4);
  for (auto _ : state) {
    auto lease = pool->Acquire();
    if (!lease.ok()) state.SkipWithError("Acquire failed");
    auto r = lease->handles<ScoreFunc>()->Call(name, xs);
    if (!r.ok() || !r->ok()) state.SkipWithError("score failed");
    benchmark::DoNotOptimize(r);
  }
  const PoolStats stats = pool->stats();
  state.counters["resets"] = static_cast<double>(stats.resets);
  state.counters["discards"] = static_cast<double>(stats.discards);
}

void BM_ComponentNewInstancePerRequest(benchmark::State& state) {
  Score& s = TheScore();
  const std::string name = Text(8);
  const std::vector<double> xs = Doubles(4);
  for (auto _ : state) {
    auto instance =
        component::Instance::Create(*s.component, component::Linker());
    if (!instance.ok()) state.SkipWithError("Create failed");
    auto score = instance->GetFunc<Result<double, std::string>(
        std::string_view, absl::Span<const double>)>("score");
    if (!score.ok()) state.SkipWithError("GetFunc failed");
    auto r = score->Call(name, xs);
    if (!r.ok() || !r->ok()) state.SkipWithError("score failed");
    benchmark::DoNotOptimize(r);
  }
}

// (name bytes, doubles): the fixed-cost call, a 1 KiB name, 128 doubles.
void Shapes(benchmark::internal::Benchmark* b) {
  b->Args({8, 4})->Args({1024, 4})->Args({8, 128});
}
BENCHMARK(BM_ComponentScalar);
BENCHMARK(BM_CoreScalar);
BENCHMARK(BM_ComponentTyped)->Apply(Shapes);
BENCHMARK(BM_ComponentVals)->Apply(Shapes);
BENCHMARK(BM_CoreTyped)->Apply(Shapes);
BENCHMARK(BM_MemcpyAndValidate)->Arg(1024);
BENCHMARK(BM_ComponentPooledRequest);
BENCHMARK(BM_ComponentNewInstancePerRequest);

// The median real (or CPU) time of `name` in nanoseconds, -1 if it did
// not run. On a loaded machine real time carries others' work; both are
// printed.
double Nanos(const RatioReporter& r, const char* name, bool cpu) {
  const RatioReporter::Result* result = r.Find(name);
  if (result == nullptr) return -1;
  return cpu ? result->cpu_time * result->NanosPerUnit() : result->real_nanos();
}

// "label  a x ns / b y ns = r (target <= t) ok [cpu r']" of the times
// `a` and `b` compute from the medians (real, then CPU).
void PrintComputed(const RatioReporter& r, const char* label,
                   double (*a)(const RatioReporter&, bool),
                   double (*b)(const RatioReporter&, bool), double target,
                   const char* a_label, const char* b_label) {
  const double ar = a(r, false), br = b(r, false);
  const double ac = a(r, true), bc = b(r, true);
  if (std::isnan(ar) || std::isnan(br)) {
    std::printf("%-27s (not run)\n", label);
    return;
  }
  const double ratio = ar / br;
  std::printf("%-27s %s %8.1f ns / %s %8.1f ns = %.2fx", label, a_label, ar,
              b_label, br, ratio);
  if (target > 0) {
    std::printf(" (target <= %.1fx) %s", target,
                ratio <= target ? "ok" : "MISSED");
  }
  std::printf(" [cpu %.2fx]\n", ac / bc);
}

// NaN unless every named benchmark ran.
double Delta(const RatioReporter& r, bool cpu, const char* with,
             const char* without) {
  const double a = Nanos(r, with, cpu), b = Nanos(r, without, cpu);
  return a < 0 || b < 0 ? std::nan("") : a - b;
}

// Each side's extra time for 1016 more name bytes (both include the
// guest's own pass over them) and for 124 more doubles.
double ComponentName(const RatioReporter& r, bool cpu) {
  return Delta(r, cpu, "BM_ComponentTyped/1024/4", "BM_ComponentTyped/8/4");
}
double CoreName(const RatioReporter& r, bool cpu) {
  return Delta(r, cpu, "BM_CoreTyped/1024/4", "BM_CoreTyped/8/4");
}
double ComponentList(const RatioReporter& r, bool cpu) {
  return Delta(r, cpu, "BM_ComponentTyped/8/128", "BM_ComponentTyped/8/4");
}
double CoreList(const RatioReporter& r, bool cpu) {
  return Delta(r, cpu, "BM_CoreTyped/8/128", "BM_CoreTyped/8/4");
}
double Copy(const RatioReporter& r, bool cpu) {
  const double c = Nanos(r, "BM_MemcpyAndValidate/1024", cpu);
  return c < 0 ? std::nan("") : c;
}
// Lowering alone: the component's extra time less the guest's pass (the
// core side's extra time less its memcpy and check).
double LowerName(const RatioReporter& r, bool cpu) {
  return ComponentName(r, cpu) - (CoreName(r, cpu) - Copy(r, cpu));
}

void Summary(const RatioReporter& r) {
  PrintRatio(r, "fixed overhead, s32 add", "BM_ComponentScalar",
             "BM_CoreScalar", 1.5, 1, "component", "core");
  PrintRatio(r, "fixed overhead (8 B, 4 f64)", "BM_ComponentTyped/8/4",
             "BM_CoreTyped/8/4", 1.5, 1, "component", "core");
  PrintRatio(r, "dynamic Vals (8 B, 4 f64)", "BM_ComponentVals/8/4",
             "BM_CoreTyped/8/4", 0, 1, "Vals", "core");
  PrintComputed(r, "1 KiB name: extra time", ComponentName, CoreName, 0,
                "component", "core");
  PrintComputed(r, "lower 1 KiB string", LowerName, Copy, 1.5, "component",
                "memcpy+utf8");
  PrintComputed(r, "124 more f64: extra time", ComponentList, CoreList, 0,
                "component", "core");
  PrintSpeedup(r, "request on a fresh instance", "BM_ComponentPooledRequest",
               "BM_ComponentNewInstancePerRequest", 0, "pool", "new instance");
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  if (!wasmhost::bench::InitBenchmark(argv[0], argc, argv)) return 1;
  wasmhost::bench::RunBenchmarks(argc, argv, wasmhost::bench::Summary);
  return 0;
}
