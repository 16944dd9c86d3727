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

  // Compile each function (with the compile_tier's compiler) on its first
  // call instead of every function in Compile (V8's
  // --wasm-lazy-compilation). Compile still validates the whole module, so
  // a lazily compiled function never fails to compile later. Works with
  // pools (another thread's first call compiles the function once for
  // every isolate), the code cache, fuel and backtraces.
  // Default true, chosen with benchmarks/startup_benchmark (numbers in
  // benchmarks/README.md; a loaded 2-core machine, one process per run):
  // Compile + instantiate + first call of ruby.wasm (16 MB, 11 MB of code)
  // took 0.33-0.63 s lazily against 1.76-1.91 s eagerly (ruby+stdlib.wasm:
  // 0.74-0.84 s against 1.78-2.59 s). The functions a request meets first
  // then cost a Liftoff compile each, once per process (ruby's own
  // initialisation ran up to 0.5 s longer), and later calls were as fast
  // (p50 and p99 equal). A server serves sooner and its steady state is
  // the same; one whose first requests' p99 must stay flat sets this false
  // or warms its pool up, at the cost of a slower start.
  bool lazy_compilation = true;

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
  // is stored keyed by its bytes, the V8 version and flags, and consume_fuel;
  // a later Compile of the same bytes loads it instead of validating,
  // rewriting and compiling it (ruby+stdlib.wasm, 34 MB: 0.16-0.34 s
  // instead of 0.46-0.71 s on a loaded 2-core machine).
  // A corrupt, truncated or mismatched file is ignored and replaced. V8
  // 10.2 serialises only TurboFan code (other functions are recorded to be
  // compiled on their first call), so with kTiered Compile is as fast as
  // without a cache and a background thread writes the file once V8 has
  // optimised some of the module's code, i.e. once it has run for a while
  // (CodeCacheStats::pending counts modules waiting for that; one dropped
  // before is not written). With kOptimized and lazy_compilation false the
  // file is written by Compile. kBaseline cannot be cached. V8 runs the
  // code it loads, so the directory must be writable only by trusted users.
  // Default empty: no cache.
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
  // Modules compiled with tiering whose file the background writer will
  // write once V8 has optimised some of their code (see code_cache_dir).
  uint64_t pending = 0;
};

// The engine. Copies share one process-wide state and are cheap.
// Thread-safe.
class WASMHOST_EXPORT Engine {
 public:
  // Initialises V8 with `options` on the first call in the process. A later
  // call with equal options returns an Engine sharing that state.
  // Returns:
  //   InvalidArgument    an option is out of range, a V8 flag is unknown,
  //                      or code_cache_dir is set with kBaseline
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
