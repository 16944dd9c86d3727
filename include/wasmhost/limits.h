// wasmhost/limits.h: bounds on what a guest may use.
//
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

  // Most elements the tables the instance defines may hold at
  // instantiation, all tables together. Each element costs the engine
  // ~28 bytes whatever the guest stores, so a module declaring
  // `(table 10000000 funcref)` would take ~280 MB per instance. A module
  // over the limit fails to instantiate with ResourceExhausted. Growth past
  // it at run time is bounded by the engine's heap: a call that exhausts
  // V8's heap fails with ResourceExhausted instead of aborting the process.
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
