// fuzz/differential_fuzzer.cc: the SDK's verdict on a module against V8's.
// Each input is compiled by Engine::Compile (ModuleLimits off, so size
// limits are not a reason to refuse) and by V8 itself
// (v8::WasmModuleObject::Compile on the raw bytes, in the same isolate and
// with the same flags, through the SDK's per-thread isolate). Findings,
// each an abort:
//   - the SDK accepts a module V8 rejects, or rejects one V8 accepts (the
//     SDK's own reader, scanner and rewrites must agree with V8's
//     validator; kDocumentedRefusals lists the exceptions: V8 10.2's
//     acceptance of the non-spec section ids 14-19);
//   - the SDK refuses an invalid module with a code other than
//     InvalidArgument;
//   - for a module both accept, the SDK's import or export list (module,
//     name, kind, in order) differs from WebAssembly.Module.imports/exports.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "fuzz/sanitizer_options.h"
#include "lib/v8/thread_isolate.h"
#include "v8.h"
#include "wasmhost/wasmhost.h"

namespace {

// Messages of SDK refusals of V8-valid modules that are documented
// behaviour; every other disagreement is a finding.
constexpr const char* kDocumentedRefusals[] = {
    // V8 10.2 accepts section ids 14-19, its internal codes for the custom
    // sections it knows (name, sourceMappingURL, debug info, external debug
    // info, compilation hints, branch hints); the spec has no such ids and
    // the SDK's reader refuses them. Found by this fuzzer (2026-12-06).
    "unknown section id 14", "unknown section id 15", "unknown section id 16",
    "unknown section id 17", "unknown section id 18", "unknown section id 19",
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "differential_fuzzer: property violated: %s\n",
               what.c_str());
  std::abort();
}

// Created on the first input, after libFuzzer's SIGSEGV handler (see
// rewriter_fuzzer.cc). ModuleLimits all 0: no limit.
const wasmhost::Engine& TheEngine() {
  static const wasmhost::Engine* engine = [] {
    wasmhost::EngineOptions options;
    options.worker_threads = 1;
    wasmhost::ModuleLimits& limits = options.module_limits;
    limits.max_module_bytes = 0;
    limits.max_functions = 0;
    limits.max_function_body_bytes = 0;
    limits.max_function_locals = 0;
    limits.max_nesting_depth = 0;
    limits.max_imports = 0;
    limits.max_exports = 0;
    absl::StatusOr<wasmhost::Engine> e = wasmhost::Engine::Create(options);
    if (!e.ok()) Fail("Engine::Create: " + e.status().ToString());
    return new wasmhost::Engine(*std::move(e));
  }();
  return *engine;
}

// V8's kind names, as WebAssembly.Module.imports/exports report them.
const char* V8KindName(wasmhost::ExternKind kind) {
  switch (kind) {
    case wasmhost::ExternKind::kFunc:
      return "function";
    case wasmhost::ExternKind::kTable:
      return "table";
    case wasmhost::ExternKind::kMemory:
      return "memory";
    case wasmhost::ExternKind::kGlobal:
      return "global";
    case wasmhost::ExternKind::kTag:
      return "tag";
  }
  return "?";
}

std::string SdkInterface(const wasmhost::Module& module) {
  std::string out = "imports:";
  for (const wasmhost::ImportType& i : module.imports()) {
    absl::StrAppend(&out, i.module.size(), ":", i.module, ".", i.name.size(),
                    ":", i.name, "=", V8KindName(i.kind), ";");
  }
  out += " exports:";
  for (const wasmhost::ExportType& e : module.exports()) {
    absl::StrAppend(&out, e.name.size(), ":", e.name, "=", V8KindName(e.kind),
                    ";");
  }
  return out;
}

// The same listing from V8's own WebAssembly.Module.imports/exports.
constexpr char kListing[] = R"JS(
(function (m) {
  let out = 'imports:';
  // UTF-8 byte length (the context has no TextEncoder).
  const len = (s) => unescape(encodeURIComponent(s)).length;
  for (const i of WebAssembly.Module.imports(m)) {
    out += len(i.module) + ':' + i.module + '.' + len(i.name) + ':' + i.name + '=' + i.kind + ';';
  }
  out += ' exports:';
  for (const e of WebAssembly.Module.exports(m)) {
    out += len(e.name) + ':' + e.name + '=' + e.kind + ';';
  }
  return out;
})
)JS";

struct V8Verdict {
  bool valid = false;
  std::string error;      // when !valid
  std::string interface;  // when valid
};

V8Verdict AskV8(absl::Span<const uint8_t> bytes) {
  wasmhost::v8backend::ThreadIsolate& thread =
      wasmhost::v8backend::ThreadIsolate::Current();
  v8::Isolate* isolate = thread.isolate();
  v8::HandleScope handles(isolate);
  v8::Local<v8::Context> context = thread.context();
  v8::Context::Scope context_scope(context);
  static v8::Global<v8::Function>* listing = [&] {
    v8::Local<v8::Value> fn =
        v8::Script::Compile(
            context,
            v8::String::NewFromUtf8(isolate, kListing).ToLocalChecked())
            .ToLocalChecked()
            ->Run(context)
            .ToLocalChecked();
    return new v8::Global<v8::Function>(isolate, fn.As<v8::Function>());
  }();
  V8Verdict verdict;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::WasmModuleObject> module;
  if (!v8::WasmModuleObject::Compile(
           isolate, v8::MemorySpan<const uint8_t>(bytes.data(), bytes.size()))
           .ToLocal(&module)) {
    v8::String::Utf8Value text(isolate, try_catch.Exception());
    verdict.error = *text ? *text : "(no message)";
    return verdict;
  }
  verdict.valid = true;
  v8::Local<v8::Value> args[] = {module};
  v8::Local<v8::Value> result;
  if (!listing->Get(isolate)
           ->Call(context, v8::Undefined(isolate), 1, args)
           .ToLocal(&result)) {
    v8::String::Utf8Value text(isolate, try_catch.Exception());
    Fail(std::string("listing failed: ") + (*text ? *text : "?"));
  }
  // Names may hold NUL bytes: take the length, not a C string.
  v8::String::Utf8Value text(isolate, result);
  if (*text != nullptr) verdict.interface.assign(*text, text.length());
  return verdict;
}

bool Documented(const absl::Status& status) {
  for (const char* message : kDocumentedRefusals) {
    if (status.message().find(message) != absl::string_view::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::Span<const uint8_t> bytes(data, size);
  absl::StatusOr<wasmhost::Module> module = TheEngine().Compile(bytes);
  const V8Verdict v8 = AskV8(bytes);
  if (module.ok() && !v8.valid) {
    Fail("the SDK accepts a module V8 rejects: " + v8.error);
  }
  if (!module.ok() && v8.valid && !Documented(module.status())) {
    Fail("the SDK rejects a module V8 accepts: " + module.status().ToString());
  }
  if (!module.ok() && !v8.valid &&
      module.status().code() != absl::StatusCode::kInvalidArgument) {
    Fail("an invalid module is refused with " + module.status().ToString() +
         "; V8: " + v8.error);
  }
  if (module.ok()) {
    const std::string sdk = SdkInterface(*module);
    if (sdk != v8.interface) {
      Fail("interfaces differ:\n  SDK: " + absl::CHexEscape(sdk) +
           "\n  V8:  " + absl::CHexEscape(v8.interface));
    }
  }
  return 0;
}
