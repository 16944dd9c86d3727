// bench_util: pieces shared by the benchmark binaries.
//
//   Must / MustOk        exit with a message when set-up fails
//   HasFlag              whether a command-line flag was given
//   InitBenchmark        benchmark::Initialize with this directory's defaults
//                        (5 repetitions, aggregates only, random
//                        interleaving), command-line flags winning
//   RunBenchmarks        run them through a RatioReporter, then a summary
//   RatioReporter        the console table, remembering each benchmark's
//                        median (or single) real and CPU time for a summary
//   PrintRatio           "label  SDK x / raw V8 y = r (target <= t) ok"
//   PrintSpeedup         "label  pool x / new y: 7.1x faster (target >= 5x)"
//   PrintAbsolute        "label  x (target <= t) ok"
//   PrintRateRatio       a rate counter of one run against another's
//   Raw V8 helpers       what a raw embedder writes: Str, RawCompile,
//                        ImportObject, RawInstantiate, ExportFunction
//   CurrentIsolate       the isolate (and CurrentContext the context) the
//                        SDK entered on this thread, for raw baselines

#ifndef WASMHOST_BENCHMARKS_BENCH_UTIL_H_
#define WASMHOST_BENCHMARKS_BENCH_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "v8.h"

namespace wasmhost::bench {

// Prefix of error messages from Must and MustOk; set by InitBenchmark.
extern const char* program_name;

void MustOk(const absl::Status& status, const char* what);

template <typename T>
T Must(absl::StatusOr<T> value, const char* what) {
  MustOk(value.status(), what);
  return *std::move(value);
}

// Whether an argument starts with `prefix`.
bool HasFlag(int argc, char** argv, const char* prefix);

// Initialises Google Benchmark with the defaults for a noisy 2-core machine
// (--benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// --benchmark_enable_random_interleaving=true) unless the command line sets
// repetitions itself. Returns false on unrecognised arguments.
bool InitBenchmark(const char* name, int argc, char** argv);

// Whether the reporter should colour its output: a terminal, and
// --benchmark_color=false not given (our reporter does not see that flag).
bool UseColor(int argc, char** argv);

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  struct Result {
    double real_time;  // per iteration, in `unit`
    double cpu_time;   // of the benchmark thread, in `unit`
    std::string unit;
    // Counters (e.g. items_per_second), median where repeated.
    std::map<std::string, double> counters;

    double real_nanos() const { return real_time * NanosPerUnit(); }
    double NanosPerUnit() const;
  };

  explicit RatioReporter(bool color)
      : ConsoleReporter(color ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override;

  // The median of repetitions if there were any, else the single run;
  // nullptr if the benchmark did not run. `name` is the full run name,
  // e.g. "BM_Pool/0/1/real_time/threads:2".
  const Result* Find(const std::string& name) const;

 private:
  std::map<std::string, Result> results_;
  std::set<std::string> medians_;
};

// Prints "label  SDK x / raw V8 y = r (target <= t) ok [cpu c]": the ratio
// of the median real times of `a_name` and `b_name`; per_item divides the
// times (e.g. per host call). target <= 0: none. a_label and b_label name
// the two sides.
void PrintRatio(const RatioReporter& reporter, const char* label,
                const char* a_name, const char* b_name, double target,
                double per_item = 1, const char* a_label = "SDK",
                const char* b_label = "raw V8");

// Prints "label  a_label x / b_label y: r x faster (target >= t) ok":
// r = b / a, the median real time of `slow_name` over that of `fast_name`.
void PrintSpeedup(const RatioReporter& reporter, const char* label,
                  const char* fast_name, const char* slow_name, double target,
                  const char* fast_label, const char* slow_label);

// Prints "label  x (target <= t) ok": the median real time of `name`
// against an absolute target in nanoseconds (<= 0: none).
void PrintAbsolute(const RatioReporter& reporter, const char* label,
                   const char* name, double target_nanos);

// Prints "label  a/s vs b/s = r (target >= t) ok" for `counter` (e.g.
// "items_per_second") of two runs.
void PrintRateRatio(const RatioReporter& reporter, const char* label,
                    const char* counter, const char* a_name, const char* b_name,
                    double target);

// Runs the benchmarks the command line selects through a RatioReporter
// (coloured as UseColor says), shuts Google Benchmark down, then calls
// `summary` with the reporter.
void RunBenchmarks(int argc, char** argv,
                   const std::function<void(const RatioReporter&)>& summary);

// ---------------------------------------------------------------------------
// Raw V8, each used inside the caller's HandleScope.

// The isolate the SDK made and entered on this thread: raw baselines run in
// it, since a second isolate on the same thread would fight over Enter().
// Exits with a message when there is none.
v8::Isolate* CurrentIsolate();

// The isolate's current context (inside the caller's HandleScope); exits
// with a message when there is none.
v8::Local<v8::Context> CurrentContext(v8::Isolate* isolate);

v8::Local<v8::String> Str(v8::Isolate* isolate, const char* s);

v8::MaybeLocal<v8::WasmModuleObject> RawCompile(
    v8::Isolate* isolate, absl::Span<const uint8_t> bytes);

// {module: {name: function}}
v8::Local<v8::Object> ImportObject(v8::Local<v8::Context> context,
                                   const char* module, const char* name,
                                   v8::Local<v8::Function> function);

// `new WebAssembly.Instance(module, imports)` through `constructor`.
v8::MaybeLocal<v8::Object> RawInstantiate(
    v8::Local<v8::Context> context, v8::Local<v8::Function> constructor,
    v8::Local<v8::WasmModuleObject> module, v8::Local<v8::Object> imports);

// WebAssembly.Instance of the context's global object.
v8::Local<v8::Function> InstanceConstructor(v8::Local<v8::Context> context);

v8::Local<v8::Function> ExportFunction(v8::Local<v8::Context> context,
                                       v8::Local<v8::Object> instance,
                                       const char* name);

}  // namespace wasmhost::bench

#endif  // WASMHOST_BENCHMARKS_BENCH_UTIL_H_
