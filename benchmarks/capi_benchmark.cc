// capi_benchmark: what the C API (bindings/c) adds to a call. Its
// wasmhost_func_call of an i32 add against the C++ API's calls in the same
// binary and isolate: Func::Call (the dynamic Val path the C API wraps)
// and TypedFunc::Call (what call_benchmark holds against raw V8). The
// Python figure is bindings/python/benchmarks/call_benchmark.py's.

#include <cstdio>
#include <optional>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/fixtures.h"
#include "wasmhost.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::bench {
namespace {

// The same module instantiated once through each API, on the main thread.
struct State {
  wasmhost_engine_t* c_engine = nullptr;
  wasmhost_module_t* c_module = nullptr;
  wasmhost_linker_t* c_linker = nullptr;
  wasmhost_instance_t* c_instance = nullptr;
  wasmhost_func_t* c_add = nullptr;
  std::optional<Instance> instance;
};
State* state = nullptr;

void MustC(wasmhost_error_t* error, const char* what) {
  if (error == nullptr) return;
  std::fprintf(stderr, "%s: %s\n", what, wasmhost_error_message(error));
  std::exit(1);
}

void SetUp() {
  state = new State;
  MustC(wasmhost_engine_new(nullptr, &state->c_engine), "engine");
  absl::Span<const uint8_t> add = add_wasm();
  MustC(wasmhost_module_new(state->c_engine, add.data(), add.size(),
                            &state->c_module),
        "compile");
  state->c_linker = wasmhost_linker_new();
  MustC(wasmhost_instance_new(state->c_module, state->c_linker, nullptr,
                              &state->c_instance),
        "instantiate");
  MustC(wasmhost_instance_func(state->c_instance, "add", &state->c_add), "add");
  Engine engine = Must(Engine::Create(), "Engine::Create");
  Module module = Must(engine.Compile(add), "Compile");
  state->instance.emplace(
      Must(Instance::Create(module, Linker()), "Instance::Create"));
}

void TearDown() {
  wasmhost_func_delete(state->c_add);
  wasmhost_instance_delete(state->c_instance);
  wasmhost_linker_delete(state->c_linker);
  wasmhost_module_delete(state->c_module);
  wasmhost_engine_delete(state->c_engine);
  delete state;
}

void BM_CApiCall(benchmark::State& bench) {
  wasmhost_val_t args[2];
  args[0].kind = WASMHOST_I32;
  args[0].of.i32 = 1;
  args[1].kind = WASMHOST_I32;
  args[1].of.i32 = 2;
  wasmhost_val_t result;
  for (auto _ : bench) {
    wasmhost_error_t* error =
        wasmhost_func_call(state->c_add, nullptr, args, 2, &result, 1);
    if (error != nullptr) return bench.SkipWithError("C call failed");
    benchmark::DoNotOptimize(result.of.i32);
  }
}
BENCHMARK(BM_CApiCall);

void BM_CppFuncCall(benchmark::State& bench) {
  Func func = Must(state->instance->GetFunc("add"), "GetFunc");
  const Val args[] = {Val::I32(1), Val::I32(2)};
  for (auto _ : bench) {
    absl::StatusOr<std::vector<Val>> result = func.Call(args);
    if (!result.ok()) return bench.SkipWithError("Func::Call failed");
    benchmark::DoNotOptimize((*result)[0].i32());
  }
}
BENCHMARK(BM_CppFuncCall);

void BM_CppTypedCall(benchmark::State& bench) {
  auto func = Must(state->instance->GetFunc<int32_t(int32_t, int32_t)>("add"),
                   "GetFunc");
  for (auto _ : bench) {
    absl::StatusOr<int32_t> result = func.Call(1, 2);
    if (!result.ok()) return bench.SkipWithError("TypedFunc::Call failed");
    benchmark::DoNotOptimize(*result);
  }
}
BENCHMARK(BM_CppTypedCall);

void PrintSummary(const RatioReporter& reporter) {
  PrintRatio(reporter, "i32 add, C API / Func", "BM_CApiCall", "BM_CppFuncCall",
             1.2, 1, "C API", "Func::Call");
  PrintRatio(reporter, "i32 add, C API / typed", "BM_CApiCall",
             "BM_CppTypedCall", 0, 1, "C API", "TypedFunc");
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  if (!InitBenchmark("capi_benchmark", argc, argv)) return 1;
  SetUp();
  RunBenchmarks(argc, argv, PrintSummary);
  TearDown();
  return 0;
}
