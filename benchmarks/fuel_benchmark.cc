// Fuel metering cost (issue 4): a compute-heavy guest, a hash loop of 10^7
// iterations, called through an engine with EngineOptions::consume_fuel and
// a CallOptions::fuel budget, beside the same uninstrumented module run
// through the raw V8 API in the same process. Target: <= 1.5x.
//
//   BM_SdkMeteredHash   TypedFunc::Call with fuel on the instrumented module
//   BM_SdkUnlimitedHash the same call without a fuel limit (the checks still
//                       run; shows the cost of setting and reading fuel)
//   BM_RawV8Hash        v8::Function::Call of the uninstrumented module

#include <cstdint>
#include <cstdio>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/fixtures.h"
#include "v8.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::bench {
namespace {

constexpr int32_t kIterations = 10'000'000;

struct State {
  Instance* instance = nullptr;
  v8::Isolate* isolate = nullptr;
  v8::Global<v8::Function> raw_hash;
};
State* state = nullptr;

void SetUp() {
  EngineOptions options;
  options.consume_fuel = true;
  Engine engine = Must(Engine::Create(options), "Engine::Create");
  Module module = Must(engine.Compile(hash_loop_wasm()), "Compile");
  state = new State;
  state->instance = new Instance(
      Must(Instance::Create(module, Linker()), "Instance::Create"));

  // The raw baseline compiles the original bytes, so it runs no checks.
  state->isolate = CurrentIsolate();
  v8::HandleScope scope(state->isolate);
  v8::Local<v8::Context> context = CurrentContext(state->isolate);
  v8::Local<v8::WasmModuleObject> raw_module;
  if (!RawCompile(state->isolate, hash_loop_wasm()).ToLocal(&raw_module)) {
    std::fprintf(stderr, "fuel_benchmark: raw compile failed\n");
    std::exit(1);
  }
  v8::Local<v8::Object> raw_instance;
  if (!RawInstantiate(context, InstanceConstructor(context), raw_module,
                      v8::Object::New(state->isolate))
           .ToLocal(&raw_instance)) {
    std::fprintf(stderr, "fuel_benchmark: raw instantiate failed\n");
    std::exit(1);
  }
  state->raw_hash.Reset(state->isolate,
                        ExportFunction(context, raw_instance, "hash"));
}

void BM_SdkMeteredHash(benchmark::State& bench) {
  auto hash = Must(state->instance->GetFunc<int32_t(int32_t)>("hash"), "hash");
  CallOptions options;
  options.fuel = uint64_t{1} << 40;
  for (auto _ : bench) {
    absl::StatusOr<int32_t> h = hash.Call(options, kIterations);
    if (!h.ok()) return bench.SkipWithError(h.status().ToString().c_str());
    benchmark::DoNotOptimize(*h);
  }
  const uint64_t used =
      (uint64_t{1} << 40) - Must(state->instance->remaining_fuel(), "fuel");
  bench.counters["fuel_per_call"] = static_cast<double>(used);
}
BENCHMARK(BM_SdkMeteredHash)->Unit(benchmark::kMillisecond);

void BM_SdkUnlimitedHash(benchmark::State& bench) {
  auto hash = Must(state->instance->GetFunc<int32_t(int32_t)>("hash"), "hash");
  for (auto _ : bench) {
    absl::StatusOr<int32_t> h = hash.Call(kIterations);
    if (!h.ok()) return bench.SkipWithError(h.status().ToString().c_str());
    benchmark::DoNotOptimize(*h);
  }
}
BENCHMARK(BM_SdkUnlimitedHash)->Unit(benchmark::kMillisecond);

void BM_RawV8Hash(benchmark::State& bench) {
  v8::Isolate* isolate = state->isolate;
  for (auto _ : bench) {
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> args[] = {v8::Integer::New(isolate, kIterations)};
    v8::Local<v8::Value> result;
    if (!state->raw_hash.Get(isolate)
             ->Call(context, v8::Undefined(isolate), 1, args)
             .ToLocal(&result)) {
      return bench.SkipWithError("raw hash threw");
    }
    benchmark::DoNotOptimize(result.As<v8::Int32>()->Value());
  }
}
BENCHMARK(BM_RawV8Hash)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  if (!InitBenchmark("fuel_benchmark", argc, argv)) return 1;
  SetUp();
  RunBenchmarks(argc, argv, [](const RatioReporter& reporter) {
    PrintRatio(reporter, "hash loop, 10^7 turns, with fuel",
               "BM_SdkMeteredHash", "BM_RawV8Hash", 1.5, 1, "metered",
               "raw V8 unmetered");
    PrintRatio(reporter, "hash loop, fuel checks, no limit",
               "BM_SdkUnlimitedHash", "BM_RawV8Hash", 1.5, 1, "metered",
               "raw V8 unmetered");
  });
  return 0;
}
