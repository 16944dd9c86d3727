// fuzz/api_fuzzer.cc: arbitrary bytes through the public API, as an
// embedder with untrusted modules would use it: Engine::Compile, then
// Instance::Create with an empty Linker and a 16 MiB memory limit, then a
// call of every exported function with zero arguments and a 20 ms deadline
// through the dynamic Func API. Bad input, link errors, traps and deadlines
// must come back as statuses; anything else (crash, ASan/UBSan report,
// leak, abort) is a finding.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "fuzz/sanitizer_options.h"
#include "wasmhost/wasmhost.h"

namespace {

// Created on the first input, not in LLVMFuzzerInitialize: V8's trap
// handler must be installed after libFuzzer's SIGSEGV handler so that it
// hands faults outside Wasm back to libFuzzer (see rewriter_fuzzer.cc).
const wasmhost::Engine& TheEngine() {
  static const wasmhost::Engine* engine = [] {
    wasmhost::EngineOptions options;
    options.worker_threads = 1;
    absl::StatusOr<wasmhost::Engine> e = wasmhost::Engine::Create(options);
    if (!e.ok()) {
      std::fprintf(stderr, "api_fuzzer: Engine::Create: %s\n",
                   e.status().ToString().c_str());
      std::abort();
    }
    return new wasmhost::Engine(*std::move(e));
  }();
  return *engine;
}

bool IsNumber(wasmhost::ValType t) {
  using wasmhost::ValType;
  return t == ValType::kI32 || t == ValType::kI64 || t == ValType::kF32 ||
         t == ValType::kF64;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const wasmhost::Engine& engine = TheEngine();
  absl::StatusOr<wasmhost::Module> module =
      engine.Compile(absl::MakeConstSpan(data, size));
  if (!module.ok()) return 0;

  wasmhost::Linker linker;
  wasmhost::InstanceOptions options;
  options.limits.max_memory_bytes = 16 << 20;
  options.start_call = wasmhost::CallOptions::WithTimeout(absl::Milliseconds(20));
  absl::StatusOr<wasmhost::Instance> instance =
      wasmhost::Instance::Create(*module, linker, options);
  if (!instance.ok()) return 0;

  for (const wasmhost::ExportType& e : module->exports()) {
    if (e.kind != wasmhost::ExternKind::kFunc) continue;
    absl::StatusOr<wasmhost::Func> func = instance->GetFunc(e.name);
    if (!func.ok()) continue;
    std::vector<wasmhost::Val> args;
    bool callable = true;
    for (wasmhost::ValType t : func->type().params) {
      callable = callable && IsNumber(t);
      args.push_back(wasmhost::Val::FromBits(t, 0));
    }
    if (!callable) continue;
    absl::StatusOr<std::vector<wasmhost::Val>> results = func->Call(
        args, wasmhost::CallOptions::WithTimeout(absl::Milliseconds(20)));
    if (results.ok() && results->size() != func->type().results.size()) {
      std::fprintf(stderr, "api_fuzzer: %s returned %zu values for %s\n",
                   e.name.c_str(), results->size(),
                   func->type().ToString().c_str());
      std::abort();
    }
    if (instance->poisoned()) break;
  }
  // The memory view must agree with the limit.
  if (instance->memory().size() > (16u << 20)) {
    std::fprintf(stderr, "api_fuzzer: memory of %llu bytes over the limit\n",
                 static_cast<unsigned long long>(instance->memory().size()));
    std::abort();
  }
  return 0;
}
