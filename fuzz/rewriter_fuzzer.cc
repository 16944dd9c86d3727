// fuzz/rewriter_fuzzer.cc: the rewrites the SDK applies before V8 compiles a
// module (lib/wasm/rewriter.h), checked two ways on every input ReadModule
// accepts:
//
//  1. Structure: ImportDefinedMemory then ExportMutableGlobals (in the
//     SDK's order, lib/runtime/module.cc RewriteForHost) must succeed or
//     fail with a status, their output must re-read with ReadModule, keep
//     the function/global/table counts and exports, and ExportMutableGlobals
//     must be idempotent.
//  2. Differential, in V8 (raw API, one isolate, set up on the first
//     input): the original compiles if and only if the rewritten module
//     compiles; when the original has no imports and small limits, both are
//     instantiated (the rewritten one given a memory with the original's
//     limits) and every zero-parameter exported function of the original is
//     called on both in order; instantiation outcome, results and trap kinds
//     must match. A watchdog terminates runs longer than 50 ms; such runs
//     are not compared.
//
// A violated property aborts (libFuzzer saves the input).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "fuzz/sanitizer_options.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/rewriter.h"
#include "libplatform/libplatform.h"
#include "v8.h"

namespace {

using wasmhost::wasm::ExportMutableGlobals;
using wasmhost::wasm::ImportDefinedMemory;
using wasmhost::wasm::ModuleInfo;
using wasmhost::wasm::ReadModule;

constexpr absl::string_view kMemModule = "wasmhost:internal";
constexpr absl::string_view kMemName = "memory";
constexpr absl::string_view kGlobalPrefix = "wasmhost:global:";

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "rewriter_fuzzer: property violated: %s\n",
               what.c_str());
  std::abort();
}

void Check(bool ok, const std::string& what) {
  if (!ok) Fail(what);
}

// Instantiates a module and calls the zero-parameter function exports of
// `names_from` (the original module) in order; returns a transcript.
constexpr char kHarness[] = R"JS(
(function (mod, names_from, mem) {
  const kind = (e) => (e instanceof WebAssembly.RuntimeError) ? 'trap:' + e.message
      : (e instanceof WebAssembly.LinkError) ? 'link'
      : (e instanceof WebAssembly.CompileError) ? 'compile'
      : (e && e.constructor) ? e.constructor.name : String(e);
  const show = (v) => Array.isArray(v) ? '[' + v.map(show).join(',') + ']'
      : (typeof v === 'function') ? 'func'
      : (typeof v === 'bigint') ? v.toString() + 'n'
      : Object.is(v, -0) ? '-0' : String(v);
  let imports = {};
  if (mem !== null) {
    const desc = {initial: mem[0]};
    if (mem[1] >= 0) desc.maximum = mem[1];
    if (mem[2]) desc.shared = true;
    imports = {'wasmhost:internal': {memory: new WebAssembly.Memory(desc)}};
  }
  let inst;
  try { inst = new WebAssembly.Instance(mod, imports); }
  catch (e) { return 'instantiate:' + kind(e); }
  const out = ['ok'];
  for (const d of WebAssembly.Module.exports(names_from)) {
    if (d.kind !== 'function') continue;
    const f = inst.exports[d.name];
    if (typeof f !== 'function' || f.length !== 0) continue;
    try { out.push(d.name + '=' + show(f())); }
    catch (e) { out.push(d.name + '!' + kind(e)); }
  }
  return out.join(';');
})
)JS";

// Terminates the isolate's JS/Wasm when an armed deadline passes.
class Watchdog {
 public:
  explicit Watchdog(v8::Isolate* isolate)
      : isolate_(isolate), thread_([this] { Run(); }) {}

  void Arm(std::chrono::milliseconds timeout) {
    std::lock_guard<std::mutex> lock(mu_);
    deadline_ = std::chrono::steady_clock::now() + timeout;
    armed_ = true;
    fired_ = false;
    cv_.notify_all();
  }
  // Returns whether the deadline fired while armed.
  bool Disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
    return fired_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (!armed_) {
        cv_.wait(lock);
        continue;
      }
      if (cv_.wait_until(lock, deadline_) == std::cv_status::timeout &&
          armed_ && std::chrono::steady_clock::now() >= deadline_) {
        isolate_->TerminateExecution();
        fired_ = true;
        armed_ = false;
      }
    }
  }

  v8::Isolate* isolate_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::chrono::steady_clock::time_point deadline_;
  bool armed_ = false;
  bool fired_ = false;
  std::thread thread_;
};

struct V8State {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator;
  v8::Isolate* isolate = nullptr;
  v8::Global<v8::Context> context;
  v8::Global<v8::Function> harness;
  Watchdog* watchdog = nullptr;
};

// Set up on the first input rather than in LLVMFuzzerInitialize: libFuzzer
// installs its SIGSEGV handler after LLVMFuzzerInitialize, and V8's trap
// handler must come after it so that a fault outside Wasm code goes back to
// libFuzzer (which then saves the input) instead of killing the process.
V8State& V8() {
  static V8State* state = [] {
    auto* s = new V8State;
    // Liftoff only: deterministic code for both modules (no tier-up in the
    // middle of a comparison), and fast to compile.
    const char flags[] = "--liftoff --no-wasm-tier-up --stack-size=500";
    v8::V8::SetFlagsFromString(flags, sizeof(flags) - 1);
    if (!v8::V8::EnableWebAssemblyTrapHandler(true)) Fail("trap handler");
    v8::V8::InitializeICU();
    static std::unique_ptr<v8::Platform> platform =
        v8::platform::NewDefaultPlatform(1);
    v8::V8::InitializePlatform(platform.get());
    v8::V8::Initialize();
    s->allocator.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = s->allocator.get();
    s->isolate = v8::Isolate::New(params);
    v8::Isolate::Scope isolate_scope(s->isolate);
    v8::HandleScope handles(s->isolate);
    v8::Local<v8::Context> context = v8::Context::New(s->isolate);
    v8::Context::Scope context_scope(context);
    v8::Local<v8::String> source =
        v8::String::NewFromUtf8(s->isolate, kHarness).ToLocalChecked();
    v8::Local<v8::Value> fn = v8::Script::Compile(context, source)
                                  .ToLocalChecked()
                                  ->Run(context)
                                  .ToLocalChecked();
    s->context.Reset(s->isolate, context);
    s->harness.Reset(s->isolate, fn.As<v8::Function>());
    s->watchdog = new Watchdog(s->isolate);
    return s;
  }();
  return *state;
}

std::string Message(v8::Isolate* isolate, v8::TryCatch& try_catch) {
  if (!try_catch.HasCaught()) return "(no exception)";
  v8::String::Utf8Value text(isolate, try_catch.Exception());
  return *text ? *text : "(exception)";
}

v8::MaybeLocal<v8::WasmModuleObject> Compile(v8::Isolate* isolate,
                                             const std::vector<uint8_t>& b,
                                             std::string* error) {
  v8::TryCatch try_catch(isolate);
  v8::MaybeLocal<v8::WasmModuleObject> m = v8::WasmModuleObject::Compile(
      isolate, v8::MemorySpan<const uint8_t>(b.data(), b.size()));
  if (m.IsEmpty()) *error = Message(isolate, try_catch);
  return m;
}

// Runs the harness; returns false if the watchdog stopped it.
bool RunHarness(V8State& v8s, v8::Local<v8::Context> context,
                v8::Local<v8::Value> mod, v8::Local<v8::Value> names_from,
                v8::Local<v8::Value> mem, std::string* transcript) {
  v8::Isolate* isolate = v8s.isolate;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> args[] = {mod, names_from, mem};
  v8s.watchdog->Arm(std::chrono::milliseconds(50));
  v8::MaybeLocal<v8::Value> result =
      v8s.harness.Get(isolate)->Call(context, context->Global(), 3, args);
  const bool fired = v8s.watchdog->Disarm();
  if (fired || try_catch.HasTerminated() || isolate->IsExecutionTerminating()) {
    isolate->CancelTerminateExecution();
    return false;
  }
  if (result.IsEmpty()) {
    // Only a harness bug or an out-of-memory throw gets here.
    *transcript = "harness:" + Message(isolate, try_catch);
    return true;
  }
  v8::String::Utf8Value text(isolate, result.ToLocalChecked());
  *transcript = *text ? *text : "";
  return true;
}

void Differential(const std::vector<uint8_t>& original,
                  const ModuleInfo& info,
                  const std::vector<uint8_t>& rewritten) {
  V8State& v8s = V8();
  v8::Isolate* isolate = v8s.isolate;
  v8::Isolate::Scope isolate_scope(isolate);
  v8::HandleScope handles(isolate);
  v8::Local<v8::Context> context = v8s.context.Get(isolate);
  v8::Context::Scope context_scope(context);

  std::string original_error, rewritten_error;
  v8::MaybeLocal<v8::WasmModuleObject> a =
      Compile(isolate, original, &original_error);
  v8::MaybeLocal<v8::WasmModuleObject> b =
      Compile(isolate, rewritten, &rewritten_error);
  if (a.IsEmpty() != b.IsEmpty()) {
    Fail(a.IsEmpty()
             ? "rewritten module compiles but the original does not: " +
                   original_error
             : "original compiles but the rewritten module does not: " +
                   rewritten_error);
  }
  if (a.IsEmpty()) return;

  // Instantiate only self-contained modules with small memories and tables.
  if (!info.imports.empty()) return;
  for (const auto& m : info.memories) {
    if (m.min > 256) return;
  }
  for (const auto& t : info.tables) {
    if (t.limits.min > 100000) return;
  }
  v8::Local<v8::Value> mem = v8::Null(isolate);
  if (!info.memories.empty()) {
    const auto& limits = info.memories[0];
    v8::Local<v8::Array> desc = v8::Array::New(isolate, 3);
    desc->Set(context, 0, v8::Number::New(isolate, limits.min)).Check();
    desc->Set(context, 1,
              v8::Number::New(isolate, limits.max ? double(*limits.max) : -1))
        .Check();
    desc->Set(context, 2, v8::Boolean::New(isolate, limits.shared)).Check();
    mem = desc;
  }
  v8::Local<v8::Value> ma = a.ToLocalChecked();
  v8::Local<v8::Value> mb = b.ToLocalChecked();
  std::string ta, tb;
  if (!RunHarness(v8s, context, ma, ma, v8::Null(isolate), &ta)) return;
  if (!RunHarness(v8s, context, mb, ma, mem, &tb)) return;
  if (ta != tb) {
    Fail("behaviour differs:\n  original:  " + ta + "\n  rewritten: " + tb);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> original(data, data + size);
  absl::StatusOr<ModuleInfo> info = ReadModule(original);
  if (!info.ok()) return 0;

  // The SDK's order: memory first, then globals on the re-read module.
  std::vector<uint8_t> bytes = original;
  ModuleInfo current = *info;
  if (!current.memories.empty()) {
    absl::StatusOr<std::vector<uint8_t>> out =
        ImportDefinedMemory(bytes, current, kMemModule, kMemName);
    if (!out.ok()) {
      Check(current.memories.size() > 1 || current.imported_memory_count() > 0,
            "ImportDefinedMemory failed on a one-memory module: " +
                std::string(out.status().message()));
      return 0;
    }
    absl::StatusOr<ModuleInfo> reread = ReadModule(*out);
    Check(reread.ok(), "ImportDefinedMemory output does not re-read: " +
                           std::string(reread.status().message()));
    Check(reread->memories.empty() && reread->memory_count() == 1,
          "memory not turned into an import");
    Check(reread->imports.back().module == kMemModule &&
              reread->imports.back().name == kMemName,
          "memory import not appended last");
    Check(reread->imports.back().memory.min == current.memories[0].min &&
              reread->imports.back().memory.max == current.memories[0].max &&
              reread->imports.back().memory.shared ==
                  current.memories[0].shared,
          "memory limits changed");
    bytes = std::move(*out);
    current = std::move(*reread);
  }
  absl::StatusOr<std::vector<uint8_t>> out =
      ExportMutableGlobals(bytes, current, kGlobalPrefix);
  if (out.ok()) {
    absl::StatusOr<ModuleInfo> reread = ReadModule(*out);
    Check(reread.ok(), "ExportMutableGlobals output does not re-read: " +
                           std::string(reread.status().message()));
    absl::StatusOr<std::vector<uint8_t>> again =
        ExportMutableGlobals(*out, *reread, kGlobalPrefix);
    Check(again.ok() && *again == *out, "ExportMutableGlobals not idempotent");
    bytes = std::move(*out);
    current = std::move(*reread);
  } else {
    // Only a clash with an existing export name may fail the rewrite.
    bool clash = false;
    for (const auto& e : current.exports) {
      clash = clash || absl::string_view(e.name).substr(0, kGlobalPrefix.size()) == kGlobalPrefix;
    }
    Check(clash, "ExportMutableGlobals failed without a name clash: " +
                     std::string(out.status().message()));
    return 0;
  }
  Check(current.function_count() == info->function_count() &&
            current.global_count() == info->global_count() &&
            current.table_count() == info->table_count() &&
            current.memory_count() == info->memory_count() &&
            current.function_body_offsets.size() ==
                info->function_body_offsets.size(),
        "index spaces changed");
  Check(current.exports.size() >= info->exports.size(), "exports lost");
  for (size_t i = 0; i < info->exports.size(); ++i) {
    Check(current.exports[i].name == info->exports[i].name &&
              current.exports[i].kind == info->exports[i].kind &&
              current.exports[i].index == info->exports[i].index,
          "existing export changed");
  }
  Differential(original, *info, bytes);
  return 0;
}
