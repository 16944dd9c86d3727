// fuzz/rewriter_fuzzer.cc: every rewrite the SDK applies before V8 compiles
// a module (lib/runtime/module.cc: the memory import and the global
// accessors, planned with MemoryImportAdditions and PlanGlobalAccessors and
// applied here one at a time with RewriteSections, TagModule, then
// InjectFuel with fuel metering), checked two ways on every input
// ReadModule accepts:
//
//  1. Structure: each rewrite succeeds or fails with its documented reason;
//     its output re-reads with ReadModule; function/global/table/memory
//     counts and existing exports are kept (the accessors add two
//     functions, the fuel rewrite two functions and a global); the setter
//     covers every defined mutable global.
//  2. Differential, in V8 (raw API, one isolate, set up on the first
//     input): the original compiles if and only if the rewritten module
//     compiles; when the original has no imports and small limits, both are
//     instantiated (the rewritten one given a memory with the original's
//     limits) and every exported function with numeric parameters is
//     called, in order, with arguments generated from the input (the same
//     on both); instantiation outcome, results, trap kinds, the exported
//     memory's hash and exported globals' values must match. The rewritten
//     module is run twice: the fuel left after each call must be the same
//     both times (fuel is deterministic). A watchdog terminates runs longer
//     than 50 ms; such runs are not compared; after a stack overflow (the
//     rewrites change frame sizes) nothing more is compared.
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
#include "lib/wasm/fuel.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/rewriter.h"
#include "lib/wasm/section_rewriter.h"
#include "libplatform/libplatform.h"
#include "v8.h"

namespace {

using wasmhost::wasm::AddedFunction;
using wasmhost::wasm::AddFunctions;
using wasmhost::wasm::FuelRewrite;
using wasmhost::wasm::GlobalAccessors;
using wasmhost::wasm::InjectFuel;
using wasmhost::wasm::MappedBytes;
using wasmhost::wasm::MemoryImportAdditions;
using wasmhost::wasm::ModuleInfo;
using wasmhost::wasm::PlanGlobalAccessors;
using wasmhost::wasm::ReadModule;
using wasmhost::wasm::RewriteSections;
using wasmhost::wasm::SectionAddition;
using wasmhost::wasm::TagModule;

constexpr absl::string_view kMemModule = "wasmhost:internal";
constexpr absl::string_view kMemName = "memory";
constexpr absl::string_view kSetterName = "wasmhost:globals:set";
constexpr absl::string_view kGetterName = "wasmhost:globals:get";
constexpr absl::string_view kFrameTag = "wasmhost-module:0123456789abcdef";

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "rewriter_fuzzer: property violated: %s\n",
               what.c_str());
  std::abort();
}

void Check(bool ok, const std::string& what) {
  if (!ok) Fail(what);
}

// Instantiates a module and calls the exported functions of `names_from`
// (the original module) listed in `sigs` ([name, [param types]] in export
// order) with arguments from a xorshift generator seeded by `seed`; then
// hashes the exported memory and reads the exported globals. With `fuel`
// ([set, get] export names) the fuel left after each call is reported too.
// Returns "<transcript>|<fuel readings>".
constexpr char kHarness[] = R"JS(
(function (mod, names_from, mem, sigs, seed, fuel) {
  const kind = (e) => (e instanceof WebAssembly.RuntimeError) ? 'trap:' + e.message
      : (e instanceof WebAssembly.LinkError) ? 'link'
      : (e instanceof WebAssembly.CompileError) ? 'compile'
      : (e && e.constructor) ? e.constructor.name : String(e);
  const show = (v) => Array.isArray(v) ? '[' + v.map(show).join(',') + ']'
      : (typeof v === 'function') ? 'func'
      : (typeof v === 'bigint') ? v.toString() + 'n'
      : Object.is(v, -0) ? '-0' : String(v);
  let s = (seed >>> 0) || 1;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  const special = [0, 1, -1, 0x7fffffff, -0x80000000, 8, 65535, 65536];
  const arg = (t) => {
    const v = (next() & 3) === 0 ? special[next() % special.length] : (next() | 0);
    if (t === 'i64') return (BigInt(v) << 32n) | BigInt(next());
    if (t === 'f32' || t === 'f64') return v / 8;
    return v;
  };
  let imports = {};
  if (mem !== null) {
    const desc = {initial: mem[0]};
    if (mem[1] >= 0) desc.maximum = mem[1];
    if (mem[2]) desc.shared = true;
    imports = {'wasmhost:internal': {memory: new WebAssembly.Memory(desc)}};
  }
  let inst;
  try { inst = new WebAssembly.Instance(mod, imports); }
  catch (e) { return 'instantiate:' + kind(e) + '|'; }
  const out = ['ok'];
  const fuels = [];
  let overflowed = false;
  for (const [name, params] of sigs) {
    const f = inst.exports[name];
    if (typeof f !== 'function') { out.push(name + ':missing'); continue; }
    const args = params.map(arg);
    try { out.push(name + '=' + show(f(...args))); }
    catch (e) {
      out.push(name + '!' + kind(e));
      // The rewrites change frame sizes: how deep a recursion gets, and so
      // what it wrote, may differ. Stop comparing.
      if (e instanceof RangeError) { overflowed = true; break; }
    }
    if (fuel !== null) fuels.push(show(inst.exports[fuel[1]]()));
  }
  if (!overflowed) {
    for (const d of WebAssembly.Module.exports(names_from)) {
      const x = inst.exports[d.name];
      if (d.kind === 'memory' && x.buffer.byteLength <= (1 << 20)) {
        const bytes = new Uint8Array(x.buffer);
        let h = 2166136261;
        for (let i = 0; i < bytes.length; ++i) h = Math.imul(h ^ bytes[i], 16777619);
        out.push(d.name + '#' + (h >>> 0) + '/' + bytes.length);
      } else if (d.kind === 'global') {
        try { out.push(d.name + ':' + show(x.value)); } catch (e) { out.push(d.name + ':?'); }
      }
    }
  }
  return out.join(';') + '|' + fuels.join(',');
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
                v8::Local<v8::Value> mem, v8::Local<v8::Value> sigs,
                v8::Local<v8::Value> seed, v8::Local<v8::Value> fuel,
                std::string* transcript) {
  v8::Isolate* isolate = v8s.isolate;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> args[] = {mod, names_from, mem, sigs, seed, fuel};
  v8s.watchdog->Arm(std::chrono::milliseconds(50));
  v8::MaybeLocal<v8::Value> result =
      v8s.harness.Get(isolate)->Call(context, context->Global(), 6, args);
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

// The harness's name of a number type; nullptr for the others (lib/wasm
// links without lib/runtime's ValTypeName).
const char* NumberTypeName(wasmhost::ValType t) {
  switch (t) {
    case wasmhost::ValType::kI32:
      return "i32";
    case wasmhost::ValType::kI64:
      return "i64";
    case wasmhost::ValType::kF32:
      return "f32";
    case wasmhost::ValType::kF64:
      return "f64";
    default:
      return nullptr;
  }
}

// [[name, [param type names]], ...]: the exported functions of `info` whose
// parameters are all numbers, in export order.
v8::Local<v8::Array> Signatures(v8::Isolate* isolate,
                                v8::Local<v8::Context> context,
                                const ModuleInfo& info) {
  v8::Local<v8::Array> sigs = v8::Array::New(isolate);
  uint32_t n = 0;
  for (const auto& e : info.exports) {
    if (e.kind != wasmhost::wasm::ExternKind::kFunc) continue;
    const wasmhost::FuncType* type = info.FunctionType(e.index);
    if (type == nullptr) continue;
    v8::Local<v8::Array> params = v8::Array::New(isolate);
    bool numeric = true;
    for (uint32_t i = 0; i < type->params.size(); ++i) {
      const char* name = NumberTypeName(type->params[i]);
      if (name == nullptr) {
        numeric = false;
        break;
      }
      params
          ->Set(context, i,
                v8::String::NewFromUtf8(isolate, name).ToLocalChecked())
          .Check();
    }
    if (!numeric) continue;
    v8::Local<v8::Array> sig = v8::Array::New(isolate, 2);
    sig->Set(context, 0,
             v8::String::NewFromUtf8(isolate, e.name.data(),
                                     v8::NewStringType::kNormal,
                                     static_cast<int>(e.name.size()))
                 .ToLocalChecked())
        .Check();
    sig->Set(context, 1, params).Check();
    sigs->Set(context, n++, sig).Check();
  }
  return sigs;
}

// The part of a harness transcript before the fuel readings.
std::string Behaviour(const std::string& transcript) {
  return transcript.substr(0, transcript.find('|'));
}

void Differential(const std::vector<uint8_t>& original, const ModuleInfo& info,
                  const FuelRewrite& rewritten, uint32_t seed) {
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
      Compile(isolate, rewritten.bytes, &rewritten_error);
  // A valid module must stay valid. The reverse need not hold: the
  // rewrites append locals, globals and functions an invalid module may
  // name (the fuel check's scratch local makes `local.get 1` valid), which
  // is why Engine::Compile validates the original before rewriting it
  // (tests/validation_test.cc); the SDK never rewrites an invalid module.
  if (!a.IsEmpty() && b.IsEmpty()) {
    Fail("original compiles but the rewritten module does not: " +
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
  v8::Local<v8::Value> sigs = Signatures(isolate, context, info);
  v8::Local<v8::Value> seed_value = v8::Number::New(isolate, seed);
  v8::Local<v8::Array> fuel = v8::Array::New(isolate, 2);
  fuel->Set(context, 0,
            v8::String::NewFromUtf8(isolate, rewritten.set_fuel_export.c_str())
                .ToLocalChecked())
      .Check();
  fuel->Set(context, 1,
            v8::String::NewFromUtf8(isolate, rewritten.get_fuel_export.c_str())
                .ToLocalChecked())
      .Check();
  v8::Local<v8::Value> ma = a.ToLocalChecked();
  v8::Local<v8::Value> mb = b.ToLocalChecked();
  std::string ta, tb, tb_again;
  if (!RunHarness(v8s, context, ma, ma, v8::Null(isolate), sigs, seed_value,
                  v8::Null(isolate), &ta)) {
    return;
  }
  if (!RunHarness(v8s, context, mb, ma, mem, sigs, seed_value, fuel, &tb)) {
    return;
  }
  if (Behaviour(ta) != Behaviour(tb)) {
    Fail("behaviour differs:\n  original:  " + ta + "\n  rewritten: " + tb);
  }
  if (!RunHarness(v8s, context, mb, ma, mem, sigs, seed_value, fuel,
                  &tb_again)) {
    return;
  }
  if (tb != tb_again) {
    Fail("fuel or behaviour not deterministic:\n  first:  " + tb +
         "\n  second: " + tb_again);
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
    std::vector<SectionAddition> additions;
    const absl::Status planned =
        MemoryImportAdditions(current, kMemModule, kMemName, &additions);
    if (!planned.ok()) {
      Check(current.memories.size() > 1 || current.imported_memory_count() > 0,
            "MemoryImportAdditions failed on a one-memory module: " +
                std::string(planned.message()));
      return 0;
    }
    MappedBytes out;
    const absl::Status rewritten =
        RewriteSections(bytes, current, additions, &out);
    Check(rewritten.ok(), "the memory import does not apply: " +
                              std::string(rewritten.message()));
    absl::StatusOr<ModuleInfo> reread = ReadModule(out.bytes());
    Check(reread.ok(), "the memory import's output does not re-read: " +
                           std::string(reread.status().message()));
    Check(reread->memories.empty() && reread->memory_count() == 1,
          "memory not turned into an import");
    Check(reread->imports.back().module == kMemModule &&
              reread->imports.back().name == kMemName,
          "memory import not appended last");
    Check(
        reread->imports.back().memory.min == current.memories[0].min &&
            reread->imports.back().memory.max == current.memories[0].max &&
            reread->imports.back().memory.shared == current.memories[0].shared,
        "memory limits changed");
    bytes = out.Release();
    current = std::move(*reread);
  }
  // An existing export named like a rewrite's: the rewrite must refuse it.
  auto has_export_prefix = [&](absl::string_view prefix) {
    for (const auto& e : current.exports) {
      if (absl::string_view(e.name).substr(0, prefix.size()) == prefix) {
        return true;
      }
    }
    return false;
  };
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

  std::vector<AddedFunction> accessor_functions;
  absl::StatusOr<GlobalAccessors> accessors = PlanGlobalAccessors(
      current, kSetterName, kGetterName, &accessor_functions);
  if (!accessors.ok()) {
    Check(has_export_prefix(kSetterName) || has_export_prefix(kGetterName),
          "PlanGlobalAccessors failed without a name clash: " +
              std::string(accessors.status().message()));
    return 0;
  }
  if (accessors->added) {
    std::vector<SectionAddition> additions;
    AddFunctions(current, accessor_functions, &additions);
    MappedBytes out;
    const absl::Status rewritten =
        RewriteSections(bytes, current, additions, &out);
    Check(rewritten.ok(),
          "the accessors do not apply: " + std::string(rewritten.message()));
    std::vector<uint8_t> accessed = out.Release();
    absl::StatusOr<ModuleInfo> reread = ReadModule(accessed);
    Check(reread.ok(), "the accessors' output does not re-read: " +
                           std::string(reread.status().message()));
    Check(reread->function_count() == current.function_count() + 2 &&
              accessors->setter_index == current.function_count() &&
              accessors->getter_index == current.function_count() + 1 &&
              reread->global_count() == current.global_count(),
          "PlanGlobalAccessors: index spaces wrong");
    size_t mutable_globals = 0;
    for (const auto& g : current.globals)
      mutable_globals += g.is_mutable ? 1 : 0;
    Check(accessors->globals.size() == mutable_globals,
          "PlanGlobalAccessors: not every mutable global is covered");
    const wasmhost::FuncType* setter =
        reread->FunctionType(accessors->setter_index);
    const wasmhost::FuncType* getter =
        reread->FunctionType(accessors->getter_index);
    Check(setter != nullptr && setter->params.size() == mutable_globals &&
              setter->results.empty() && getter != nullptr &&
              getter->params.empty() && getter->results == setter->params,
          "PlanGlobalAccessors: wrong accessor types");
    bytes = std::move(accessed);
    current = std::move(*reread);
  } else {
    Check(!accessors->not_added_reason.empty() && accessor_functions.empty(),
          "PlanGlobalAccessors: not added without a reason, or functions "
          "planned");
  }

  absl::StatusOr<std::vector<uint8_t>> tagged = TagModule(bytes, kFrameTag);
  Check(tagged.ok(),
        "TagModule failed: " + std::string(tagged.status().message()));
  absl::StatusOr<ModuleInfo> tagged_info = ReadModule(*tagged);
  Check(tagged_info.ok(), "TagModule output does not re-read: " +
                              std::string(tagged_info.status().message()));
  Check(tagged_info->function_body_offsets.size() ==
                current.function_body_offsets.size() &&
            tagged_info->exports.size() == current.exports.size(),
        "TagModule changed the module");

  absl::StatusOr<FuelRewrite> fuel = InjectFuel(*tagged, *tagged_info);
  if (!fuel.ok()) {
    // Only a malformed body (the module is then invalid, which V8 confirms
    // below) or an export name clash may fail it.
    const bool clash = has_export_prefix("wasmhost:fuel:");
    if (!clash) {
      V8State& v8s = V8();
      v8::Isolate::Scope isolate_scope(v8s.isolate);
      v8::HandleScope handles(v8s.isolate);
      v8::Context::Scope context_scope(v8s.context.Get(v8s.isolate));
      std::string error;
      Check(Compile(v8s.isolate, original, &error).IsEmpty(),
            "InjectFuel failed on a valid module: " +
                std::string(fuel.status().message()));
    }
    return 0;
  }
  absl::StatusOr<ModuleInfo> fuel_info = ReadModule(fuel->bytes);
  Check(fuel_info.ok(), "InjectFuel output does not re-read: " +
                            std::string(fuel_info.status().message()));
  Check(fuel_info->function_count() == tagged_info->function_count() + 2 &&
            fuel_info->global_count() == tagged_info->global_count() + 1 &&
            fuel->fuel_global_index == tagged_info->global_count() &&
            fuel->set_fuel_function == tagged_info->function_count(),
        "InjectFuel: index spaces wrong");
  for (size_t i = 0; i < tagged_info->exports.size(); ++i) {
    Check(fuel_info->exports[i].name == tagged_info->exports[i].name &&
              fuel_info->exports[i].index == tagged_info->exports[i].index,
          "InjectFuel changed an existing export");
  }
  // The generated call arguments come from the input too.
  uint32_t seed = 2166136261u;
  for (uint8_t byte : original) seed = (seed ^ byte) * 16777619u;
  Differential(original, *info, *fuel, seed);
  return 0;
}
