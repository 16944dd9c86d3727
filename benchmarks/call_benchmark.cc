// call_benchmark: the cost of crossing between C++ and Wasm through wasmhost,
// each next to the same operation done with the raw V8 API in the same
// process and the same isolate (the one the SDK made for this thread), plus
// a native C++ call for scale.
//
//   BM_NativeAdd          a non-inlined C++ add
//   BM_SdkTypedCall       TypedFunc<int32_t(int32_t, int32_t)>::Call
//   BM_RawV8Call          v8::Function::Call of the same kind of export, with
//                         a HandleScope and a TryCatch per call
//   BM_SdkTypedCallF64    TypedFunc<double(double, double)>::Call (and F32):
//                         through the export's boundary wrapper, bit-exact
//   BM_RawV8CallF64       v8::Function::Call of the export itself, with JS
//                         Numbers (and F32), which lose NaN bits
//   BM_SdkGuestToHost     a guest loop calling a Linker::Define'd empty lambda
//   BM_RawV8GuestToHost   the same loop calling an empty v8::FunctionCallback
//   BM_SdkGuestToHostFloat   the loop calling an empty (double, float) lambda
//                            through the import adapter, bit-exact
//   BM_RawV8GuestToHostFloat the same loop calling an empty callback directly
//   BM_SdkCompile         Engine::Compile of a small one-page module
//   BM_RawV8Compile       v8::WasmModuleObject::Compile of the same bytes
//   BM_SdkInstantiate     Instance::Create (and its destruction)
//   BM_RawV8Instantiate   `new WebAssembly.Instance(module, imports)`
//   BM_SdkInstantiateFloatImport   Instance::Create of the float host loop:
//                                  the adapter module is instantiated too
//   BM_RawV8InstantiateFloatImport the same module, callback imported directly
//   BM_SdkInstantiateIntImport     the same for the i32 host loop (no adapter)
//   BM_RawV8InstantiateIntImport
//   BM_SdkBulkLoop        a guest loop of 64-byte memory.fill and memory.copy,
//                         each through the chunked helper the SDK adds
//   BM_RawV8BulkLoop      the same loop, instructions as written
//
// The compile benchmarks patch a custom section with a counter so every
// iteration compiles bytes V8 has not seen: V8 caches native modules by
// their wire bytes, and a cache hit is not a compile. The *SameBytes
// variants show the cached case.
//
// After the run a summary prints SDK / raw ratios against the targets.
// Defaults (overridable): 5 repetitions, medians only, random interleaving.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/fixtures.h"
#include "v8.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::bench {
namespace {

// Host calls per iteration of the guest->host benchmarks.
constexpr int kHostCalls = 1000;
// Loop iterations (one memory.fill and one memory.copy each) per iteration
// of the bulk benchmarks.
constexpr int kBulkLoops = 1000;

// ---------------------------------------------------------------------------
// Shared state, made once in main after Engine::Create. Heap-allocated and
// destroyed explicitly before main returns: the thread's isolate is disposed
// by a thread_local destructor, which runs before static destructors, so
// V8 handles must not live in statics.

struct SdkState {
  Engine engine;
  Module add_module;
  Module host_loop_module;
  Module one_page_module;
  Module float_add_module;
  Module host_loop_float_module;
  Linker empty_linker;
  Linker noop_linker;
  Linker log_linker;
  Linker take_linker;
  std::unique_ptr<Instance> add_instance;
  std::unique_ptr<Instance> host_loop_instance;
  std::unique_ptr<Instance> float_add_instance;
  std::unique_ptr<Instance> host_loop_float_instance;
  std::unique_ptr<Instance> bulk_loop_instance;
};

struct RawState {
  v8::Isolate* isolate = nullptr;
  v8::Global<v8::Function> instance_constructor;  // WebAssembly.Instance
  v8::Global<v8::Function> add;                   // export "add"
  v8::Global<v8::Function> run;                   // export "run" (host loop)
  v8::Global<v8::WasmModuleObject> one_page_module;
  v8::Global<v8::Function> add_f64;  // float_add's exports
  v8::Global<v8::Function> add_f32;
  v8::Global<v8::Function> run_float;  // export "run" (float host loop)
  v8::Global<v8::WasmModuleObject> host_loop_module;
  v8::Global<v8::WasmModuleObject> host_loop_float_module;
  v8::Global<v8::Function> bulk_run;  // export "run" (bulk loop)
};

SdkState* sdk = nullptr;
RawState* raw = nullptr;

void EmptyCallback(const v8::FunctionCallbackInfo<v8::Value>&) {}

// `new WebAssembly.Instance(module, imports)`, the raw baselines' way.
v8::MaybeLocal<v8::Object> RawInstantiate(
    v8::Local<v8::Context> context, v8::Local<v8::WasmModuleObject> module,
    v8::Local<v8::Object> imports) {
  return bench::RawInstantiate(
      context, raw->instance_constructor.Get(context->GetIsolate()), module,
      imports);
}

// Copies `bytes` and appends a custom section "bench" with 8 payload bytes;
// PatchCounter rewrites them so the module bytes differ per iteration.
std::vector<uint8_t> WithCounterSection(absl::Span<const uint8_t> bytes) {
  std::vector<uint8_t> out(bytes.begin(), bytes.end());
  const uint8_t section[] = {0x00, 14, 5, 'b', 'e', 'n', 'c', 'h',
                             0,    0,  0, 0,   0,   0,   0,   0};
  out.insert(out.end(), std::begin(section), std::end(section));
  return out;
}

void PatchCounter(std::vector<uint8_t>& bytes, uint64_t counter) {
  std::memcpy(bytes.data() + bytes.size() - sizeof(counter), &counter,
              sizeof(counter));
}

// ---------------------------------------------------------------------------
// 5. Native baseline.

__attribute__((noinline)) int32_t NativeAdd(int32_t a, int32_t b) {
  return a + b;
}

void BM_NativeAdd(benchmark::State& state) {
  int32_t a = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    int32_t r = NativeAdd(a, 2);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_NativeAdd);

// ---------------------------------------------------------------------------
// 1. Host -> guest call of an i32 add.

// Typed calls of `name`, a T(T, T) export of `instance`, with (a, b).
template <typename T>
void SdkTypedCallLoop(benchmark::State& state, const Instance& instance,
                      const char* name, T a, T b) {
  absl::StatusOr<TypedFunc<T(T, T)>> func = instance.GetFunc<T(T, T)>(name);
  if (!func.ok()) return state.SkipWithError(func.status().ToString().c_str());
  for (auto _ : state) {
    absl::StatusOr<T> r = func->Call(a, b);
    if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(*r);
  }
}

// A number as the JS value a raw V8 embedder passes, and back.
v8::Local<v8::Value> ToJsNumber(v8::Isolate* isolate, int32_t value) {
  return v8::Integer::New(isolate, value);
}
v8::Local<v8::Value> ToJsNumber(v8::Isolate* isolate, double value) {
  return v8::Number::New(isolate, value);
}
template <typename T>
T FromJsNumber(v8::Local<v8::Value> value) {
  if constexpr (std::is_same_v<T, int32_t>) {
    return value.As<v8::Int32>()->Value();
  } else {
    return static_cast<T>(value.As<v8::Number>()->Value());
  }
}

// Raw v8::Function::Call of `function` with (a, b), the result read as T.
template <typename T>
void RawV8CallLoop(benchmark::State& state,
                   const v8::Global<v8::Function>& function, T a, T b) {
  v8::Isolate* isolate = raw->isolate;
  for (auto _ : state) {
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> args[] = {ToJsNumber(isolate, a),
                                   ToJsNumber(isolate, b)};
    v8::Local<v8::Value> result;
    if (!function.Get(isolate)
             ->Call(context, v8::Undefined(isolate), 2, args)
             .ToLocal(&result)) {
      return state.SkipWithError("raw call threw");
    }
    T r = FromJsNumber<T>(result);
    benchmark::DoNotOptimize(r);
  }
}

void BM_SdkTypedCall(benchmark::State& state) {
  SdkTypedCallLoop<int32_t>(state, *sdk->add_instance, "add", 1, 2);
}
BENCHMARK(BM_SdkTypedCall);

void BM_RawV8Call(benchmark::State& state) {
  RawV8CallLoop<int32_t>(state, raw->add, 1, 2);
}
BENCHMARK(BM_RawV8Call);

// The same with f64 and f32 arguments and result: the SDK calls the
// export's boundary wrapper (bits as BigInt / i32), the raw baseline the
// export itself with JS Numbers (not bit-exact).
void BM_SdkTypedCallF64(benchmark::State& state) {
  SdkTypedCallLoop<double>(state, *sdk->float_add_instance, "add_f64", 1.5,
                           2.25);
}
BENCHMARK(BM_SdkTypedCallF64);

void BM_RawV8CallF64(benchmark::State& state) {
  RawV8CallLoop<double>(state, raw->add_f64, 1.5, 2.25);
}
BENCHMARK(BM_RawV8CallF64);

void BM_SdkTypedCallF32(benchmark::State& state) {
  SdkTypedCallLoop<float>(state, *sdk->float_add_instance, "add_f32", 1.5f,
                          2.25f);
}
BENCHMARK(BM_SdkTypedCallF32);

void BM_RawV8CallF32(benchmark::State& state) {
  RawV8CallLoop<float>(state, raw->add_f32, 1.5f, 2.25f);
}
BENCHMARK(BM_RawV8CallF32);

// ---------------------------------------------------------------------------
// 2. Guest -> host call of an empty host function, kHostCalls per iteration.

// Reports `per_item` (e.g. "per_host_call"): the time of one of the
// `items` a benchmark iteration does.
void SetPerItem(benchmark::State& state, int64_t items, const char* per_item) {
  state.SetItemsProcessed(state.iterations() * items);
  state.counters[per_item] =
      benchmark::Counter(static_cast<double>(items),
                         benchmark::Counter::kIsIterationInvariantRate |
                             benchmark::Counter::kInvert);
}

// Calls export "run"(n) of `instance`, a guest loop, each iteration.
void SdkRunLoop(benchmark::State& state, const Instance& instance, int32_t n) {
  absl::StatusOr<TypedFunc<void(int32_t)>> run =
      instance.GetFunc<void(int32_t)>("run");
  if (!run.ok()) return state.SkipWithError(run.status().ToString().c_str());
  for (auto _ : state) {
    absl::Status s = run->Call(n);
    if (!s.ok()) return state.SkipWithError(s.ToString().c_str());
  }
}

// The same through the raw V8 API: `run`(n) each iteration.
void RawV8RunLoop(benchmark::State& state, const v8::Global<v8::Function>& run,
                  int32_t n) {
  v8::Isolate* isolate = raw->isolate;
  for (auto _ : state) {
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> args[] = {v8::Integer::New(isolate, n)};
    if (run.Get(isolate)
            ->Call(context, v8::Undefined(isolate), 1, args)
            .IsEmpty()) {
      return state.SkipWithError("raw run threw");
    }
  }
}

void BM_SdkGuestToHost(benchmark::State& state) {
  SdkRunLoop(state, *sdk->host_loop_instance, kHostCalls);
  SetPerItem(state, kHostCalls, "per_host_call");
}
BENCHMARK(BM_SdkGuestToHost);

void BM_RawV8GuestToHost(benchmark::State& state) {
  RawV8RunLoop(state, raw->run, kHostCalls);
  SetPerItem(state, kHostCalls, "per_host_call");
}
BENCHMARK(BM_RawV8GuestToHost);

// The host function takes (f64, f32): the SDK's guest calls the import
// adapter, which passes the bits (BigInt, i32) to the host callback.
void BM_SdkGuestToHostFloat(benchmark::State& state) {
  SdkRunLoop(state, *sdk->host_loop_float_instance, kHostCalls);
  SetPerItem(state, kHostCalls, "per_host_call");
}
BENCHMARK(BM_SdkGuestToHostFloat);

void BM_RawV8GuestToHostFloat(benchmark::State& state) {
  RawV8RunLoop(state, raw->run_float, kHostCalls);
  SetPerItem(state, kHostCalls, "per_host_call");
}
BENCHMARK(BM_RawV8GuestToHostFloat);

// ---------------------------------------------------------------------------
// 3. Compile a small module.

void BM_SdkCompile(benchmark::State& state) {
  std::vector<uint8_t> bytes = WithCounterSection(one_page_wasm());
  uint64_t counter = 0;
  for (auto _ : state) {
    PatchCounter(bytes, ++counter);
    absl::StatusOr<Module> module = sdk->engine.Compile(bytes);
    if (!module.ok()) {
      return state.SkipWithError(module.status().ToString().c_str());
    }
    benchmark::DoNotOptimize(module);
  }
}
BENCHMARK(BM_SdkCompile)->Unit(benchmark::kMicrosecond);

void BM_RawV8Compile(benchmark::State& state) {
  v8::Isolate* isolate = raw->isolate;
  std::vector<uint8_t> bytes = WithCounterSection(one_page_wasm());
  uint64_t counter = 0;
  for (auto _ : state) {
    PatchCounter(bytes, ++counter);
    v8::HandleScope scope(isolate);
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::WasmModuleObject> module;
    if (!RawCompile(isolate, bytes).ToLocal(&module)) {
      return state.SkipWithError("raw compile failed");
    }
    benchmark::DoNotOptimize(module);
  }
}
BENCHMARK(BM_RawV8Compile)->Unit(benchmark::kMicrosecond);

// The same bytes every time: V8's native-module cache answers.
void BM_SdkCompileSameBytes(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<Module> module = sdk->engine.Compile(one_page_wasm());
    if (!module.ok()) {
      return state.SkipWithError(module.status().ToString().c_str());
    }
    benchmark::DoNotOptimize(module);
  }
}
BENCHMARK(BM_SdkCompileSameBytes)->Unit(benchmark::kMicrosecond);

void BM_RawV8CompileSameBytes(benchmark::State& state) {
  v8::Isolate* isolate = raw->isolate;
  for (auto _ : state) {
    v8::HandleScope scope(isolate);
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::WasmModuleObject> module;
    if (!RawCompile(isolate, one_page_wasm()).ToLocal(&module)) {
      return state.SkipWithError("raw compile failed");
    }
    benchmark::DoNotOptimize(module);
  }
}
BENCHMARK(BM_RawV8CompileSameBytes)->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------
// 4. Instantiate a one-page module with one import and a few exports.

void BM_SdkInstantiate(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<Instance> instance =
        Instance::Create(sdk->one_page_module, sdk->log_linker);
    if (!instance.ok()) {
      return state.SkipWithError(instance.status().ToString().c_str());
    }
    benchmark::DoNotOptimize(instance);
  }
}
BENCHMARK(BM_SdkInstantiate)->Unit(benchmark::kMicrosecond);

// What the SDK does per instance, done by hand: a host function object for
// the import, the import object, the constructor call, the exports object.
void BM_RawV8Instantiate(benchmark::State& state) {
  v8::Isolate* isolate = raw->isolate;
  for (auto _ : state) {
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Function> log =
        v8::Function::New(context, &EmptyCallback, v8::Local<v8::Value>(), 2,
                          v8::ConstructorBehavior::kThrow)
            .ToLocalChecked();
    v8::Local<v8::Object> instance;
    if (!RawInstantiate(context, raw->one_page_module.Get(isolate),
                        ImportObject(context, "env", "log", log))
             .ToLocal(&instance)) {
      return state.SkipWithError("raw instantiate failed");
    }
    v8::Local<v8::Value> exports =
        instance->Get(context, Str(isolate, "exports")).ToLocalChecked();
    benchmark::DoNotOptimize(exports);
  }
}
BENCHMARK(BM_RawV8Instantiate)->Unit(benchmark::kMicrosecond);

// A module with one host-function import, SDK against raw: with a (f64,
// f32) import the SDK also instantiates the import adapter module; with
// the i32-only `noop` import it does not.
void SdkInstantiate(benchmark::State& state, const Module& module,
                    const Linker& linker) {
  for (auto _ : state) {
    absl::StatusOr<Instance> instance = Instance::Create(module, linker);
    if (!instance.ok()) {
      return state.SkipWithError(instance.status().ToString().c_str());
    }
    benchmark::DoNotOptimize(instance);
  }
}

void RawInstantiateWithImport(benchmark::State& state,
                              const v8::Global<v8::WasmModuleObject>& module,
                              const char* name) {
  v8::Isolate* isolate = raw->isolate;
  for (auto _ : state) {
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Function> callback =
        v8::Function::New(context, &EmptyCallback, v8::Local<v8::Value>(), 2,
                          v8::ConstructorBehavior::kThrow)
            .ToLocalChecked();
    v8::Local<v8::Object> instance;
    if (!RawInstantiate(context, module.Get(isolate),
                        ImportObject(context, "env", name, callback))
             .ToLocal(&instance)) {
      return state.SkipWithError("raw instantiate failed");
    }
    v8::Local<v8::Value> exports =
        instance->Get(context, Str(isolate, "exports")).ToLocalChecked();
    benchmark::DoNotOptimize(exports);
  }
}

void BM_SdkInstantiateFloatImport(benchmark::State& state) {
  SdkInstantiate(state, sdk->host_loop_float_module, sdk->take_linker);
}
BENCHMARK(BM_SdkInstantiateFloatImport)->Unit(benchmark::kMicrosecond);

void BM_RawV8InstantiateFloatImport(benchmark::State& state) {
  RawInstantiateWithImport(state, raw->host_loop_float_module, "take");
}
BENCHMARK(BM_RawV8InstantiateFloatImport)->Unit(benchmark::kMicrosecond);

void BM_SdkInstantiateIntImport(benchmark::State& state) {
  SdkInstantiate(state, sdk->host_loop_module, sdk->noop_linker);
}
BENCHMARK(BM_SdkInstantiateIntImport)->Unit(benchmark::kMicrosecond);

void BM_RawV8InstantiateIntImport(benchmark::State& state) {
  RawInstantiateWithImport(state, raw->host_loop_module, "noop");
}
BENCHMARK(BM_RawV8InstantiateIntImport)->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------
// 6. Small bulk instructions: what the chunked helpers cost when a length
// fits in one chunk (a call and a bounds check per instruction).

void BM_SdkBulkLoop(benchmark::State& state) {
  SdkRunLoop(state, *sdk->bulk_loop_instance, kBulkLoops);
  SetPerItem(state, kBulkLoops, "per_loop");
}
BENCHMARK(BM_SdkBulkLoop);

void BM_RawV8BulkLoop(benchmark::State& state) {
  RawV8RunLoop(state, raw->bulk_run, kBulkLoops);
  SetPerItem(state, kBulkLoops, "per_loop");
}
BENCHMARK(BM_RawV8BulkLoop);

// ---------------------------------------------------------------------------
// Set-up.

void SetUpSdk() {
  Engine engine = Must(Engine::Create(), "Engine::Create");
  // Compiling makes (and enters) this thread's isolate and context.
  Module add = Must(engine.Compile(add_wasm()), "compile add");
  Module host_loop = Must(engine.Compile(host_loop_wasm()), "compile loop");
  Module one_page = Must(engine.Compile(one_page_wasm()), "compile one_page");
  Module float_add = Must(engine.Compile(float_add_wasm()), "compile float");
  Module host_loop_float =
      Must(engine.Compile(host_loop_float_wasm()), "compile float loop");
  sdk = new SdkState{engine,   add,       host_loop,
                     one_page, float_add, host_loop_float};
  MustOk(sdk->noop_linker.Define("env", "noop", [] {}), "define noop");
  MustOk(sdk->take_linker.Define("env", "take", [](double, float) {}),
         "define take");
  MustOk(sdk->log_linker.Define("env", "log", [](int32_t, int32_t) {}),
         "define log");
  sdk->add_instance = std::make_unique<Instance>(
      Must(Instance::Create(sdk->add_module, sdk->empty_linker), "add"));
  sdk->host_loop_instance = std::make_unique<Instance>(
      Must(Instance::Create(sdk->host_loop_module, sdk->noop_linker), "loop"));
  sdk->float_add_instance = std::make_unique<Instance>(Must(
      Instance::Create(sdk->float_add_module, sdk->empty_linker), "float"));
  sdk->host_loop_float_instance = std::make_unique<Instance>(
      Must(Instance::Create(sdk->host_loop_float_module, sdk->take_linker),
           "float loop"));
  Module bulk_loop =
      Must(engine.Compile(bulk_loop_wasm()), "compile bulk_loop");
  sdk->bulk_loop_instance = std::make_unique<Instance>(
      Must(Instance::Create(bulk_loop, sdk->empty_linker), "bulk_loop"));
}

// The raw baselines use the isolate and context the SDK entered on this
// thread: a second isolate on the same thread would fight over Enter().
void SetUpRaw() {
  v8::Isolate* isolate = CurrentIsolate();
  raw = new RawState;
  raw->isolate = isolate;
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = CurrentContext(isolate);
  v8::TryCatch try_catch(isolate);
  raw->instance_constructor.Reset(isolate, InstanceConstructor(context));

  v8::Local<v8::Object> add =
      RawInstantiate(context, RawCompile(isolate, add_wasm()).ToLocalChecked(),
                     v8::Object::New(isolate))
          .ToLocalChecked();
  raw->add.Reset(isolate, ExportFunction(context, add, "add"));

  v8::Local<v8::FunctionTemplate> noop_template =
      v8::FunctionTemplate::New(isolate, &EmptyCallback);
  v8::Local<v8::Function> noop =
      noop_template->GetFunction(context).ToLocalChecked();
  v8::Local<v8::Object> loop =
      RawInstantiate(context,
                     RawCompile(isolate, host_loop_wasm()).ToLocalChecked(),
                     ImportObject(context, "env", "noop", noop))
          .ToLocalChecked();
  raw->run.Reset(isolate, ExportFunction(context, loop, "run"));

  v8::Local<v8::Object> float_add =
      RawInstantiate(context,
                     RawCompile(isolate, float_add_wasm()).ToLocalChecked(),
                     v8::Object::New(isolate))
          .ToLocalChecked();
  raw->add_f64.Reset(isolate, ExportFunction(context, float_add, "add_f64"));
  raw->add_f32.Reset(isolate, ExportFunction(context, float_add, "add_f32"));
  v8::Local<v8::WasmModuleObject> host_loop_float =
      RawCompile(isolate, host_loop_float_wasm()).ToLocalChecked();
  v8::Local<v8::Object> loop_float =
      RawInstantiate(context, host_loop_float,
                     ImportObject(context, "env", "take", noop))
          .ToLocalChecked();
  raw->run_float.Reset(isolate, ExportFunction(context, loop_float, "run"));
  raw->host_loop_float_module.Reset(isolate, host_loop_float);
  raw->host_loop_module.Reset(
      isolate, RawCompile(isolate, host_loop_wasm()).ToLocalChecked());

  raw->one_page_module.Reset(
      isolate, RawCompile(isolate, one_page_wasm()).ToLocalChecked());

  v8::Local<v8::Object> bulk =
      RawInstantiate(context,
                     RawCompile(isolate, bulk_loop_wasm()).ToLocalChecked(),
                     v8::Object::New(isolate))
          .ToLocalChecked();
  raw->bulk_run.Reset(isolate, ExportFunction(context, bulk, "run"));
}

void TearDown() {
  delete raw;  // Global handles reset while the isolate is alive
  raw = nullptr;
  delete sdk;
  sdk = nullptr;
}

// ---------------------------------------------------------------------------
// Reporting: the console output (RatioReporter), then SDK / raw ratios.

void PrintSummary(const RatioReporter& reporter) {
  std::printf("\nSummary (median real time; ratio = SDK / raw V8):\n");
  PrintRatio(reporter, "typed call", "BM_SdkTypedCall", "BM_RawV8Call", 1.15);
  PrintRatio(reporter, "typed call (f64 add)", "BM_SdkTypedCallF64",
             "BM_RawV8CallF64", 0);
  PrintRatio(reporter, "typed call (f32 add)", "BM_SdkTypedCallF32",
             "BM_RawV8CallF32", 0);
  PrintRatio(reporter, "guest->host, per host call", "BM_SdkGuestToHost",
             "BM_RawV8GuestToHost", 1.2, kHostCalls);
  PrintRatio(reporter, "guest->host (f64, f32)", "BM_SdkGuestToHostFloat",
             "BM_RawV8GuestToHostFloat", 0, kHostCalls);
  PrintRatio(reporter, "compile (new bytes)", "BM_SdkCompile",
             "BM_RawV8Compile", 0);
  PrintRatio(reporter, "compile (cached bytes)", "BM_SdkCompileSameBytes",
             "BM_RawV8CompileSameBytes", 0);
  PrintRatio(reporter, "instantiate", "BM_SdkInstantiate",
             "BM_RawV8Instantiate", 0);
  PrintRatio(reporter, "instantiate, float import",
             "BM_SdkInstantiateFloatImport", "BM_RawV8InstantiateFloatImport",
             0);
  PrintRatio(reporter, "instantiate, i32 import", "BM_SdkInstantiateIntImport",
             "BM_RawV8InstantiateIntImport", 0);
  PrintRatio(reporter, "64 B fill+copy, per loop", "BM_SdkBulkLoop",
             "BM_RawV8BulkLoop", 0, kBulkLoops);
  if (const RatioReporter::Result* native = reporter.Find("BM_NativeAdd")) {
    std::printf("%-27s %8.2f %s (non-inlined C++ call, for scale)\n",
                "native add", native->real_time, native->unit.c_str());
  }
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  if (!InitBenchmark("call_benchmark", argc, argv)) return 1;

  SetUpSdk();
  SetUpRaw();
  RunBenchmarks(argc, argv, PrintSummary);
  TearDown();
  return 0;
}
