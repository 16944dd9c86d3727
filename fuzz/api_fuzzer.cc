// fuzz/api_fuzzer.cc: arbitrary bytes through the public API, as an
// embedder with untrusted modules would use it: Engine::Compile, then
// Instance::Create with a Linker that grants every function the module
// imports (DefineDynamic with the import's type; each host function returns
// generated values, sometimes an error, and may read and write the caller's
// memory) and a 16 MiB memory limit, then a call of every exported function
// with generated arguments and a 20 ms deadline through the dynamic Func
// API. The generated values come from a generator seeded by the input.
// Bad input, link errors, traps, host errors and deadlines must come back
// as statuses; anything else (crash, ASan/UBSan report, leak, abort) is a
// finding, as are results of the wrong arity or type, and a host error
// that does not fail the call that caused it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
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

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "api_fuzzer: property violated: %s\n", what.c_str());
  std::abort();
}

// xorshift64: the generated arguments, host results and host behaviour.
class Generator {
 public:
  explicit Generator(uint64_t seed) : state_(seed | 1) {}
  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  // Edge values a quarter of the time.
  wasmhost::Val Value(wasmhost::ValType type) {
    static constexpr uint64_t kSpecial[] = {0,
                                            1,
                                            ~uint64_t{0},
                                            0x7fffffff,
                                            0x80000000,
                                            0x7fffffffffffffff,
                                            0x8000000000000000,
                                            0x7ff8000000000000 /* NaN */,
                                            65536};
    uint64_t bits = Next();
    if ((bits & 3) == 0) bits = kSpecial[Next() % std::size(kSpecial)];
    if (type == wasmhost::ValType::kI32 || type == wasmhost::ValType::kF32) {
      bits &= 0xffffffff;
    }
    return wasmhost::Val::FromBits(type, bits);
  }

 private:
  uint64_t state_;
};

// Per input: the generator the host functions draw from and how many host
// errors they returned.
struct HostState {
  Generator gen{1};
  int errors = 0;
};
HostState* g_host = nullptr;

// Grants every function import of `module` whose type has only numbers.
wasmhost::Linker LinkerFor(const wasmhost::Module& module) {
  wasmhost::Linker linker;
  for (const wasmhost::ImportType& import : module.imports()) {
    if (import.kind != wasmhost::ExternKind::kFunc) continue;
    bool numeric = true;
    for (wasmhost::ValType t : import.func_type.params) numeric &= IsNumber(t);
    for (wasmhost::ValType t : import.func_type.results) numeric &= IsNumber(t);
    if (!numeric) continue;
    // A module may import the same name twice (then with one type).
    (void)linker.DefineDynamic(
        import.module, import.name, import.func_type,
        [](wasmhost::Caller& caller, absl::Span<const wasmhost::Val> args,
           absl::Span<wasmhost::Val> results) -> absl::Status {
          HostState& host = *g_host;
          const uint64_t choice = host.gen.Next() % 16;
          if (choice == 0) {
            ++host.errors;
            return absl::InternalError("api_fuzzer: generated host error");
          }
          if (choice == 1 && !args.empty()) {
            // Touch the caller's memory where the guest points.
            wasmhost::Memory memory = caller.memory();
            const uint64_t offset = args[0].bits() & 0xffffffff;
            uint8_t byte = 0;
            if (memory.Read(offset, absl::MakeSpan(&byte, 1)).ok()) {
              ++byte;
              (void)memory.Write(offset, absl::MakeConstSpan(&byte, 1));
            }
          }
          for (size_t i = 0; i < results.size(); ++i) {
            results[i] = host.gen.Value(results[i].type());
          }
          return absl::OkStatus();
        });
  }
  return linker;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const wasmhost::Engine& engine = TheEngine();
  absl::StatusOr<wasmhost::Module> module =
      engine.Compile(absl::MakeConstSpan(data, size));
  if (!module.ok()) return 0;

  uint64_t seed = 14695981039346656037u;
  for (size_t i = 0; i < size; ++i) seed = (seed ^ data[i]) * 1099511628211u;
  HostState host;
  host.gen = Generator(seed);
  g_host = &host;
  wasmhost::Linker linker = LinkerFor(*module);
  wasmhost::InstanceOptions options;
  options.limits.max_memory_bytes = 16 << 20;
  options.start_call =
      wasmhost::CallOptions::WithTimeout(absl::Milliseconds(20));
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
      args.push_back(IsNumber(t) ? host.gen.Value(t)
                                 : wasmhost::Val::FromBits(t, 0));
    }
    if (!callable) continue;
    const int errors_before = host.errors;
    absl::StatusOr<std::vector<wasmhost::Val>> results = func->Call(
        wasmhost::CallOptions::WithTimeout(absl::Milliseconds(20)), args);
    if (results.ok()) {
      if (host.errors != errors_before) {
        Fail(e.name + ": a host function failed but the call succeeded");
      }
      if (results->size() != func->type().results.size()) {
        Fail(e.name + ": " + std::to_string(results->size()) + " results for " +
             func->type().ToString());
      }
      for (size_t i = 0; i < results->size(); ++i) {
        if ((*results)[i].type() != func->type().results[i]) {
          Fail(e.name + ": result " + std::to_string(i) +
               " has the wrong type");
        }
      }
    }
    if (instance->poisoned()) break;
  }
  // The memory view must agree with the limit.
  if (instance->memory().size() > (16u << 20)) {
    Fail("memory of " + std::to_string(instance->memory().size()) +
         " bytes over the limit");
  }
  g_host = nullptr;
  return 0;
}
