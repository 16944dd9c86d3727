// ResidentScheduler: worker threads that own residents, and rounds posted
// to them at a fixed rate.

#include "wasmhost/scheduler.h"

#include <algorithm>
#include <deque>
#include <future>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/util/mutex.h"

namespace wasmhost {
namespace internal {
namespace {

// A resident placed on a worker; touched only on that worker's thread.
struct Slot {
  uint64_t id = 0;
  std::unique_ptr<ResidentInstance> resident;
  TickBudget budget;
  // Its tick failed: it is not ticked again.
  bool failed = false;
};

// What one worker's part of a round did.
struct RoundPart {
  uint64_t ticks = 0;
  std::vector<Overrun> overruns;
};

// One thread running posted tasks in order. Its residents live in its V8
// isolate and are destroyed on it when the worker is.
class Worker {
 public:
  Worker() : thread_([this] { Loop(); }) {}
  ~Worker() {
    {
      MutexLock lock(&mutex_);
      done_ = true;
    }
    wake_.SignalAll();
    thread_.join();
  }

  void Post(std::function<void()> task) {
    {
      MutexLock lock(&mutex_);
      tasks_.push_back(std::move(task));
    }
    wake_.Signal();
  }

  // Runs `task` on the worker and returns its result.
  template <typename T>
  T Call(std::function<T()> task) {
    std::promise<T> promise;
    std::future<T> result = promise.get_future();
    Post([&promise, &task] { promise.set_value(task()); });
    return result.get();
  }

  // Only on the worker's thread.
  std::vector<Slot>& slots() { return slots_; }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> task;
      {
        MutexLock lock(&mutex_);
        while (tasks_.empty() && !done_) {
          wake_.WaitWithDeadline(&mutex_, absl::InfiniteFuture());
        }
        if (tasks_.empty()) break;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
    // Residents die on their own thread, before its isolate does.
    slots_.clear();
  }

  Mutex mutex_;
  CondVar wake_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mutex_);
  bool done_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<Slot> slots_;
  // Last: started once everything above exists.
  std::thread thread_;
};

}  // namespace

class SchedulerState {
 public:
  explicit SchedulerState(const SchedulerOptions& options)
      : options_(options), placed_(options.threads, 0) {
    for (size_t i = 0; i < options.threads; ++i) {
      workers_.push_back(std::make_unique<Worker>());
    }
  }

  absl::StatusOr<uint64_t> Add(ResidentScheduler::Factory make,
                               const TickBudget& budget) {
    size_t chosen = 0;
    uint64_t id = 0;
    {
      MutexLock lock(&mutex_);
      for (size_t i = 1; i < workers_.size(); ++i) {
        if (placed_[i] < placed_[chosen]) chosen = i;
      }
      id = next_id_++;
      ++placed_[chosen];
      where_[id] = chosen;
    }
    Worker& worker = *workers_[chosen];
    absl::Status made = worker.Call<absl::Status>([&]() -> absl::Status {
      absl::StatusOr<std::unique_ptr<ResidentInstance>> resident = make();
      if (!resident.ok()) return resident.status();
      worker.slots().push_back({id, *std::move(resident), budget, false});
      return absl::OkStatus();
    });
    if (!made.ok()) {
      MutexLock lock(&mutex_);
      --placed_[chosen];
      where_.erase(id);
      return made;
    }
    return id;
  }

  absl::Status Run(uint64_t rounds) {
    MutexLock running(&run_mutex_);
    absl::Time next = absl::Now();
    for (uint64_t r = 0; r < rounds; ++r) {
      const absl::Duration wait = next - absl::Now();
      if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
      const absl::Time start = absl::Now();
      uint64_t round = 0;
      {
        MutexLock lock(&mutex_);
        round = rounds_;
      }
      std::vector<std::future<RoundPart>> parts;
      for (const std::unique_ptr<Worker>& worker : workers_) {
        auto promise = std::make_shared<std::promise<RoundPart>>();
        parts.push_back(promise->get_future());
        Worker* w = worker.get();
        w->Post(
            [w, promise, round] { promise->set_value(TickAll(*w, round)); });
      }
      uint64_t ticks = 0;
      std::vector<Overrun> overruns;
      for (std::future<RoundPart>& part : parts) {
        RoundPart done = part.get();
        ticks += done.ticks;
        for (Overrun& overrun : done.overruns) {
          overruns.push_back(std::move(overrun));
        }
      }
      const absl::Duration took = absl::Now() - start;
      {
        MutexLock lock(&mutex_);
        ++rounds_;
        ticks_ += ticks;
        if (took > options_.period) ++late_rounds_;
        for (Overrun& overrun : overruns)
          overruns_.push_back(std::move(overrun));
        round_times_.push_back(took);
        if (round_times_.size() > SchedulerStats::kRoundWindow) {
          round_times_.pop_front();
        }
      }
      // Missed slots are not made up.
      next = std::max(start + options_.period, absl::Now());
    }
    return absl::OkStatus();
  }

  absl::Status WithResident(
      uint64_t id, const std::function<absl::Status(ResidentInstance&)>& use) {
    size_t worker_index = 0;
    {
      MutexLock lock(&mutex_);
      auto it = where_.find(id);
      if (it == where_.end()) {
        return absl::NotFoundError(absl::StrCat("no resident ", id));
      }
      worker_index = it->second;
    }
    Worker& worker = *workers_[worker_index];
    return worker.Call<absl::Status>([&]() -> absl::Status {
      for (Slot& slot : worker.slots()) {
        if (slot.id == id) return use(*slot.resident);
      }
      return absl::NotFoundError(absl::StrCat("no resident ", id));
    });
  }

  SchedulerStats Stats() const {
    SchedulerStats stats;
    MutexLock lock(&mutex_);
    stats.rounds = rounds_;
    stats.late_rounds = late_rounds_;
    stats.ticks = ticks_;
    stats.overruns = overruns_;
    stats.stopped = overruns_.size();
    stats.running = where_.size() - overruns_.size();
    stats.round_times.assign(round_times_.begin(), round_times_.end());
    return stats;
  }

 private:
  // Ticks every running resident of `worker`, on its thread.
  static RoundPart TickAll(Worker& worker, uint64_t round) {
    RoundPart part;
    for (Slot& slot : worker.slots()) {
      if (slot.failed) continue;
      absl::Status status = slot.resident->Tick(slot.budget);
      ++part.ticks;
      if (!status.ok()) {
        slot.failed = true;
        part.overruns.push_back({slot.id, round, std::move(status)});
      }
    }
    return part;
  }

  const SchedulerOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  Mutex run_mutex_;
  mutable Mutex mutex_;
  // Residents per worker, by worker index.
  std::vector<size_t> placed_ ABSL_GUARDED_BY(mutex_);
  uint64_t next_id_ ABSL_GUARDED_BY(mutex_) = 0;
  // Each resident's worker index.
  absl::flat_hash_map<uint64_t, size_t> where_ ABSL_GUARDED_BY(mutex_);
  uint64_t rounds_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t late_rounds_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t ticks_ ABSL_GUARDED_BY(mutex_) = 0;
  std::vector<Overrun> overruns_ ABSL_GUARDED_BY(mutex_);
  std::deque<absl::Duration> round_times_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace internal

absl::Duration SchedulerStats::RoundTimePercentile(double fraction) const {
  if (round_times.empty()) return absl::ZeroDuration();
  std::vector<absl::Duration> sorted = round_times;
  std::sort(sorted.begin(), sorted.end());
  const double clamped = std::min(std::max(fraction, 0.0), 1.0);
  const size_t index =
      std::min(sorted.size() - 1, static_cast<size_t>(clamped * sorted.size()));
  return sorted[index];
}

ResidentScheduler::ResidentScheduler(
    std::unique_ptr<internal::SchedulerState> state)
    : state_(std::move(state)) {}

ResidentScheduler::~ResidentScheduler() = default;

absl::StatusOr<std::unique_ptr<ResidentScheduler>> ResidentScheduler::Create(
    const SchedulerOptions& options) {
  if (options.threads == 0) {
    return absl::InvalidArgumentError("a scheduler needs at least one thread");
  }
  if (options.period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the period must be positive, not ",
                     absl::FormatDuration(options.period)));
  }
  return std::unique_ptr<ResidentScheduler>(new ResidentScheduler(
      std::make_unique<internal::SchedulerState>(options)));
}

absl::StatusOr<uint64_t> ResidentScheduler::Add(Factory make,
                                                const TickBudget& budget) {
  return state_->Add(std::move(make), budget);
}

absl::Status ResidentScheduler::Run(uint64_t rounds) {
  return state_->Run(rounds);
}

absl::Status ResidentScheduler::WithResident(
    uint64_t id, std::function<absl::Status(ResidentInstance&)> use) {
  return state_->WithResident(id, use);
}

SchedulerStats ResidentScheduler::stats() const { return state_->Stats(); }

}  // namespace wasmhost
