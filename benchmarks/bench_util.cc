#include "benchmarks/bench_util.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace wasmhost::bench {

const char* program_name = "benchmark";

void MustOk(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s: %s\n", program_name, what,
                 status.ToString().c_str());
    std::exit(1);
  }
}

bool HasFlag(int argc, char** argv, const char* prefix) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) return true;
  }
  return false;
}

bool InitBenchmark(const char* name, int argc, char** argv) {
  program_name = name;
  // Flags given on the command line come later and win.
  static std::string repetitions = "--benchmark_repetitions=5";
  static std::string aggregates = "--benchmark_report_aggregates_only=true";
  static std::string interleave = "--benchmark_enable_random_interleaving=true";
  static std::vector<char*> args;
  args = {argv[0]};
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
  return !benchmark::ReportUnrecognizedArguments(new_argc, args.data());
}

bool UseColor(int argc, char** argv) {
  return isatty(STDOUT_FILENO) &&
         !HasFlag(argc, argv, "--benchmark_color=false");
}

void RunBenchmarks(int argc, char** argv,
                   const std::function<void(const RatioReporter&)>& summary) {
  RatioReporter reporter(UseColor(argc, argv));
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  summary(reporter);
}

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    if (run.error_occurred) continue;
    const std::string name = run.run_name.str();
    // Prefer the median of repetitions; else a single run.
    const bool median =
        run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
    const bool single =
        run.run_type == Run::RT_Iteration && medians_.count(name) == 0;
    if (median) medians_.insert(name);
    if (median || single) {
      Result result{run.GetAdjustedRealTime(),
                    run.GetAdjustedCPUTime(),
                    benchmark::GetTimeUnitString(run.time_unit),
                    {}};
      for (const auto& [counter, value] : run.counters) {
        result.counters[counter] = value.value;
      }
      results_[name] = std::move(result);
    }
  }
  ConsoleReporter::ReportRuns(runs);
}

const RatioReporter::Result* RatioReporter::Find(
    const std::string& name) const {
  auto it = results_.find(name);
  return it == results_.end() ? nullptr : &it->second;
}

void PrintRatio(const RatioReporter& reporter, const char* label,
                const char* a_name, const char* b_name, double target,
                double per_item, const char* a_label, const char* b_label) {
  const RatioReporter::Result* a = reporter.Find(a_name);
  const RatioReporter::Result* b = reporter.Find(b_name);
  if (a == nullptr || b == nullptr) {
    std::printf("%-27s (not run)\n", label);
    return;
  }
  const double ratio = a->real_time / b->real_time;
  std::printf("%-27s %s %8.2f %s / %s %8.2f %s = %.2fx", label, a_label,
              a->real_time / per_item, a->unit.c_str(), b_label,
              b->real_time / per_item, b->unit.c_str(), ratio);
  if (target > 0) {
    std::printf(" (target <= %.2fx) %-6s", target,
                ratio <= target ? "ok" : "MISSED");
  }
  // CPU time of the benchmark thread: less disturbed by other load, but
  // blind to V8's compile worker threads.
  std::printf(" [cpu %.2fx]\n", a->cpu_time / b->cpu_time);
}

double RatioReporter::Result::NanosPerUnit() const {
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 1;
}

namespace {

// "12.3 us", picking the unit from the size.
std::string Duration(double nanos) {
  char buffer[32];
  if (nanos >= 1e6) {
    std::snprintf(buffer, sizeof(buffer), "%8.2f ms", nanos / 1e6);
  } else if (nanos >= 1e4) {
    std::snprintf(buffer, sizeof(buffer), "%8.2f us", nanos / 1e3);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%8.1f ns", nanos);
  }
  return buffer;
}

}  // namespace

void PrintSpeedup(const RatioReporter& reporter, const char* label,
                  const char* fast_name, const char* slow_name, double target,
                  const char* fast_label, const char* slow_label) {
  const RatioReporter::Result* fast = reporter.Find(fast_name);
  const RatioReporter::Result* slow = reporter.Find(slow_name);
  if (fast == nullptr || slow == nullptr) {
    std::printf("%-36s (not run)\n", label);
    return;
  }
  const double speedup = slow->real_nanos() / fast->real_nanos();
  std::printf("%-36s %s %s / %s %s: %6.2fx faster", label, fast_label,
              Duration(fast->real_nanos()).c_str(), slow_label,
              Duration(slow->real_nanos()).c_str(), speedup);
  if (target > 0) {
    std::printf(" (target >= %.1fx) %s", target,
                speedup >= target ? "ok" : "MISSED");
  }
  std::printf("\n");
}

void PrintAbsolute(const RatioReporter& reporter, const char* label,
                   const char* name, double target_nanos) {
  const RatioReporter::Result* result = reporter.Find(name);
  if (result == nullptr) {
    std::printf("%-36s (not run)\n", label);
    return;
  }
  std::printf("%-36s %s", label, Duration(result->real_nanos()).c_str());
  if (target_nanos > 0) {
    std::printf(" (target <= %s) %s", Duration(target_nanos).c_str(),
                result->real_nanos() <= target_nanos ? "ok" : "MISSED");
  }
  std::printf("\n");
}

void PrintRateRatio(const RatioReporter& reporter, const char* label,
                    const char* counter, const char* a_name, const char* b_name,
                    double target) {
  const RatioReporter::Result* a = reporter.Find(a_name);
  const RatioReporter::Result* b = reporter.Find(b_name);
  const auto a_it = a == nullptr
                        ? std::map<std::string, double>::const_iterator()
                        : a->counters.find(counter);
  const auto b_it = b == nullptr
                        ? std::map<std::string, double>::const_iterator()
                        : b->counters.find(counter);
  if (a == nullptr || b == nullptr || a_it == a->counters.end() ||
      b_it == b->counters.end()) {
    std::printf("%-36s (not run)\n", label);
    return;
  }
  const double ratio = a_it->second / b_it->second;
  std::printf("%-36s %10.0f/s vs %10.0f/s = %.2fx", label, a_it->second,
              b_it->second, ratio);
  if (target > 0) {
    std::printf(" (target >= %.2fx) %s", target,
                ratio >= target ? "ok" : "MISSED");
  }
  std::printf("\n");
}

v8::Local<v8::String> Str(v8::Isolate* isolate, const char* s) {
  return v8::String::NewFromUtf8(isolate, s).ToLocalChecked();
}

v8::MaybeLocal<v8::WasmModuleObject> RawCompile(
    v8::Isolate* isolate, absl::Span<const uint8_t> bytes) {
  return v8::WasmModuleObject::Compile(
      isolate, v8::MemorySpan<const uint8_t>(bytes.data(), bytes.size()));
}

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

v8::MaybeLocal<v8::Object> RawInstantiate(
    v8::Local<v8::Context> context, v8::Local<v8::Function> constructor,
    v8::Local<v8::WasmModuleObject> module, v8::Local<v8::Object> imports) {
  v8::Local<v8::Value> args[] = {module, imports};
  return constructor->NewInstance(context, 2, args);
}

v8::Isolate* CurrentIsolate() {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) {
    std::fprintf(stderr, "%s: the SDK left no current isolate\n", program_name);
    std::exit(1);
  }
  return isolate;
}

v8::Local<v8::Context> CurrentContext(v8::Isolate* isolate) {
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (context.IsEmpty()) {
    std::fprintf(stderr, "%s: the SDK left no current context\n", program_name);
    std::exit(1);
  }
  return context;
}

v8::Local<v8::Function> InstanceConstructor(v8::Local<v8::Context> context) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Object> wasm = context->Global()
                                   ->Get(context, Str(isolate, "WebAssembly"))
                                   .ToLocalChecked()
                                   .As<v8::Object>();
  return wasm->Get(context, Str(isolate, "Instance"))
      .ToLocalChecked()
      .As<v8::Function>();
}

v8::Local<v8::Function> ExportFunction(v8::Local<v8::Context> context,
                                       v8::Local<v8::Object> instance,
                                       const char* name) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Object> exports =
      instance->Get(context, Str(isolate, "exports"))
          .ToLocalChecked()
          .As<v8::Object>();
  return exports->Get(context, Str(isolate, name))
      .ToLocalChecked()
      .As<v8::Function>();
}

}  // namespace wasmhost::bench
