// wasmhost/limits.h: bounds on what a guest may use.
//
//   ModuleLimits per engine, checked when a module is compiled
//   Limits       per instance, fixed when the instance is created
//   CallOptions  per call
//
// Plain values: thread-compatible.

#ifndef WASMHOST_LIMITS_H_
#define WASMHOST_LIMITS_H_

#include <algorithm>
#include <cstdint>
#include <optional>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "wasmhost/export.h"

namespace wasmhost {

// Bounds on a module's shape, checked by Engine::Compile before V8 compiles
// anything: a module over one fails with ResourceExhausted naming it. They
// bound what compiling and instantiating cost, which no per-call limit
// covers: V8's optimising compiler needs gigabytes and tens of seconds for a
// 120 KB module of 40,000 nested loops, and an instance with 100,000
// exports costs ~300 ms and 60 MB to make. The defaults admit every real
// module we know of (big language runtimes included); 0 means no limit of
// the host's (V8's own limits, in parentheses, still apply).
struct WASMHOST_EXPORT ModuleLimits {
  // Size of the module binary in bytes. Default 256 MiB (V8: 1 GiB).
  uint64_t max_module_bytes = 256u << 20;
  // Functions defined and imported. Default 1,000,000 (V8: the same).
  uint64_t max_functions = 1'000'000;
  // Size of one function body in bytes. Default 7,654,321 (V8: the same).
  uint64_t max_function_body_bytes = 7'654'321;
  // Locals one function declares, parameters excluded. Default 50,000
  // (V8: 50,000 with the parameters).
  uint64_t max_function_locals = 50'000;
  // Blocks (block, loop, if, try) open at once in one function. Switches
  // compile to one block per case, so interpreters reach a few hundred.
  // Default 2,000 (V8: none).
  uint64_t max_nesting_depth = 2'000;
  // Imports and exports. Default 20,000 each (V8: 100,000).
  uint64_t max_imports = 20'000;
  uint64_t max_exports = 20'000;

  friend bool operator==(const ModuleLimits& a, const ModuleLimits& b);
};

struct WASMHOST_EXPORT Limits {
  // Largest linear memory the instance may have, in bytes, rounded down to
  // whole 64 KiB pages. A guest's `memory.grow` past it returns -1 and the
  // memory stays as it was. A module whose initial memory is already larger
  // fails to instantiate with ResourceExhausted.
  // Default 0: no host limit, only the module's own maximum (at most 4 GiB).
  uint64_t max_memory_bytes = 0;

  // Most stack a call into the instance may use, in bytes, counted from
  // where the host calls; deeper recursion traps with kStackOverflow. It
  // never extends past the calling thread's real stack. Default 0: the
  // thread's limit (984 KiB, or less on a thread with a smaller stack).
  uint64_t max_stack_bytes = 0;

  // Most elements the tables the instance defines may hold, all tables
  // together. Imported tables do not count at instantiation: importing
  // allocates nothing, and their maker bounded them. Each element costs the
  // engine ~28 bytes whatever the guest stores, so a module declaring
  // `(table 10000000 funcref)` would take ~280 MB per instance. A module
  // over the limit fails to instantiate with ResourceExhausted. At run
  // time, a `table.grow` that would put them over it returns -1, as growth
  // past a table's maximum does; growing an imported table counts that
  // table too, since the growth allocates for this instance. The start
  // function runs under the instance's limit as well (except in a module
  // with V8's maximum of exports: V8 then runs it while instantiating,
  // under the default's). A call that exhausts V8's heap anyway fails with
  // ResourceExhausted instead of aborting the process.
  // Default 1,048,576 (~28 MB); 0: no limit (V8 allows 10,000,000 per table).
  uint64_t max_table_elements = 1 << 20;
};

struct WASMHOST_EXPORT CallOptions {
  // When the call is stopped with DeadlineExceeded; the calling thread is
  // back in control within a few milliseconds of it, and the instance is
  // poisoned. A deadline already in the past fails the call before the
  // guest runs. Default: no deadline.
  absl::Time deadline = absl::InfiniteFuture();

  // A deadline relative to the start: the call stops at the earlier of
  // `deadline` and `timeout` after it starts. In InstanceOptions::start_call
  // it counts from the start of each instantiation, so options kept and
  // reused (a pool's, on any thread, at any later time) stay meaningful,
  // where an absolute `deadline` would have passed. A timeout of zero or
  // less fails the call before the guest runs. Default: infinite (none).
  absl::Duration timeout = absl::InfiniteDuration();

  // The deadline of a call starting at `start`: the earlier of the two.
  absl::Time DeadlineFrom(absl::Time start) const {
    return std::min(deadline, start + timeout);
  }

  // With EngineOptions::consume_fuel, the fuel the call may use. Running
  // out traps the guest: the call returns ResourceExhausted ("out of fuel")
  // and the instance is poisoned. Instance::remaining_fuel() then tells what
  // was left. nullopt (the default): no fuel limit for this call.
  std::optional<uint64_t> fuel;

  // Convenience: an absolute deadline `timeout` from now (see `timeout`
  // for one that counts from each call's start).
  static CallOptions WithTimeout(absl::Duration timeout) {
    CallOptions options;
    options.deadline = absl::Now() + timeout;
    return options;
  }
};

}  // namespace wasmhost

#endif  // WASMHOST_LIMITS_H_
