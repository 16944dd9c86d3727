// lib/v8/watchdog.h: stops guests whose call deadline has passed.

#ifndef WASMHOST_LIB_V8_WATCHDOG_H_
#define WASMHOST_LIB_V8_WATCHDOG_H_

#include <cstdint>
#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "lib/util/mutex.h"
#include "v8.h"

namespace wasmhost::v8backend {

// One process-wide thread that calls Isolate::TerminateExecution (the one
// V8 call that is safe from another thread) on isolates whose armed
// deadline passed. Arming and disarming cost a lock each and, unless the
// deadline is earlier than any the thread waits for, no thread wake-up.
// Thread-safe.
class Watchdog {
 public:
  static Watchdog& Get();

  // Terminates the execution in `isolate` at `deadline` unless disarmed
  // first. Returns a ticket for Disarm.
  uint64_t Arm(v8::Isolate* isolate, absl::Time deadline);

  // Cancels `ticket`. Returns true if it had already fired; the caller then
  // owns the termination and must cancel it on its isolate.
  bool Disarm(uint64_t ticket);

 private:
  Watchdog() = default;
  void Run();

  internal::Mutex mu_;
  // Signalled when a deadline earlier than `wakes_at_` is armed.
  internal::CondVar earlier_armed_;
  bool thread_started_ ABSL_GUARDED_BY(mu_) = false;
  // When the thread wakes next (it may find that deadline disarmed and
  // sleep again). Arming a later deadline leaves it asleep: a call under a
  // timeout costs two lock operations, no context switch.
  absl::Time wakes_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 1;
  // Armed deadlines, earliest first; the ticket breaks ties.
  std::map<std::pair<absl::Time, uint64_t>, v8::Isolate*> armed_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint64_t> fired_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_WATCHDOG_H_
