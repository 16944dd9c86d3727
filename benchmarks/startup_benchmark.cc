// Start-up of small and big guests: compile, instantiate and first call
// through the SDK beside raw V8 on the same bytes in the same process,
// eager against lazy compilation, the code cache's first and warm
// processes, and `wasmhost run` beside Node end to end.
//
//   startup_benchmark                 the whole report (./x bench runs it)
//   startup_benchmark --only=SECTION  table, lazy, cache or e2e
//   WASMHOST_BIG_GUESTS_DIR=DIR           flite.wasm, ruby.wasm,
//   ruby+stdlib.wasm
//                                     (./x guests fetches them); rows of
//                                     missing files are skipped, saying so
//   WASMHOST_CLI=PATH                 the wasmhost binary for the end-to-end
//                                     rows (./x bench builds it with -c opt)
//
// Every measurement compiles bytes of its own (a custom section with a
// counter is appended): V8 shares a process's native modules by their
// bytes, so a second compile of equal bytes would cost nothing. Modes that
// need other EngineOptions (eager, a code cache) run in a child process
// (this binary re-executed with --child=...), as a user's process would.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/fixtures.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/testing/module_generator.h"
#include "v8.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::bench {
namespace {

namespace fs = std::filesystem;

double Seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::optional<std::vector<uint8_t>> ReadBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), {});
}

// `bytes` with a custom section "startup" holding `n`: new bytes to V8.
std::vector<uint8_t> Unique(const std::vector<uint8_t>& bytes, uint64_t n) {
  std::vector<uint8_t> out = bytes;
  const std::string payload = absl::StrCat("\x07startup", n);
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// A guest and what its first call is.
struct Guest {
  std::string label;
  std::vector<uint8_t> bytes;
  // kSmall: run(1); kGenerated: run(); kCommand: _start; kReactor:
  // _initialize, then ruby-show-version.
  enum Kind { kSmall, kGenerated, kCommand, kReactor } kind;
};

// WASI plus a trapping stub for every other function import, so the
// guest instantiates (ruby.wasm imports its JS host's functions).
absl::StatusOr<Linker> LinkerFor(const Module& module) {
  Linker linker;
  WASMHOST_RETURN_IF_ERROR(wasi::AddToLinker(linker));
  for (const ImportType& import : module.imports()) {
    if (import.kind != ExternKind::kFunc ||
        import.module == "wasi_snapshot_preview1") {
      continue;
    }
    absl::Status defined = linker.DefineDynamic(
        import.module, import.name, import.func_type,
        [](Caller&, absl::Span<const Val>, absl::Span<Val>) {
          return absl::UnimplementedError("not available in the benchmark");
        });
    if (!defined.ok() && !absl::IsAlreadyExists(defined)) return defined;
  }
  return linker;
}

struct SdkTimes {
  double compile = 0, instantiate = 0, first_call = 0;
};

// Compile, instantiate and the first call: `run(1)`, a command's _start
// (flite --version), or a reactor's _initialize then ruby-show-version.
absl::StatusOr<SdkTimes> SdkStartup(
    const Engine& engine, const Guest& guest, const std::vector<uint8_t>& bytes,
    std::function<void(Instance&)> after = nullptr) {
  SdkTimes times;
  const double t0 = Seconds();
  WASMHOST_ASSIGN_OR_RETURN(Module module, engine.Compile(bytes));
  const double t1 = Seconds();
  WASMHOST_ASSIGN_OR_RETURN(Linker linker, LinkerFor(module));
  wasi::WasiOptions wasi_options;
  wasi_options.args = {"guest", "--version"};
  WASMHOST_ASSIGN_OR_RETURN(std::unique_ptr<wasi::WasiContext> context,
                            wasi::WasiContext::Create(std::move(wasi_options)));
  InstanceOptions options;
  options.SetContext(context.get());
  WASMHOST_ASSIGN_OR_RETURN(Instance instance,
                            Instance::Create(module, linker, options));
  const double t2 = Seconds();
  if (guest.kind == Guest::kSmall) {
    WASMHOST_ASSIGN_OR_RETURN(auto run,
                              instance.GetFunc<int32_t(int32_t)>("run"));
    WASMHOST_RETURN_IF_ERROR(run.Call(1).status());
  } else if (guest.kind == Guest::kGenerated) {
    WASMHOST_ASSIGN_OR_RETURN(auto run, instance.GetFunc<int32_t()>("run"));
    WASMHOST_RETURN_IF_ERROR(run.Call().status());
  } else if (guest.kind == Guest::kCommand) {
    absl::StatusOr<int> code = wasi::RunCommand(instance);
    if (!code.ok()) return code.status();
  } else {
    WASMHOST_RETURN_IF_ERROR(wasi::InitializeReactor(instance));
    WASMHOST_ASSIGN_OR_RETURN(
        auto show, instance.GetFunc<void()>("ruby-show-version: func() -> ()"));
    WASMHOST_RETURN_IF_ERROR(show.Call());
  }
  const double t3 = Seconds();
  if (after) after(instance);
  times.compile = t1 - t0;
  times.instantiate = t2 - t1;
  times.first_call = t3 - t2;
  return times;
}

void ThrowingCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetIsolate()->ThrowException(
      v8::Exception::Error(Str(info.GetIsolate(), "stub")));
}

struct RawTimes {
  double compile = 0, instantiate = 0;
};

// What a raw V8 embedder does with the same bytes: Compile, then
// `new WebAssembly.Instance` with a function for every import.
RawTimes RawStartup(const Module& described,
                    const std::vector<uint8_t>& bytes) {
  v8::Isolate* isolate = CurrentIsolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = CurrentContext(isolate);
  RawTimes times;
  const double t0 = Seconds();
  v8::Local<v8::WasmModuleObject> module =
      RawCompile(isolate, bytes).ToLocalChecked();
  const double t1 = Seconds();
  v8::Local<v8::Object> imports = v8::Object::New(isolate);
  v8::Local<v8::Function> stub =
      v8::Function::New(context, ThrowingCallback).ToLocalChecked();
  for (const ImportType& import : described.imports()) {
    v8::Local<v8::String> module_name = Str(isolate, import.module.c_str());
    v8::Local<v8::Value> object;
    if (!imports->Get(context, module_name).ToLocal(&object) ||
        !object->IsObject()) {
      object = v8::Object::New(isolate);
      imports->Set(context, module_name, object).Check();
    }
    object.As<v8::Object>()
        ->Set(context, Str(isolate, import.name.c_str()), stub)
        .Check();
  }
  v8::Local<v8::Object> instance =
      RawInstantiate(context, InstanceConstructor(context), module, imports)
          .ToLocalChecked();
  (void)instance;
  times.instantiate = Seconds() - t1;
  times.compile = t1 - t0;
  return times;
}

std::vector<Guest> Guests() {
  std::vector<Guest> guests;
  guests.push_back({"small (startup_small.wat)",
                    std::vector<uint8_t>(startup_small_wasm().begin(),
                                         startup_small_wasm().end()),
                    Guest::kSmall});
  // The reader branch's synthetic modules (lib/wasm/testing), one of
  // each shape, always available.
  guests.push_back(
      {"generated data-heavy",
       wasm::testing::GenerateModule(wasm::testing::DataHeavyOptions()),
       Guest::kGenerated});
  guests.push_back(
      {"generated code-heavy",
       wasm::testing::GenerateModule(wasm::testing::CodeHeavyOptions()),
       Guest::kGenerated});
  for (size_t i = 1; i < guests.size(); ++i) {
    absl::StrAppend(&guests[i].label, " (", guests[i].bytes.size() >> 20,
                    " MB)");
  }
  const char* dir = std::getenv("WASMHOST_BIG_GUESTS_DIR");
  const struct {
    const char* file;
    Guest::Kind kind;
  } big[] = {{"flite.wasm", Guest::kCommand},
             {"ruby.wasm", Guest::kReactor},
             {"ruby+stdlib.wasm", Guest::kReactor}};
  for (const auto& entry : big) {
    std::optional<std::vector<uint8_t>> bytes;
    if (dir != nullptr) bytes = ReadBytes(absl::StrCat(dir, "/", entry.file));
    if (!bytes.has_value()) {
      std::printf(
          "skipped %s: set WASMHOST_BIG_GUESTS_DIR to the directory "
          "./x guests fills (.cache/big-guests)\n",
          entry.file);
      continue;
    }
    guests.push_back(
        {absl::StrCat(entry.file, " (", bytes->size() >> 20, " MB)"),
         *std::move(bytes), entry.kind});
  }
  return guests;
}

uint64_t unique_counter = 0;

void StartupTable(const Engine& engine, const std::vector<Guest>& guests) {
  std::printf(
      "\n== Start-up in one process (lazy tiered default engine), "
      "medians, ms\n");
  std::printf("%-26s %9s %9s %9s %9s | %9s %9s %9s | %6s\n", "guest", "compile",
              "instant.", "1st call", "total", "V8 comp.", "V8 inst.",
              "V8 total", "ratio");
  for (const Guest& guest : guests) {
    const int reps = guest.kind == Guest::kSmall ? 21 : 5;
    const Module described = Must(engine.Compile(guest.bytes), "describe");
    std::vector<double> compile, instantiate, first, total, raw_compile,
        raw_instantiate, raw_total;
    for (int i = 0; i < reps; ++i) {
      const std::vector<uint8_t> bytes = Unique(guest.bytes, ++unique_counter);
      SdkTimes sdk =
          Must(SdkStartup(engine, guest, bytes), guest.label.c_str());
      const std::vector<uint8_t> raw_bytes =
          Unique(guest.bytes, ++unique_counter);
      RawTimes raw = RawStartup(described, raw_bytes);
      compile.push_back(sdk.compile * 1e3);
      instantiate.push_back(sdk.instantiate * 1e3);
      first.push_back(sdk.first_call * 1e3);
      total.push_back((sdk.compile + sdk.instantiate) * 1e3);
      raw_compile.push_back(raw.compile * 1e3);
      raw_instantiate.push_back(raw.instantiate * 1e3);
      raw_total.push_back((raw.compile + raw.instantiate) * 1e3);
    }
    std::printf(
        "%-26s %9.2f %9.2f %9.2f %9.2f | %9.2f %9.2f %9.2f | %5.2fx%s\n",
        guest.label.c_str(), Median(compile), Median(instantiate),
        Median(first), Median(total), Median(raw_compile),
        Median(raw_instantiate), Median(raw_total),
        Median(total) / Median(raw_total),
        Median(total) / Median(raw_total) <= 1.1 ? " ok" : " (>1.1x)");
  }
  std::fflush(stdout);
  std::printf(
      "(total = compile + instantiate, against raw V8's same steps "
      "on the same bytes; the first call is the SDK's only: raw V8 "
      "has no WASI)\n");
}

// Runs this binary with `args`; returns its stdout.
std::string RunSelf(const std::vector<std::string>& args) {
  std::string command = fs::read_symlink("/proc/self/exe").string();
  for (const std::string& arg : args) absl::StrAppend(&command, " '", arg, "'");
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  if (pipe == nullptr) return output;
  char buffer[4096];
  size_t read;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    output.append(buffer, read);
  }
  pclose(pipe);
  return output;
}

// --child=first_call [--eager] [--cache=DIR] FILE: one process's start-up
// of a ruby reactor, then ruby-init (the interpreter's initialisation: the
// process's work, which makes code hot) and 200 calls, printed as one
// line. With a cache, the module is kept until the background writer has
// written its file (at most 60 s).
int ChildMain(const std::string& file, bool eager, const std::string& cache) {
  EngineOptions options;
  options.lazy_compilation = !eager;
  options.code_cache_dir = cache;
  const Engine engine = Must(Engine::Create(options), "Engine::Create");
  std::optional<std::vector<uint8_t>> bytes = ReadBytes(file);
  if (!bytes.has_value()) return 1;
  const Guest guest{file, *bytes, Guest::kReactor};
  std::vector<double> calls;
  double init = 0, write_wait = 0;
  SdkTimes times =
      Must(SdkStartup(engine, guest, *bytes,
                      [&](Instance& instance) {
                        auto ruby_init = Must(
                            instance.GetFunc<void(int32_t, int32_t)>(
                                "ruby-init: func(args: list<string>) -> ()"),
                            "ruby-init");
                        const double t = Seconds();
                        MustOk(ruby_init.Call(0, 0), "ruby-init");
                        init = Seconds() - t;
                        auto show = Must(instance.GetFunc<void()>(
                                             "ruby-show-version: func() -> ()"),
                                         "show");
                        for (int i = 0; i < 200; ++i) {
                          const double call_start = Seconds();
                          MustOk(show.Call(), "show");
                          calls.push_back((Seconds() - call_start) * 1e3);
                        }
                        const double wait_start = Seconds();
                        while (engine.code_cache_stats().pending > 0 &&
                               Seconds() - wait_start < 60) {
                          usleep(20000);
                        }
                        write_wait = Seconds() - wait_start;
                      }),
           "startup");
  std::sort(calls.begin(), calls.end());
  std::printf(
      "compile=%.1f instantiate=%.1f first_call=%.1f "
      "to_first_call=%.1f ruby_init=%.1f later_p50=%.3f "
      "later_p99=%.3f",
      times.compile * 1e3, times.instantiate * 1e3, times.first_call * 1e3,
      (times.compile + times.instantiate + times.first_call) * 1e3, init * 1e3,
      calls[calls.size() / 2], calls[calls.size() * 99 / 100]);
  if (!cache.empty()) {
    const CodeCacheStats stats = engine.code_cache_stats();
    uint64_t size = 0;
    for (const auto& entry : fs::directory_iterator(cache)) {
      size += fs::file_size(entry.path());
    }
    std::printf(" hits=%llu writes=%llu write_wait=%.1f cache_bytes=%llu",
                static_cast<unsigned long long>(stats.hits),
                static_cast<unsigned long long>(stats.writes), write_wait * 1e3,
                static_cast<unsigned long long>(size));
  }
  std::printf("\n");
  return 0;
}

void LazyAgainstEager(const std::vector<Guest>& guests) {
  const char* dir = std::getenv("WASMHOST_BIG_GUESTS_DIR");
  if (dir == nullptr) return;
  for (const char* file : {"ruby.wasm", "ruby+stdlib.wasm"}) {
    const std::string path = absl::StrCat(dir, "/", file);
    if (!fs::exists(path)) continue;
    std::printf("\n== %s, one process each (ms): eager against lazy\n", file);
    for (int rep = 0; rep < 3; ++rep) {
      std::printf("eager: %s",
                  RunSelf({"--child=first_call", "--eager", path}).c_str());
      std::printf("lazy:  %s", RunSelf({"--child=first_call", path}).c_str());
      std::fflush(stdout);
    }
  }
  (void)guests;
}

// The number after "key=" in a child's line, or -1.
double Field(const std::string& line, const std::string& key) {
  for (absl::string_view part : absl::StrSplit(line, ' ')) {
    if (absl::StartsWith(part, key + "=")) {
      return std::atof(std::string(part.substr(key.size() + 1)).c_str());
    }
  }
  return -1;
}

void CodeCacheProcesses() {
  const char* dir = std::getenv("WASMHOST_BIG_GUESTS_DIR");
  if (dir == nullptr) return;
  const std::string path = absl::StrCat(dir, "/ruby+stdlib.wasm");
  if (!fs::exists(path)) return;
  std::printf("\n== ruby+stdlib.wasm with a code cache (lazy tiered; ms)\n");
  std::vector<double> plain, first, warm;
  for (int rep = 0; rep < 3; ++rep) {
    const std::string cache =
        absl::StrCat(fs::temp_directory_path().string(), "/startup_cache_",
                     getpid(), "_", rep);
    fs::create_directories(cache);
    const std::string lines[] = {
        RunSelf({"--child=first_call", path}),
        RunSelf({"--child=first_call", "--cache=" + cache, path}),
        RunSelf({"--child=first_call", "--cache=" + cache, path})};
    std::printf("no cache:      %sfirst process: %swarm process:  %s",
                lines[0].c_str(), lines[1].c_str(), lines[2].c_str());
    std::fflush(stdout);
    plain.push_back(Field(lines[0], "compile"));
    first.push_back(Field(lines[1], "compile"));
    warm.push_back(Field(lines[2], "compile"));
    fs::remove_all(cache);
  }
  std::printf(
      "first process compile %.0f / no cache %.0f = %.2fx (target "
      "<= 1.2x)%s\n",
      Median(first), Median(plain), Median(first) / Median(plain),
      Median(first) <= 1.2 * Median(plain) ? " ok" : "");
  std::printf("warm process compile (a load) %.0f (target <= 300)%s\n",
              Median(warm), Median(warm) <= 300 ? " ok" : "");
}

// Wall time of a shell command, in ms; its stdout in *output.
double TimeCommand(const std::string& command, std::string* output) {
  const double t = Seconds();
  FILE* pipe = popen(command.c_str(), "r");
  output->clear();
  if (pipe != nullptr) {
    char buffer[4096];
    size_t read;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      output->append(buffer, read);
    }
    pclose(pipe);
  }
  return (Seconds() - t) * 1e3;
}

void EndToEnd() {
  const char* dir = std::getenv("WASMHOST_BIG_GUESTS_DIR");
  const char* cli = std::getenv("WASMHOST_CLI");
  if (dir == nullptr || cli == nullptr) {
    std::printf(
        "\nskipped the end-to-end rows: set WASMHOST_BIG_GUESTS_DIR and "
        "WASMHOST_CLI (./x bench does)\n");
    return;
  }
  const std::string flite = absl::StrCat(dir, "/flite.wasm");
  if (!fs::exists(flite)) return;
  const std::string out = absl::StrCat(fs::temp_directory_path().string(),
                                       "/startup_e2e_", getpid());
  fs::create_directories(out + "/sdk");
  fs::create_directories(out + "/node");
  const std::string script = out + "/flite.mjs";
  std::ofstream(script)
      << "import { readFileSync } from 'node:fs';\n"
         "import { WASI } from 'node:wasi';\n"
         "const wasi = new WASI({ version: 'preview1', args: ['flite', "
         "...process.argv.slice(3)], preopens: { '/out': process.argv[2] } "
         "});\n"
         "const module = new WebAssembly.Module(readFileSync('"
      << flite
      << "'));\n"
         "const instance = new WebAssembly.Instance(module, "
         "wasi.getImportObject());\n"
         "process.exitCode = wasi.start(instance);\n";
  const std::string text = "'Start-up benchmark: hello from WebAssembly.'";
  const std::string sdk_command =
      absl::StrCat(cli, " run --dir ", out, "/sdk::/out ", flite, " -t ", text,
                   " -o /out/speech.wav 2>/dev/null");
  const std::string node_command =
      absl::StrCat("node --no-warnings ", script, " ", out, "/node -t ", text,
                   " -o /out/speech.wav 2>/dev/null");
  std::vector<double> sdk, node;
  std::string sdk_out, node_out;
  for (int i = 0; i < 7; ++i) {
    sdk.push_back(TimeCommand(sdk_command, &sdk_out));
    node.push_back(TimeCommand(node_command, &node_out));
  }
  std::ifstream a(out + "/sdk/speech.wav", std::ios::binary),
      b(out + "/node/speech.wav", std::ios::binary);
  const std::string wav_a((std::istreambuf_iterator<char>(a)), {}),
      wav_b((std::istreambuf_iterator<char>(b)), {});
  const bool same = !wav_a.empty() && wav_a == wav_b && sdk_out == node_out;
  std::printf(
      "\n== End to end: flite.wasm -t TEXT -o speech.wav (median of "
      "7 processes, ms)\n");
  std::printf(
      "wasmhost run %.0f  node %.0f  ratio %.2fx%s  output %s (%zu "
      "bytes)\n",
      Median(sdk), Median(node), Median(sdk) / Median(node),
      Median(sdk) <= Median(node) ? " ok" : " (slower than node)",
      same ? "identical" : "DIFFERS", wav_a.size());
  fs::remove_all(out);
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  program_name = "startup_benchmark";
  std::string child, cache, file, only;
  bool eager = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--child=", 0) == 0) {
      child = arg.substr(8);
    } else if (arg.rfind("--only=", 0) == 0) {
      only = arg.substr(7);
    } else if (arg == "--eager") {
      eager = true;
    } else if (arg.rfind("--cache=", 0) == 0) {
      cache = arg.substr(8);
    } else {
      file = arg;
    }
  }
  if (!child.empty()) return ChildMain(file, eager, cache);
  const wasmhost::Engine engine =
      Must(wasmhost::Engine::Create(), "Engine::Create");
  // --only=table|lazy|cache|e2e runs one section.
  auto wanted = [&only](const char* section) {
    return only.empty() || only == section;
  };
  const std::vector<Guest> guests = Guests();
  if (wanted("table")) StartupTable(engine, guests);
  if (wanted("lazy")) LazyAgainstEager(guests);
  if (wanted("cache")) CodeCacheProcesses();
  if (wanted("e2e")) EndToEnd();
  return 0;
}
