// A component call against the same work as a core call with pointers, in
// one run: guests/components/score.c's `score(name: string, xs: list<f64>)
// -> result<f64, string>` through a typed component call (and through
// component::Vals), and its `score-core`, the same computation over
// buffers the host fills, called as a core TypedFunc on the component's
// own core instance after a memcpy and the UTF-8 check the host would
// make anyway.
//
//   fixed overhead     a call with an 8-byte name and 4 doubles, component
//                      over core (target <= 1.5x)
//   string lowering    the extra time of a 1 KiB name over an 8-byte one,
//                      component over core (each side's per-byte cost),
//                      and the component's over a bare memcpy + UTF-8
//                      check of 1 KiB (target <= 1.5x)
//   list lowering      the same for 128 doubles against 4

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "guests/components/typed_components.h"
#include "lib/wasm/binary_reader.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
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
    if (!typed->direct()) MustOk(absl::InternalError("not direct"), "score");
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

// (name bytes, doubles): the fixed-cost call, a 1 KiB name, 128 doubles.
void Shapes(benchmark::internal::Benchmark* b) {
  b->Args({8, 4})->Args({1024, 4})->Args({8, 128});
}
BENCHMARK(BM_ComponentTyped)->Apply(Shapes);
BENCHMARK(BM_ComponentVals)->Apply(Shapes);
BENCHMARK(BM_CoreTyped)->Apply(Shapes);
BENCHMARK(BM_MemcpyAndValidate)->Arg(1024);

// The median real time of `name` in nanoseconds, or -1 if it did not run.
double Nanos(const RatioReporter& r, const char* name) {
  const RatioReporter::Result* result = r.Find(name);
  return result == nullptr ? -1 : result->real_nanos();
}

// "label  a x ns / b y ns = r (target <= t) ok".
void PrintNanosRatio(const char* label, double a, double b, double target,
                     const char* a_label, const char* b_label) {
  const double ratio = a / b;
  std::printf("%-27s %s %8.1f ns / %s %8.1f ns = %.2fx", label, a_label, a,
              b_label, b, ratio);
  if (target > 0) {
    std::printf(" (target <= %.1fx) %s", target,
                ratio <= target ? "ok" : "MISSED");
  }
  std::printf("\n");
}

void Summary(const RatioReporter& r) {
  PrintRatio(r, "fixed overhead (8 B, 4 f64)", "BM_ComponentTyped/8/4",
             "BM_CoreTyped/8/4", 1.5, 1, "component", "core");
  PrintRatio(r, "dynamic Vals (8 B, 4 f64)", "BM_ComponentVals/8/4",
             "BM_CoreTyped/8/4", 0, 1, "Vals", "core");
  const double c8 = Nanos(r, "BM_ComponentTyped/8/4");
  const double c1k = Nanos(r, "BM_ComponentTyped/1024/4");
  const double c128 = Nanos(r, "BM_ComponentTyped/8/128");
  const double k8 = Nanos(r, "BM_CoreTyped/8/4");
  const double k1k = Nanos(r, "BM_CoreTyped/1024/4");
  const double k128 = Nanos(r, "BM_CoreTyped/8/128");
  const double copy = Nanos(r, "BM_MemcpyAndValidate/1024");
  if (c8 < 0 || c1k < 0 || c128 < 0 || k8 < 0 || k1k < 0 || k128 < 0 ||
      copy < 0) {
    std::printf("per-byte costs: (not run)\n");
    return;
  }
  // Each side's extra time for 1016 more name bytes (both include the
  // guest's own pass over them).
  PrintNanosRatio("1 KiB name: extra time", c1k - c8, k1k - k8, 0, "component",
                  "core");
  // Lowering alone: the component's extra time less the guest's pass (the
  // core side's extra time less its memcpy and check).
  PrintNanosRatio("lower 1 KiB string", (c1k - c8) - (k1k - k8 - copy), copy,
                  1.5, "component", "memcpy+utf8");
  PrintNanosRatio("124 more f64: extra time", c128 - c8, k128 - k8, 0,
                  "component", "core");
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  if (!wasmhost::bench::InitBenchmark(argv[0], argc, argv)) return 1;
  wasmhost::bench::RunBenchmarks(argc, argv, wasmhost::bench::Summary);
  return 0;
}
