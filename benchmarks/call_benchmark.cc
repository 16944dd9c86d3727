// call_benchmark: the cost of crossing between C++ and Wasm through wasmhost,
// each next to the same operation done with the raw V8 API in the same
// process and the same isolate (the one the SDK made for this thread), plus
// a native C++ call for scale.
//
//   BM_NativeAdd          a non-inlined C++ add
//   BM_SdkTypedCall       TypedFunc<int32_t(int32_t, int32_t)>::Call
//   BM_RawV8Call          v8::Function::Call of the same kind of export, with
//                         a HandleScope and a TryCatch per call
//   BM_SdkGuestToHost     a guest loop calling a Linker::Define'd empty lambda
//   BM_RawV8GuestToHost   the same loop calling an empty v8::FunctionCallback
//   BM_SdkCompile         Engine::Compile of a small one-page module
//   BM_RawV8Compile       v8::WasmModuleObject::Compile of the same bytes
//   BM_SdkInstantiate     Instance::Create (and its destruction)
//   BM_RawV8Instantiate   `new WebAssembly.Instance(module, imports)`
//
// The compile benchmarks patch a custom section with a counter so every
// iteration compiles bytes V8 has not seen: V8 caches native modules by
// their wire bytes, and a cache hit is not a compile. The *SameBytes
// variants show the cached case.
//
// After the run a summary prints SDK / raw ratios against the targets.
// Defaults (overridable): 5 repetitions, medians only, random interleaving.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "benchmarks/fixtures.h"
#include "v8.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::bench {
namespace {

// Host calls per iteration of the guest->host benchmarks.
constexpr int kHostCalls = 1000;

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
  Linker empty_linker;
  Linker noop_linker;
  Linker log_linker;
  std::unique_ptr<Instance> add_instance;
  std::unique_ptr<Instance> host_loop_instance;
};

struct RawState {
  v8::Isolate* isolate = nullptr;
  v8::Global<v8::Function> instance_constructor;  // WebAssembly.Instance
  v8::Global<v8::Function> add;                   // export "add"
  v8::Global<v8::Function> run;                   // export "run" (host loop)
  v8::Global<v8::WasmModuleObject> one_page_module;
};

SdkState* sdk = nullptr;
RawState* raw = nullptr;

void EmptyCallback(const v8::FunctionCallbackInfo<v8::Value>&) {}

// A raw embedder's helpers, each used inside the caller's HandleScope.
v8::Local<v8::String> Str(v8::Isolate* isolate, const char* s) {
  return v8::String::NewFromUtf8(isolate, s).ToLocalChecked();
}

v8::MaybeLocal<v8::WasmModuleObject> RawCompile(
    v8::Isolate* isolate, absl::Span<const uint8_t> bytes) {
  return v8::WasmModuleObject::Compile(
      isolate, v8::MemorySpan<const uint8_t>(bytes.data(), bytes.size()));
}

// {module: {name: function}}
v8::Local<v8::Object> ImportObject(v8::Local<v8::Context> context,
                                   const char* module, const char* name,
                                   v8::Local<v8::Function> function) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Object> inner = v8::Object::New(isolate);
  inner->Set(context, Str(isolate, name), function).Check();
  v8::Local<v8::Object> imports = v8::Object::New(isolate);
  imports->Set(context, Str(isolate, module), inner).Check();
  return imports;
}

v8::MaybeLocal<v8::Object> RawInstantiate(v8::Local<v8::Context> context,
                                          v8::Local<v8::WasmModuleObject> module,
                                          v8::Local<v8::Object> imports) {
  v8::Local<v8::Value> args[] = {module, imports};
  return raw->instance_constructor.Get(context->GetIsolate())
      ->NewInstance(context, 2, args);
}

v8::Local<v8::Function> ExportFunction(v8::Local<v8::Context> context,
                                       v8::Local<v8::Object> instance,
                                       const char* name) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Object> exports = instance->Get(context, Str(isolate, "exports"))
                                      .ToLocalChecked()
                                      .As<v8::Object>();
  return exports->Get(context, Str(isolate, name))
      .ToLocalChecked()
      .As<v8::Function>();
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

void BM_SdkTypedCall(benchmark::State& state) {
  absl::StatusOr<TypedFunc<int32_t(int32_t, int32_t)>> add =
      sdk->add_instance->GetFunc<int32_t(int32_t, int32_t)>("add");
  if (!add.ok()) return state.SkipWithError(add.status().ToString().c_str());
  int32_t a = 1;
  for (auto _ : state) {
    absl::StatusOr<int32_t> r = add->Call(a, 2);
    if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(*r);
  }
}
BENCHMARK(BM_SdkTypedCall);

void BM_RawV8Call(benchmark::State& state) {
  v8::Isolate* isolate = raw->isolate;
  int32_t a = 1;
  for (auto _ : state) {
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> args[] = {v8::Integer::New(isolate, a),
                                   v8::Integer::New(isolate, 2)};
    v8::Local<v8::Value> result;
    if (!raw->add.Get(isolate)
             ->Call(context, v8::Undefined(isolate), 2, args)
             .ToLocal(&result)) {
      return state.SkipWithError("raw add threw");
    }
    int32_t r = result.As<v8::Int32>()->Value();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RawV8Call);

// ---------------------------------------------------------------------------
// 2. Guest -> host call of an empty host function, kHostCalls per iteration.

void SetPerHostCall(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kHostCalls);
  state.counters["per_host_call"] = benchmark::Counter(
      kHostCalls, benchmark::Counter::kIsIterationInvariantRate |
                      benchmark::Counter::kInvert);
}

void BM_SdkGuestToHost(benchmark::State& state) {
  absl::StatusOr<TypedFunc<void(int32_t)>> run =
      sdk->host_loop_instance->GetFunc<void(int32_t)>("run");
  if (!run.ok()) return state.SkipWithError(run.status().ToString().c_str());
  for (auto _ : state) {
    absl::Status s = run->Call(kHostCalls);
    if (!s.ok()) return state.SkipWithError(s.ToString().c_str());
  }
  SetPerHostCall(state);
}
BENCHMARK(BM_SdkGuestToHost);

void BM_RawV8GuestToHost(benchmark::State& state) {
  v8::Isolate* isolate = raw->isolate;
  for (auto _ : state) {
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> args[] = {v8::Integer::New(isolate, kHostCalls)};
    if (raw->run.Get(isolate)
            ->Call(context, v8::Undefined(isolate), 1, args)
            .IsEmpty()) {
      return state.SkipWithError("raw run threw");
    }
  }
  SetPerHostCall(state);
}
BENCHMARK(BM_RawV8GuestToHost);

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

// ---------------------------------------------------------------------------
// Set-up.

template <typename T>
T Must(absl::StatusOr<T> value, const char* what) {
  if (!value.ok()) {
    std::fprintf(stderr, "call_benchmark: %s: %s\n", what,
                 value.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(value);
}

void MustOk(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "call_benchmark: %s: %s\n", what,
                 status.ToString().c_str());
    std::exit(1);
  }
}

void SetUpSdk() {
  Engine engine = Must(Engine::Create(), "Engine::Create");
  // Compiling makes (and enters) this thread's isolate and context.
  Module add = Must(engine.Compile(add_wasm()), "compile add");
  Module host_loop = Must(engine.Compile(host_loop_wasm()), "compile loop");
  Module one_page = Must(engine.Compile(one_page_wasm()), "compile one_page");
  sdk = new SdkState{engine, add, host_loop, one_page, {}, {}, {}, {}, {}};
  MustOk(sdk->noop_linker.Define("env", "noop", [] {}), "define noop");
  MustOk(sdk->log_linker.Define("env", "log", [](int32_t, int32_t) {}),
         "define log");
  sdk->add_instance = std::make_unique<Instance>(
      Must(Instance::Create(sdk->add_module, sdk->empty_linker), "add"));
  sdk->host_loop_instance = std::make_unique<Instance>(Must(
      Instance::Create(sdk->host_loop_module, sdk->noop_linker), "loop"));
}

// The raw baselines use the isolate and context the SDK entered on this
// thread: a second isolate on the same thread would fight over Enter().
void SetUpRaw() {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) {
    std::fprintf(stderr, "call_benchmark: the SDK left no current isolate\n");
    std::exit(1);
  }
  raw = new RawState;
  raw->isolate = isolate;
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (context.IsEmpty()) {
    std::fprintf(stderr, "call_benchmark: the SDK left no current context\n");
    std::exit(1);
  }
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Object> wasm = context->Global()
                                   ->Get(context, Str(isolate, "WebAssembly"))
                                   .ToLocalChecked()
                                   .As<v8::Object>();
  raw->instance_constructor.Reset(
      isolate, wasm->Get(context, Str(isolate, "Instance"))
                   .ToLocalChecked()
                   .As<v8::Function>());

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

  raw->one_page_module.Reset(
      isolate, RawCompile(isolate, one_page_wasm()).ToLocalChecked());
}

void TearDown() {
  delete raw;  // Global handles reset while the isolate is alive
  raw = nullptr;
  delete sdk;
  sdk = nullptr;
}

// ---------------------------------------------------------------------------
// Reporting: the console output, then SDK / raw ratios.

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  struct Result {
    double real_time;  // per iteration, in `unit`
    double cpu_time;   // of the benchmark thread, in `unit`
    std::string unit;
  };

  explicit RatioReporter(bool color)
      : ConsoleReporter(color ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string& name = run.run_name.function_name;
      // Prefer the median of repetitions; else a single run.
      const bool median = run.run_type == Run::RT_Aggregate &&
                          run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration &&
                          medians_.count(name) == 0;
      if (median) medians_.insert(name);
      if (median || single) {
        results_[name] = {run.GetAdjustedRealTime(),
                          run.GetAdjustedCPUTime(),
                          benchmark::GetTimeUnitString(run.time_unit)};
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  const Result* Find(const std::string& name) const {
    auto it = results_.find(name);
    return it == results_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, Result> results_;
  std::set<std::string> medians_;
};

// Prints "label  SDK x / raw V8 y = r (target <= t)"; per_item divides the
// times (e.g. per host call). target <= 0: none.
void PrintRatio(const RatioReporter& reporter, const char* label,
                const char* sdk_name, const char* raw_name, double target,
                double per_item = 1) {
  const RatioReporter::Result* s = reporter.Find(sdk_name);
  const RatioReporter::Result* r = reporter.Find(raw_name);
  if (s == nullptr || r == nullptr) {
    std::printf("%-27s (not run)\n", label);
    return;
  }
  const double ratio = s->real_time / r->real_time;
  std::printf("%-27s SDK %8.2f %s / raw V8 %8.2f %s = %.2fx", label,
              s->real_time / per_item, s->unit.c_str(),
              r->real_time / per_item, r->unit.c_str(), ratio);
  if (target > 0) {
    std::printf(" (target <= %.2fx) %-6s", target,
                ratio <= target ? "ok" : "MISSED");
  }
  // CPU time of the benchmark thread: less disturbed by other load, but
  // blind to V8's compile worker threads.
  std::printf(" [cpu %.2fx]\n", s->cpu_time / r->cpu_time);
}

void PrintSummary(const RatioReporter& reporter) {
  std::printf("\nSummary (median real time; ratio = SDK / raw V8):\n");
  PrintRatio(reporter, "typed call", "BM_SdkTypedCall", "BM_RawV8Call", 1.15);
  PrintRatio(reporter, "guest->host, per host call", "BM_SdkGuestToHost",
             "BM_RawV8GuestToHost", 1.2, kHostCalls);
  PrintRatio(reporter, "compile (new bytes)", "BM_SdkCompile",
             "BM_RawV8Compile", 0);
  PrintRatio(reporter, "compile (cached bytes)", "BM_SdkCompileSameBytes",
             "BM_RawV8CompileSameBytes", 0);
  PrintRatio(reporter, "instantiate", "BM_SdkInstantiate",
             "BM_RawV8Instantiate", 0);
  if (const RatioReporter::Result* native = reporter.Find("BM_NativeAdd")) {
    std::printf("%-27s %8.2f %s (non-inlined C++ call, for scale)\n",
                "native add", native->real_time, native->unit.c_str());
  }
}

bool HasFlag(int argc, char** argv, const char* prefix) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) return true;
  }
  return false;
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  // Defaults for a noisy 2-core machine; flags given on the command line
  // come later and win.
  std::vector<char*> args = {argv[0]};
  std::string repetitions = "--benchmark_repetitions=5";
  std::string aggregates = "--benchmark_report_aggregates_only=true";
  std::string interleave = "--benchmark_enable_random_interleaving=true";
  if (!HasFlag(argc, argv, "--benchmark_repetitions")) {
    args.push_back(repetitions.data());
    if (!HasFlag(argc, argv, "--benchmark_report_aggregates_only") &&
        !HasFlag(argc, argv, "--benchmark_display_aggregates_only")) {
      args.push_back(aggregates.data());
    }
    if (!HasFlag(argc, argv, "--benchmark_enable_random_interleaving")) {
      args.push_back(interleave.data());
    }
  }
  args.insert(args.end(), argv + 1, argv + argc);
  int new_argc = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&new_argc, args.data());
  if (benchmark::ReportUnrecognizedArguments(new_argc, args.data())) return 1;

  SetUpSdk();
  SetUpRaw();
  // Our own reporter does not see --benchmark_color; follow the terminal
  // unless colour is switched off explicitly.
  RatioReporter reporter(isatty(STDOUT_FILENO) &&
                         !HasFlag(argc, argv, "--benchmark_color=false"));
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  PrintSummary(reporter);
  TearDown();
  return 0;
}
