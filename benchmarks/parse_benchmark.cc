// The SDK's own work on a module before V8 compiles it (issue 18): reading
// (wasm::ReadModule), decoding the code (wasm::ScanCode) and the rewrites
// (bulk instructions, memory import, boundary wrappers, global accessors,
// frame tag; with and without fuel), beside V8's validation and V8's
// compile of the same bytes in the same process. Targets: the SDK's work
// <= 10% of V8's compile, >= 1 GB/s over data-heavy modules.
//
// Modules: the generated data-heavy and code-heavy ones
// (lib/wasm/testing/module_generator.h, always there), and the big real
// guests flite.wasm, ruby.wasm and ruby+stdlib.wasm from the directory
// WASMHOST_BIG_GUESTS_DIR names (each skipped, with a message, when absent).
//
//   BM_Read/<m>        wasm::ReadModule
//   BM_Scan/<m>        wasm::ScanCode
//   BM_Sdk/<m>         AnalyzeModule + PrepareModule: everything the SDK
//                      does to a module besides V8's validation and compile
//   BM_SdkFuel/<m>     the same with fuel metering
//   BM_V8Validate/<m>  v8backend::ValidateModule (WebAssembly.validate)
//   BM_V8Compile/<m>   v8::WasmModuleObject::Compile of the original bytes
//                      (fresh bytes each iteration: V8 caches by bytes)

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "lib/runtime/module_state.h"
#include "lib/v8/backend.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/testing/module_generator.h"
#include "v8.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::bench {
namespace {

struct BenchModule {
  std::string name;
  std::vector<uint8_t> bytes;
  // `bytes` and a custom section whose last 8 bytes BM_V8Compile bumps.
  std::vector<uint8_t> fresh;
};

std::vector<BenchModule>& Modules() {
  static auto* modules = new std::vector<BenchModule>;
  return *modules;
}

void AddModule(std::string name, std::vector<uint8_t> bytes) {
  BenchModule m{std::move(name), std::move(bytes), {}};
  m.fresh = m.bytes;
  // Custom section "n" of 8 counter bytes: id, size 10, name length 1.
  const uint8_t section[] = {0, 10, 1, 'n', 0, 0, 0, 0, 0, 0, 0, 0};
  m.fresh.insert(m.fresh.end(), std::begin(section), std::end(section));
  Modules().push_back(std::move(m));
}

void LoadBigGuests() {
  const char* dir = std::getenv("WASMHOST_BIG_GUESTS_DIR");
  if (dir == nullptr) {
    std::printf(
        "WASMHOST_BIG_GUESTS_DIR is not set: the real guests "
        "(flite, ruby, ruby+stdlib) are skipped\n");
    return;
  }
  for (const char* name : {"flite", "ruby", "ruby+stdlib"}) {
    const std::string path = absl::StrCat(dir, "/", name, ".wasm");
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::printf("%s not found: skipped\n", path.c_str());
      continue;
    }
    AddModule(name, std::vector<uint8_t>(std::istreambuf_iterator<char>(in),
                                         std::istreambuf_iterator<char>()));
  }
}

void SetBytes(benchmark::State& bench, const BenchModule& m) {
  bench.SetBytesProcessed(static_cast<int64_t>(bench.iterations()) *
                          static_cast<int64_t>(m.bytes.size()));
}

void BM_Read(benchmark::State& bench, const BenchModule* m) {
  for (auto _ : bench) {
    absl::StatusOr<wasm::ModuleInfo> info = wasm::ReadModule(m->bytes);
    if (!info.ok())
      return bench.SkipWithError(info.status().ToString().c_str());
    benchmark::DoNotOptimize(info->sections.data());
  }
  SetBytes(bench, *m);
}

void BM_Scan(benchmark::State& bench, const BenchModule* m) {
  const wasm::ModuleInfo info = Must(wasm::ReadModule(m->bytes), "read");
  for (auto _ : bench) {
    absl::StatusOr<wasm::CodeSummary> code = wasm::ScanCode(m->bytes, info);
    if (!code.ok())
      return bench.SkipWithError(code.status().ToString().c_str());
    benchmark::DoNotOptimize(code->instruction_count);
  }
  SetBytes(bench, *m);
}

void Sdk(benchmark::State& bench, const BenchModule* m, bool fuel) {
  for (auto _ : bench) {
    absl::StatusOr<internal::AnalyzedModule> analyzed =
        internal::AnalyzeModule(m->bytes);
    if (!analyzed.ok()) {
      return bench.SkipWithError(analyzed.status().ToString().c_str());
    }
    absl::StatusOr<internal::PreparedModule> prepared =
        internal::PrepareModule(m->bytes, *analyzed, fuel);
    if (!prepared.ok()) {
      return bench.SkipWithError(prepared.status().ToString().c_str());
    }
    benchmark::DoNotOptimize(prepared->bytes.data());
  }
  SetBytes(bench, *m);
}

void BM_Sdk(benchmark::State& bench, const BenchModule* m) {
  Sdk(bench, m, false);
}

void BM_SdkFuel(benchmark::State& bench, const BenchModule* m) {
  Sdk(bench, m, true);
}

void BM_V8Validate(benchmark::State& bench, const BenchModule* m) {
  for (auto _ : bench) {
    absl::Status status = v8backend::ValidateModule(m->bytes);
    if (!status.ok()) return bench.SkipWithError(status.ToString().c_str());
  }
  SetBytes(bench, *m);
}

void BM_V8Compile(benchmark::State& bench, BenchModule* m) {
  v8::Isolate* isolate = CurrentIsolate();
  static uint64_t counter = 0;
  for (auto _ : bench) {
    ++counter;
    std::memcpy(m->fresh.data() + m->fresh.size() - 8, &counter, 8);
    v8::HandleScope scope(isolate);
    v8::Local<v8::WasmModuleObject> module;
    if (!RawCompile(isolate, m->fresh).ToLocal(&module)) {
      return bench.SkipWithError("V8 compile failed");
    }
    benchmark::DoNotOptimize(*module);
  }
  SetBytes(bench, *m);
}

void Register() {
  for (BenchModule& m : Modules()) {
    const std::string& n = m.name;
    // Few iterations: a code-heavy compile takes seconds on 2 cores.
    auto configure = [](benchmark::internal::Benchmark* b) {
      b->Unit(benchmark::kMillisecond)->MinTime(0.2);
    };
    configure(
        benchmark::RegisterBenchmark(("BM_Read/" + n).c_str(), BM_Read, &m));
    configure(
        benchmark::RegisterBenchmark(("BM_Scan/" + n).c_str(), BM_Scan, &m));
    configure(
        benchmark::RegisterBenchmark(("BM_Sdk/" + n).c_str(), BM_Sdk, &m));
    configure(benchmark::RegisterBenchmark(("BM_SdkFuel/" + n).c_str(),
                                           BM_SdkFuel, &m));
    configure(benchmark::RegisterBenchmark(("BM_V8Validate/" + n).c_str(),
                                           BM_V8Validate, &m));
    configure(benchmark::RegisterBenchmark(("BM_V8Compile/" + n).c_str(),
                                           BM_V8Compile, &m));
  }
}

// One table of median real times, then one of the benchmark thread's CPU
// times (less disturbed by other load, but blind to V8's compile workers).
void Summary(const RatioReporter& reporter) {
  for (bool cpu : {false, true}) {
    std::printf(
        "\n%s\n%-12s %6s | %8s %8s %8s %8s | %9s %9s | %7s %7s | %s\n",
        cpu ? "CPU time of the benchmark thread, ms:" : "real time, ms:",
        "module", "MB", "read", "scan", "SDK", "SDK+fuel", "V8 valid.",
        "V8 comp.", "SDK/V8", "fuel/V8", "SDK MB/s");
    for (const BenchModule& m : Modules()) {
      auto ms = [&](const char* bench) {
        const RatioReporter::Result* r =
            reporter.Find(absl::StrCat(bench, "/", m.name, "/min_time:0.200"));
        if (r == nullptr) return -1.0;
        return (cpu ? r->cpu_time * r->NanosPerUnit() : r->real_nanos()) / 1e6;
      };
      const double mb = static_cast<double>(m.bytes.size()) / 1e6;
      const double sdk = ms("BM_Sdk"), fuel = ms("BM_SdkFuel");
      const double compile = ms("BM_V8Compile");
      std::printf(
          "%-12s %6.1f | %8.2f %8.2f %8.2f %8.2f | %9.2f %9.1f | %6.1f%% "
          "%6.1f%% | %.0f%s\n",
          m.name.c_str(), mb, ms("BM_Read"), ms("BM_Scan"), sdk, fuel,
          ms("BM_V8Validate"), compile, 100 * sdk / compile,
          100 * fuel / compile, mb / (sdk / 1e3),
          sdk <= 0.10 * compile ? "" : "  (SDK over 10% of V8's compile)");
    }
  }
  std::printf(
      "targets: SDK (without fuel) <= 10%% of V8's compile; "
      ">= 1000 MB/s over data-heavy modules\n");
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  if (!InitBenchmark("parse_benchmark", argc, argv)) return 1;
  // The SDK's isolate on this thread, which the raw compiles use too.
  wasmhost::Engine engine = Must(wasmhost::Engine::Create(), "Engine::Create");
  wasmhost::wasm::testing::GeneratorOptions small;
  Must(engine.Compile(wasmhost::wasm::testing::GenerateModule(small)),
       "Compile");
  AddModule("gen-data", wasmhost::wasm::testing::GenerateModule(
                            wasmhost::wasm::testing::DataHeavyOptions()));
  AddModule("gen-code", wasmhost::wasm::testing::GenerateModule(
                            wasmhost::wasm::testing::CodeHeavyOptions()));
  LoadBigGuests();
  Register();
  RunBenchmarks(argc, argv, Summary);
  return 0;
}
