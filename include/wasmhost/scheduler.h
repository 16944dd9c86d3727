// wasmhost/scheduler.h: many resident instances ticked at a fixed rate from
// a pool of worker threads, each with its own budget.
//
//   SchedulerOptions   worker threads and the tick period
//   Overrun            a resident stopped by its budget (or a failure)
//   SchedulerStats     rounds, ticks, round-time percentiles, overruns
//   ResidentScheduler  places residents on workers and runs rounds
//
// Residents are thread-affine (each lives in its worker's V8 isolate), so
// each one is made on, pinned to and destroyed on one worker, chosen at Add
// as the worker with the fewest residents. A round posts one tick of every
// running resident to its worker; workers tick theirs one after another, in
// the order added, and the round ends when every worker is done. A
// resident's budget bounds what its tick can cost the ones after it on the
// same worker: a tick over its fuel or time is stopped (within a few
// milliseconds for time), recorded as an Overrun, and never ticked again.
// Fuel budgets stop a runaway tick after that much work; time budgets are
// the backstop for time spent in host functions.

#ifndef WASMHOST_SCHEDULER_H_
#define WASMHOST_SCHEDULER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "wasmhost/export.h"
#include "wasmhost/resident.h"

namespace wasmhost {

namespace internal {
class SchedulerState;
}  // namespace internal

struct WASMHOST_EXPORT SchedulerOptions {
  // Worker threads, each with its own V8 isolate. Default 2; at least 1.
  size_t threads = 2;
  // Time from one round's start to the next (20 Hz by default). A round
  // that takes longer makes the next start at once; missed rounds are not
  // made up. Default 50 ms; must be positive.
  absl::Duration period = absl::Milliseconds(50);
};

// A resident's tick that failed during a round, stopping it. Plain value.
struct WASMHOST_EXPORT Overrun {
  uint64_t resident = 0;  // Add's id
  uint64_t round = 0;     // counted from 0 since Create
  absl::Status status;    // what Tick returned
};

// A snapshot of a scheduler's counters. Plain value.
struct WASMHOST_EXPORT SchedulerStats {
  // How many round times the percentiles are over: the latest ones.
  static constexpr size_t kRoundWindow = 4096;

  uint64_t rounds = 0;
  // Rounds whose ticks took longer than the period.
  uint64_t late_rounds = 0;
  // Resident ticks run (successful or not).
  uint64_t ticks = 0;
  // Residents running, and stopped (by overruns or failed ticks).
  uint64_t running = 0;
  uint64_t stopped = 0;
  std::vector<Overrun> overruns;
  // The latest rounds' times (start to the last worker done), oldest
  // first, at most kRoundWindow.
  std::vector<absl::Duration> round_times;

  // The round time below which `fraction` (0..1) of round_times fall;
  // zero when there are none.
  [[nodiscard]] absl::Duration RoundTimePercentile(double fraction) const;
};

// Ticks residents on worker threads at SchedulerOptions::period. Destroying
// it destroys every resident on its worker and joins the workers. Not
// movable (workers refer to it). Thread-safe: Add, Run, WithResident and
// stats may be called from any thread; Run calls are serialised.
class WASMHOST_EXPORT ResidentScheduler {
 public:
  // Makes a resident on the worker thread it will live on.
  using Factory =
      std::function<absl::StatusOr<std::unique_ptr<ResidentInstance>>()>;

  // Starts the workers. Returns InvalidArgument for zero threads or a
  // period that is not positive.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ResidentScheduler>>
  Create(const SchedulerOptions& options = {});

  ResidentScheduler(const ResidentScheduler&) = delete;
  ResidentScheduler& operator=(const ResidentScheduler&) = delete;
  ~ResidentScheduler();

  // Runs `make` on the worker with the fewest residents and schedules the
  // resident it makes, ticked under `budget` every round. Blocks until it
  // is made. Returns its id (from 0, in order of adding), or `make`'s error.
  [[nodiscard]] absl::StatusOr<uint64_t> Add(Factory make,
                                             const TickBudget& budget);

  // Runs `rounds` rounds, one per period, and returns when they are done.
  absl::Status Run(uint64_t rounds);

  // Runs `use` with resident `id` on its worker, between its ticks (e.g. to
  // snapshot it or read its output), and returns its status. Returns
  // NotFound for an unknown id.
  absl::Status WithResident(uint64_t id,
                            std::function<absl::Status(ResidentInstance&)> use);

  [[nodiscard]] SchedulerStats stats() const;

 private:
  explicit ResidentScheduler(std::unique_ptr<internal::SchedulerState> state);
  std::unique_ptr<internal::SchedulerState> state_;
};

}  // namespace wasmhost

#endif  // WASMHOST_SCHEDULER_H_
