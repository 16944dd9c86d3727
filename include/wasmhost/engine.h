// wasmhost/engine.h: the process-wide WebAssembly engine.
//
//   EngineOptions  how V8 is set up: flags, compile tier, worker threads,
//                  trap handling
//   Engine         V8 itself; compiles modules
//
// V8 can be initialised only once per process, so the first Engine::Create
// sets it up and later calls share that state.

#ifndef WASMHOST_ENGINE_H_
#define WASMHOST_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasmhost/export.h"
#include "wasmhost/limits.h"
#include "wasmhost/module.h"

namespace wasmhost {

namespace internal {
struct EngineState;
}  // namespace internal

// Which of V8's Wasm compilers produce code.
enum class CompileTier : uint8_t {
  // Liftoff (fast baseline compile) first, TurboFan for hot functions.
  kTiered,
  // Liftoff only: the fastest compile, the slowest code.
  kBaseline,
  // TurboFan only: the slowest compile, the fastest code from the first call.
  kOptimized,
};

struct WASMHOST_EXPORT EngineOptions {
  // Extra V8 flags, e.g. "--wasm-max-table-size=1000". Applied after the
  // flags implied by the fields below, so they can override them.
  std::vector<std::string> v8_flags;

  // Default kTiered.
  CompileTier compile_tier = CompileTier::kTiered;

  // Number of V8 background threads (compilation, GC). Default 2.
  // 0 lets V8 choose from the number of cores.
  int worker_threads = 2;

  // Instrument every module to count fuel, so calls can be bounded by
  // CallOptions::fuel. Fuel is charged deterministically (by the
  // instructions of each function and loop body entered), so the same module
  // and inputs use the same fuel on every run and machine. Costs up to
  // ~1.5x on tight loops. Default false.
  bool consume_fuel = false;

  // Directory where compiled code is kept for later processes. Each module
  // is stored keyed by its bytes, the V8 version and the flags; a later
  // Compile of the same bytes loads it instead of compiling. A corrupt,
  // truncated or mismatched file is ignored and replaced. V8 10.2 can only
  // serialise optimised code, so with a cache every module is compiled by
  // TurboFan (as with CompileTier::kOptimized): the first compile is slower,
  // later ones are a load. V8 runs the code it loads, so the directory must
  // be writable only by trusted users. Default empty: no cache.
  std::string code_cache_dir;

  // Use V8's Wasm trap handler: memory bounds are enforced by guard pages
  // and a SIGSEGV handler instead of an explicit check on every access
  // (1.2-1.8x faster memory access). Default true.
  bool trap_handler = true;

  // With trap_handler, install V8's SIGSEGV handler. Hosts that own SIGSEGV
  // set this false and call v8::TryHandleWebAssemblyTrapPosix (from V8's
  // v8-wasm-trap-handler-posix.h) first in their own handler; when it
  // returns true the fault was a Wasm trap and was handled. Default true.
  bool install_signal_handler = true;

  // Bounds on every module Compile accepts (see ModuleLimits).
  ModuleLimits module_limits;

  friend bool operator==(const EngineOptions& a, const EngineOptions& b);
};

// Counters of the code cache; all zero without one.
struct WASMHOST_EXPORT CodeCacheStats {
  uint64_t hits = 0;      // modules loaded from the cache
  uint64_t misses = 0;    // modules not in the cache (compiled and stored)
  uint64_t rejected = 0;  // cache files that failed verification
  uint64_t writes = 0;    // cache files written
};

// The engine. Copies share one process-wide state and are cheap.
// Thread-safe.
class WASMHOST_EXPORT Engine {
 public:
  // Initialises V8 with `options` on the first call in the process. A later
  // call with equal options returns an Engine sharing that state.
  // Returns:
  //   InvalidArgument    an option is out of range, a V8 flag is unknown,
  //                      or code_cache_dir is set with a compile tier
  //                      other than kTiered or kOptimized
  //   FailedPrecondition V8 was already initialised with different options
  [[nodiscard]] static absl::StatusOr<Engine> Create(
      const EngineOptions& options = {});

  // Validates and compiles `bytes` (a core Wasm module). The bytes are
  // copied; the Module can be used from any thread.
  // Returns:
  //   InvalidArgument  the bytes are not a valid module; the message gives
  //                    the byte offset and the reason
  //   ResourceExhausted the module is over one of options().module_limits
  //                    (the message names it), or the host's rewrites
  //                    (with consume_fuel, the fuel counter and its
  //                    accessors) would take it past V8's limits (100,000
  //                    exports, 1,000,000 functions or globals)
  [[nodiscard]] absl::StatusOr<Module> Compile(
      absl::Span<const uint8_t> bytes) const;

  [[nodiscard]] const EngineOptions& options() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;

  [[nodiscard]] CodeCacheStats code_cache_stats() const;

  // Instances and leases destroyed on a thread other than their own since
  // the process started. Each was handed back to its own thread and freed
  // there (see "Threads and lifetimes" in wasmhost.h); a count above zero
  // is an embedder bug worth logging.
  [[nodiscard]] uint64_t foreign_thread_destructions() const;

 private:
  explicit Engine(const internal::EngineState* state) : state_(state) {}

  // Process-wide, never freed (V8 cannot be set up twice).
  const internal::EngineState* state_;
};

}  // namespace wasmhost

#endif  // WASMHOST_ENGINE_H_
