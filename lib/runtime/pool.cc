// InstancePool: per-thread free lists of warm instances (no global lock on
// the hot path), atomic caps and counters, fresh-state resets from a
// copy-on-write image of the first instance's state, and versions of the
// guest switched by Reload.

#include "wasmhost/pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/runtime/instance_state.h"
#include "lib/runtime/module_state.h"
#include "lib/util/error_status.h"
#include "lib/util/mutex.h"
#include "lib/util/status_macros.h"
#include "lib/v8/backend.h"

namespace wasmhost {
namespace internal {

// A pool's counters as one thread keeps them. Only the owning thread writes
// (so increments need no atomic read-modify-write and threads never fight
// over a cache line); stats() reads them from any thread.
struct PoolCounters {
  // Single-writer increment.
  static void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + n,
                  std::memory_order_relaxed);
  }
  void AddTo(PoolStats& stats) const;

  std::atomic<uint64_t> leases{0}, warm_hits{0}, misses{0}, resets{0},
      discards{0}, traps{0}, exits{0}, timeouts{0}, thread_cap_refusals{0},
      failed_instantiations{0}, replacements{0}, idle{0}, in_use{0};
  std::array<std::atomic<uint64_t>, PoolStats::kLatencyBuckets> latency{};
};

void PoolCounters::AddTo(PoolStats& stats) const {
  stats.leases += leases.load(std::memory_order_relaxed);
  stats.warm_hits += warm_hits.load(std::memory_order_relaxed);
  stats.misses += misses.load(std::memory_order_relaxed);
  stats.resets += resets.load(std::memory_order_relaxed);
  stats.discards += discards.load(std::memory_order_relaxed);
  stats.traps += traps.load(std::memory_order_relaxed);
  stats.exits += exits.load(std::memory_order_relaxed);
  stats.timeouts += timeouts.load(std::memory_order_relaxed);
  stats.thread_cap_refusals +=
      thread_cap_refusals.load(std::memory_order_relaxed);
  stats.failed_instantiations +=
      failed_instantiations.load(std::memory_order_relaxed);
  stats.replacements += replacements.load(std::memory_order_relaxed);
  stats.idle += idle.load(std::memory_order_relaxed);
  stats.in_use += in_use.load(std::memory_order_relaxed);
  for (size_t i = 0; i < PoolStats::kLatencyBuckets; ++i) {
    stats.acquire_latency[i] += latency[i].load(std::memory_order_relaxed);
  }
}

// One version of a pool's guest: what its instances are made from, and
// (kFreshState) the image they reset to. Immutable once published. Shared
// by the pool while it is current, by the thread slots serving it, and by
// every instance made from it (PooledInstanceDeleter), so the last of
// those frees it.
struct PoolVersion {
  PoolVersion(uint64_t version_number, Module version_module,
              Linker version_linker, PoolOptions version_options)
      : number(version_number),
        module(std::move(version_module)),
        linker(std::move(version_linker)),
        options(std::move(version_options)) {}

  size_t KeepResidentPages() const {
    return options.keep_resident_bytes / MemoryImage::kPageSize;
  }

  const uint64_t number;
  const Module module;
  const Linker linker;
  const PoolOptions options;
  // Set by Install before the version is published, when the module's
  // state can be reset.
  std::shared_ptr<const v8backend::StateImage> image;
  // Instances made from this version and not destroyed yet, on any thread.
  mutable std::atomic<uint64_t> instances{0};
};

// One pool's instances on one thread. Only that thread touches it, but
// for stats() reading its counters.
struct PoolThreadSlot {
  PoolThreadSlot() = default;
  PoolThreadSlot(const PoolThreadSlot&) = delete;
  PoolThreadSlot& operator=(const PoolThreadSlot&) = delete;
  // At thread exit or when the pool closes: the idle instances go, and the
  // counters are handed to the pool.
  ~PoolThreadSlot();

  size_t leased() const {
    return counters.in_use.load(std::memory_order_relaxed);
  }

  std::shared_ptr<PoolState> pool;
  // The version this thread leases; every idle instance is of it.
  std::shared_ptr<const PoolVersion> version;
  std::vector<PooledInstance> idle;
  PoolCounters counters;
  // One of max_instances this thread keeps reserved after a release, so
  // its next Acquire touches no memory other threads write. An Acquire
  // waiting on another thread takes it.
  std::atomic<bool> spare_lease{false};
  // The thread that made the slot, the only one that may touch idle.
  const std::thread::id owner = std::this_thread::get_id();
  // The thread's slots were destroyed (it is exiting) while this slot's
  // leases were still out, e.g. in a thread_local made before them: the
  // slot now belongs to those leases, and the last one to go deletes it.
  bool orphaned = false;
};

namespace {

// Bumped when a pool closes or reloads, so threads know to drop its (old)
// idle instances.
std::atomic<uint64_t> pool_changes_generation{0};
std::atomic<uint64_t> next_pool_id{1};

// The calling thread's slots, by pool id. Instances must be destroyed on
// their own thread, before its isolate: constructing this after the
// thread's isolate makes thread-exit destroy it first.
class ThreadSlots {
 public:
  static ThreadSlots& Get() {
    thread_local ThreadSlots slots;
    return slots;
  }
  // The calling thread's slots if it ever used a pool, else nullptr.
  static ThreadSlots* Existing() { return current_; }
  ~ThreadSlots();

  PoolThreadSlot& For(const std::shared_ptr<PoolState>& pool, uint64_t id);
  void Drop(uint64_t id) { slots_.erase(id); }

 private:
  ThreadSlots() {
    v8backend::EnsureThreadIsolate();
    current_ = this;
  }
  // Drops the slots of closed pools and the old idle instances of
  // reloaded ones.
  void CatchUpWithPools();

  static thread_local ThreadSlots* current_;

  // Leases hold pointers to slots, and may outlive this map.
  absl::flat_hash_map<uint64_t, std::unique_ptr<PoolThreadSlot>> slots_;
  uint64_t seen_generation_ = 0;
};

thread_local ThreadSlots* ThreadSlots::current_ = nullptr;

ThreadSlots::~ThreadSlots() {
  current_ = nullptr;
  for (auto& [id, slot] : slots_) {
    if (slot->leased() == 0) continue;
    // Idle instances go now, while the thread's isolate may still be there.
    PoolCounters::Add(slot->counters.idle, -slot->idle.size());
    slot->idle.clear();
    slot->orphaned = true;
    slot.release();  // deleted by its last lease (Lease::Release)
  }
}

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

size_t LatencyBucket(int64_t nanos) {
  size_t bucket = 0;
  while (bucket + 1 < PoolStats::kLatencyBuckets &&
         (int64_t{1} << bucket) <= nanos) {
    ++bucket;
  }
  return bucket;
}

}  // namespace

// Shared by the InstancePool handle and every thread slot. Thread-safe.
class PoolState {
 public:
  // `options` gives the caps, which hold for every version.
  explicit PoolState(const PoolOptions& options)
      : max_instances_(options.max_instances),
        max_instances_per_thread_(options.max_instances_per_thread),
        acquire_timeout_(options.acquire_timeout),
        id_(next_pool_id.fetch_add(1)) {}

  // Makes a version (the first at Create, a new one at Reload): its first
  // instance, kept idle on the calling thread, and for kFreshState its
  // state image; then publishes it. On error the current version stays.
  absl::Status Install(const std::shared_ptr<PoolState>& self, Module module,
                       Linker linker, PoolOptions options)
      ABSL_LOCKS_EXCLUDED(install_mu_, version_mu_);
  absl::StatusOr<Lease> Acquire(const std::shared_ptr<PoolState>& self);
  void Release(PoolThreadSlot& slot, PooledInstance instance);
  // A lease's release on its slot's thread: Release, then the slot goes if
  // it was orphaned and this was its last lease.
  static void ReleaseOnThisThread(PoolState* pool, PoolThreadSlot* slot,
                                  PooledInstance instance);
  // A lease destroyed on another thread: ReleaseOnThisThread is handed back
  // to the slot's (and the instance's) thread.
  void ReleaseOnOwnerThread(PoolThreadSlot* slot, PooledInstance instance);
  // Lease::handles: the instance's handles if its version's are of
  // `type_key`.
  static void* Handles(const PooledInstance& instance, const void* type_key);
  // Points the slot at the current version, freeing its idle instances of
  // an older one (on this, their own, thread).
  void UseCurrentVersion(PoolThreadSlot& slot) ABSL_LOCKS_EXCLUDED(version_mu_);
  bool IsCurrent(const PoolVersion& version) const {
    return version.number == current_number_.load(std::memory_order_acquire);
  }
  // Slots report themselves so stats() can add up their counters; a
  // leaving slot's counters (its idle instances gone) are kept.
  void AddSlot(PoolThreadSlot* slot);
  void RemoveSlot(PoolThreadSlot* slot);
  // Gives back the slot's spare lease, if it keeps one.
  void DropSpareLease(PoolThreadSlot& slot);
  void Close();
  PoolStats Stats() const ABSL_LOCKS_EXCLUDED(version_mu_);
  std::shared_ptr<const PoolVersion> CurrentVersion() const
      ABSL_LOCKS_EXCLUDED(version_mu_);
  uint64_t CurrentNumber() const {
    return current_number_.load(std::memory_order_acquire);
  }

  uint64_t id() const { return id_; }
  bool closed() const { return closed_.load(std::memory_order_acquire); }

 private:
  absl::StatusOr<PooledInstance> NewInstance(
      const std::shared_ptr<const PoolVersion>& version);
  // The caps hold across versions: a reload that changes one is refused.
  absl::Status CheckCaps(const PoolOptions& options) const;
  // Takes one of max_instances: the slot's spare, or a new reservation,
  // waiting up to acquire_timeout for one.
  bool ReserveLease(PoolThreadSlot& slot);
  bool WaitForLease();
  // Takes another thread's spare lease, if one is kept.
  bool TakeSpareLease();
  // Keeps the lease as the slot's spare, or gives it back.
  void ReturnLease(PoolThreadSlot& slot);
  void Unreserve();
  // Destroys an instance that may not be reused, counting it.
  static void Discard(PoolThreadSlot& slot, PooledInstance instance) {
    PoolCounters::Add(slot.counters.discards);
    instance.reset();
  }
  // Whether a poisoned instance's guest only ended its program, in a pool
  // that resets it anyway.
  static bool EndedNormally(const PoolVersion& version,
                            const Instance& instance) {
    return version.image != nullptr && version.options.is_normal_exit &&
           version.options.is_normal_exit(instance.state_->poison);
  }
  static v8backend::BackendInstance& Backend(Instance& instance) {
    return *instance.state_->backend;
  }

  const size_t max_instances_;
  const size_t max_instances_per_thread_;
  const absl::Duration acquire_timeout_;
  const uint64_t id_;
  std::atomic<bool> closed_{false};
  // current_'s number, for the lock-free check on the hot path (beside
  // the other fields every lease reads, away from those it writes); 0
  // before the first version.
  std::atomic<uint64_t> current_number_{0};

  // Serialises Install: a version is numbered, made and published by one
  // caller at a time.
  Mutex install_mu_;
  mutable Mutex version_mu_ ABSL_ACQUIRED_AFTER(install_mu_);
  std::shared_ptr<const PoolVersion> current_ ABSL_GUARDED_BY(version_mu_);
  // Earlier versions, for PoolStats::old_instances; a version goes when
  // its last instance and slot let go of it.
  std::vector<std::weak_ptr<const PoolVersion>> old_versions_
      ABSL_GUARDED_BY(version_mu_);

  // Reservations of max_instances: leases in use and spare leases.
  std::atomic<size_t> reserved_{0};
  Mutex mu_;
  CondVar released_;
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<int> waiting_{0};  // mirrors waiters_ for a lock-free check

  // Taken after mu_ when both are held (WaitForLease), and under
  // install_mu_ (Install registers the calling thread's slot).
  mutable Mutex slots_mu_ ABSL_ACQUIRED_AFTER(mu_, install_mu_);
  std::vector<PoolThreadSlot*> slots_ ABSL_GUARDED_BY(slots_mu_);
  // The counters of slots that are gone, idle instances excluded.
  PoolStats retired_ ABSL_GUARDED_BY(slots_mu_);
};

PoolThreadSlot::~PoolThreadSlot() {
  if (pool == nullptr) return;
  PoolCounters::Add(counters.idle, -idle.size());
  idle.clear();
  pool->DropSpareLease(*this);
  pool->RemoveSlot(this);
}

void PoolState::AddSlot(PoolThreadSlot* slot) {
  MutexLock lock(&slots_mu_);
  slots_.push_back(slot);
}

void PoolState::RemoveSlot(PoolThreadSlot* slot) {
  MutexLock lock(&slots_mu_);
  slot->counters.AddTo(retired_);
  slots_.erase(std::find(slots_.begin(), slots_.end(), slot));
}

namespace {

PoolThreadSlot& ThreadSlots::For(const std::shared_ptr<PoolState>& pool,
                                 uint64_t id) {
  if (seen_generation_ !=
      pool_changes_generation.load(std::memory_order_acquire)) {
    CatchUpWithPools();
  }
  auto it = slots_.find(id);
  if (it != slots_.end()) return *it->second;
  PoolThreadSlot& slot = *(slots_[id] = std::make_unique<PoolThreadSlot>());
  slot.pool = pool;
  slot.version = pool->CurrentVersion();
  pool->AddSlot(&slot);
  return slot;
}

void ThreadSlots::CatchUpWithPools() {
  seen_generation_ = pool_changes_generation.load(std::memory_order_acquire);
  for (auto it = slots_.begin(); it != slots_.end();) {
    auto current = it++;
    PoolThreadSlot& slot = *current->second;
    if (slot.pool->closed()) {
      if (slot.leased() == 0) slots_.erase(current);
    } else if (!slot.pool->IsCurrent(*slot.version)) {
      slot.pool->UseCurrentVersion(slot);
    }
  }
}

}  // namespace

void PooledInstanceDeleter::operator()(Instance* instance) const {
  delete instance;
  version->instances.fetch_sub(1, std::memory_order_relaxed);
}

absl::StatusOr<PooledInstance> PoolState::NewInstance(
    const std::shared_ptr<const PoolVersion>& version) {
  const PoolOptions& options = version->options;
  InstanceOptions instance_options = options.instance_options;
  if (options.setup_instance) {
    WASMHOST_RETURN_IF_ERROR(WithDefaultKind(
        options.setup_instance(instance_options), ErrorKind::kHostError));
  }
  // A replacement skips the data segments and start function whose work
  // the image holds.
  WASMHOST_ASSIGN_OR_RETURN(
      Instance instance,
      Instance::Instantiate(version->module, version->linker, instance_options,
                            /*from_image=*/version->image != nullptr));
  version->instances.fetch_add(1, std::memory_order_relaxed);
  PooledInstance owned(new Instance(std::move(instance)),
                       PooledInstanceDeleter{version});
  if (version->image != nullptr) {
    // Starts from the image: initialised already.
    WASMHOST_RETURN_IF_ERROR(Backend(*owned).ResetToImage(
        *version->image, version->KeepResidentPages()));
  } else if (options.initialize_instance) {
    WASMHOST_RETURN_IF_ERROR(WithDefaultKind(
        options.initialize_instance(*owned), ErrorKind::kHostError));
  }
  if (options.make_handles_) {
    absl::StatusOr<std::shared_ptr<void>> handles =
        options.make_handles_(*owned);
    if (!handles.ok()) {
      return WithDefaultKind(handles.status(), ErrorKind::kHostError);
    }
    owned->state_->pool_handles = *std::move(handles);
  }
  return owned;
}

void* PoolState::Handles(const PooledInstance& instance, const void* type_key) {
  if (type_key != instance.get_deleter().version->options.handles_key_) {
    return nullptr;
  }
  return instance->state_->pool_handles.get();
}

namespace {

// kFreshState restores only what an instance owns: a memory, table or
// mutable global it imports is shared with others and keeps their writes.
absl::Status CheckOwnsItsState(const Module& module) {
  for (const ImportType& import : module.imports()) {
    const bool shared_state =
        import.kind == ExternKind::kMemory ||
        import.kind == ExternKind::kTable ||
        (import.kind == ExternKind::kGlobal && import.global.is_mutable);
    if (shared_state) {
      return internal::UsageError(
          absl::StatusCode::kFailedPrecondition,
          absl::StrCat("ReusePolicy::kFreshState cannot restore the imported ",
                       ExternKindName(import.kind), " ", import.module, ".",
                       import.name,
                       ": a pool resets only state its instances own"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PoolState::CheckCaps(const PoolOptions& options) const {
  const auto changed = [](absl::string_view name, auto from, auto to) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("a reload cannot change ", name, " (", from, " to ", to,
                     "): it bounds the pool across versions"));
  };
  if (options.max_instances != max_instances_) {
    return changed("max_instances", max_instances_, options.max_instances);
  }
  if (options.max_instances_per_thread != max_instances_per_thread_) {
    return changed("max_instances_per_thread", max_instances_per_thread_,
                   options.max_instances_per_thread);
  }
  if (options.acquire_timeout != acquire_timeout_) {
    return changed("acquire_timeout", absl::FormatDuration(acquire_timeout_),
                   absl::FormatDuration(options.acquire_timeout));
  }
  return absl::OkStatus();
}

absl::Status PoolState::Install(const std::shared_ptr<PoolState>& self,
                                Module module, Linker linker,
                                PoolOptions options) {
  MutexLock install_lock(&install_mu_);
  const uint64_t number = current_number_.load(std::memory_order_relaxed) + 1;
  if (number == 1 && max_instances_ != 0 &&
      max_instances_per_thread_ > max_instances_) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("max_instances_per_thread (", max_instances_per_thread_,
                     ") exceeds max_instances (", max_instances_, ")"));
  }
  WASMHOST_RETURN_IF_ERROR(CheckCaps(options));
  if (options.policy == ReusePolicy::kFreshState) {
    WASMHOST_RETURN_IF_ERROR(CheckOwnsItsState(module));
  }
  auto version = std::make_shared<PoolVersion>(
      number, std::move(module), std::move(linker), std::move(options));
  WASMHOST_ASSIGN_OR_RETURN(PooledInstance first, NewInstance(version));
  if (version->options.policy == ReusePolicy::kFreshState &&
      version->module.state_->resettable) {
    WASMHOST_ASSIGN_OR_RETURN(version->image, Backend(*first).CaptureState());
    WASMHOST_RETURN_IF_ERROR(Backend(*first).ResetToImage(
        *version->image, version->KeepResidentPages()));
    // Undoes what initialize_instance did to host state, so the first
    // instance's first lease starts where every later one does.
    if (version->options.reset_instance) {
      WASMHOST_RETURN_IF_ERROR(WithDefaultKind(
          version->options.reset_instance(*first), ErrorKind::kHostError));
    }
  }
  {
    MutexLock lock(&version_mu_);
    if (current_ != nullptr) {
      old_versions_.erase(
          std::remove_if(old_versions_.begin(), old_versions_.end(),
                         [](const std::weak_ptr<const PoolVersion>& old) {
                           return old.expired();
                         }),
          old_versions_.end());
      old_versions_.push_back(current_);
    }
    current_ = version;
    current_number_.store(number, std::memory_order_release);
  }
  // Other threads free their idle instances of the old version the next
  // time they use a pool; this one does now.
  pool_changes_generation.fetch_add(1, std::memory_order_acq_rel);
  PoolThreadSlot& slot = ThreadSlots::Get().For(self, id_);
  if (!IsCurrent(*slot.version)) UseCurrentVersion(slot);
  if (version->options.policy != ReusePolicy::kNewInstance &&
      slot.idle.size() < version->options.max_idle_per_thread) {
    slot.idle.push_back(std::move(first));
    PoolCounters::Add(slot.counters.idle);
  }
  return absl::OkStatus();
}

std::shared_ptr<const PoolVersion> PoolState::CurrentVersion() const {
  MutexLock lock(&version_mu_);
  return current_;
}

void PoolState::UseCurrentVersion(PoolThreadSlot& slot) {
  PoolCounters::Add(slot.counters.idle, -slot.idle.size());
  slot.idle.clear();
  slot.version = CurrentVersion();
}

bool PoolState::ReserveLease(PoolThreadSlot& slot) {
  const size_t cap = max_instances_;
  if (cap == 0) return true;
  if (slot.spare_lease.load(std::memory_order_relaxed) &&
      slot.spare_lease.exchange(false, std::memory_order_acquire)) {
    return true;
  }
  size_t reserved = reserved_.load(std::memory_order_relaxed);
  while (reserved < cap) {
    if (reserved_.compare_exchange_weak(reserved, reserved + 1,
                                        std::memory_order_acquire)) {
      return true;
    }
  }
  return WaitForLease();
}

bool PoolState::WaitForLease() {
  const size_t cap = max_instances_;
  const absl::Time deadline = absl::Now() + acquire_timeout_;
  MutexLock lock(&mu_);
  ++waiters_;
  // Before looking for spares: see ReturnLease.
  waiting_.fetch_add(1, std::memory_order_seq_cst);
  bool reserved = false;
  for (;;) {
    size_t count = reserved_.load(std::memory_order_relaxed);
    if ((count < cap && reserved_.compare_exchange_strong(count, count + 1)) ||
        TakeSpareLease()) {
      reserved = true;
      break;
    }
    if (released_.WaitWithDeadline(&mu_, deadline) && absl::Now() >= deadline) {
      break;
    }
  }
  --waiters_;
  waiting_.fetch_sub(1, std::memory_order_seq_cst);
  return reserved;
}

bool PoolState::TakeSpareLease() {
  MutexLock lock(&slots_mu_);
  for (PoolThreadSlot* slot : slots_) {
    if (slot->spare_lease.exchange(false, std::memory_order_seq_cst)) {
      return true;
    }
  }
  return false;
}

void PoolState::ReturnLease(PoolThreadSlot& slot) {
  if (max_instances_ == 0) return;
  if (!slot.spare_lease.load(std::memory_order_relaxed)) {
    slot.spare_lease.store(true, std::memory_order_seq_cst);
    // A waiter counts itself before it looks for spares, and this thread
    // stores its spare before it looks for waiters: one of the two sees
    // the other, so a spare is never kept while an Acquire waits for it.
    if (waiting_.load(std::memory_order_seq_cst) == 0) return;
    if (!slot.spare_lease.exchange(false, std::memory_order_seq_cst)) return;
  }
  Unreserve();
}

void PoolState::DropSpareLease(PoolThreadSlot& slot) {
  if (slot.spare_lease.exchange(false, std::memory_order_seq_cst)) {
    Unreserve();
  }
}

void PoolState::Unreserve() {
  reserved_.fetch_sub(1, std::memory_order_release);
  if (waiting_.load(std::memory_order_seq_cst) > 0) {
    MutexLock lock(&mu_);
    released_.Signal();
  }
}

absl::StatusOr<Lease> PoolState::Acquire(
    const std::shared_ptr<PoolState>& self) {
  const int64_t start = NowNanos();
  PoolThreadSlot& slot = ThreadSlots::Get().For(self, id_);
  if (max_instances_per_thread_ != 0 &&
      slot.leased() >= max_instances_per_thread_) {
    PoolCounters::Add(slot.counters.thread_cap_refusals);
    return LimitError(LimitKind::kPoolThreadInstances,
                      absl::StrCat("this thread already leases ", slot.leased(),
                                   " instances (max_instances_per_thread)"));
  }
  if (!ReserveLease(slot)) {
    PoolCounters::Add(slot.counters.timeouts);
    return LimitError(
        LimitKind::kPoolInstances,
        absl::StrCat("all ", max_instances_,
                     " instances are leased (max_instances) and none was "
                     "released within ",
                     absl::FormatDuration(acquire_timeout_)));
  }
  // The version leased is the one current now, at the latest: a Reload
  // that returned before this Acquire began is always seen.
  if (ABSL_PREDICT_FALSE(!IsCurrent(*slot.version))) UseCurrentVersion(slot);
  PooledInstance instance;
  if (!slot.idle.empty()) {
    instance = std::move(slot.idle.back());
    slot.idle.pop_back();
    PoolCounters::Add(slot.counters.idle, -1);
    PoolCounters::Add(slot.counters.warm_hits);
  } else {
    absl::StatusOr<PooledInstance> created = NewInstance(slot.version);
    if (!created.ok()) {
      ReturnLease(slot);
      PoolCounters::Add(slot.counters.failed_instantiations);
      return WithPrefix(
          "the pool cannot make a new instance: ",
          WithDefaultKind(created.status(), ErrorKind::kInternal));
    }
    instance = *std::move(created);
    PoolCounters::Add(slot.counters.misses);
    if (slot.version->image != nullptr) {
      PoolCounters::Add(slot.counters.replacements);
    }
  }
  PoolCounters::Add(slot.counters.in_use);
  PoolCounters::Add(slot.counters.leases);
  PoolCounters::Add(slot.counters.latency[LatencyBucket(NowNanos() - start)]);
  return Lease(this, &slot, std::move(instance));
}

void PoolState::ReleaseOnThisThread(PoolState* pool, PoolThreadSlot* slot,
                                    PooledInstance instance) {
  pool->Release(*slot, std::move(instance));
  if (ABSL_PREDICT_FALSE(slot->orphaned) && slot->leased() == 0) delete slot;
}

void PoolState::ReleaseOnOwnerThread(PoolThreadSlot* slot,
                                     PooledInstance instance) {
  v8backend::BackendInstance& backend = Backend(*instance);
  // std::function needs a copyable callable.
  auto owned = std::make_shared<PooledInstance>(std::move(instance));
  backend.HandBackToOwnerThread([this, slot, owned] {
    ReleaseOnThisThread(this, slot, std::move(*owned));
  });
}

void PoolState::Release(PoolThreadSlot& slot, PooledInstance instance) {
  PoolCounters::Add(slot.counters.in_use, -1);
  ReturnLease(slot);
  const PoolVersion& version = *instance.get_deleter().version;
  if (instance->poisoned()) {
    if (!EndedNormally(version, *instance)) {
      PoolCounters::Add(slot.counters.traps);
      Discard(slot, std::move(instance));
      return;
    }
    // The reset below undoes whatever the program left.
    instance->state_->poison = absl::OkStatus();
    PoolCounters::Add(slot.counters.exits);
  }
  // An instance of an earlier version is freed here, on its own thread,
  // never leased again; the slot moves on, freeing its idle ones too.
  if (ABSL_PREDICT_FALSE(!IsCurrent(version))) {
    instance.reset();
    if (!IsCurrent(*slot.version)) UseCurrentVersion(slot);
    return;
  }
  bool fresh = false;
  switch (version.options.policy) {
    case ReusePolicy::kNewInstance:
      return;  // destroyed by design, not a discard
    case ReusePolicy::kFreshState:
      if (version.image == nullptr ||
          !Backend(*instance)
               .ResetToImage(*version.image, version.KeepResidentPages())
               .ok()) {
        Discard(slot, std::move(instance));
        return;
      }
      PoolCounters::Add(slot.counters.resets);
      fresh = true;
      break;
    case ReusePolicy::kReuse:
      break;
  }
  if (closed() || slot.orphaned ||
      slot.idle.size() >= version.options.max_idle_per_thread) {
    Discard(slot, std::move(instance));
    return;
  }
  // Only for an instance that is kept, and even when ResetToImage had
  // nothing to undo: the host may have changed the instance's contexts
  // (e.g. its stdout) without calling the guest.
  if (fresh && version.options.reset_instance &&
      !version.options.reset_instance(*instance).ok()) {
    Discard(slot, std::move(instance));
    return;
  }
  slot.idle.push_back(std::move(instance));
  PoolCounters::Add(slot.counters.idle);
}

void PoolState::Close() {
  closed_.store(true, std::memory_order_release);
  pool_changes_generation.fetch_add(1, std::memory_order_acq_rel);
}

PoolStats PoolState::Stats() const {
  PoolStats stats;
  {
    MutexLock lock(&slots_mu_);
    stats = retired_;
    for (const PoolThreadSlot* slot : slots_) slot->counters.AddTo(stats);
  }
  std::shared_ptr<const PoolVersion> current;
  {
    MutexLock lock(&version_mu_);
    current = current_;
    for (const std::weak_ptr<const PoolVersion>& old : old_versions_) {
      if (std::shared_ptr<const PoolVersion> alive = old.lock()) {
        stats.old_instances += alive->instances.load(std::memory_order_relaxed);
      }
    }
  }
  stats.version = current->number;
  if (current->options.policy == ReusePolicy::kFreshState &&
      current->image == nullptr) {
    stats.fresh_state_refusal = current->module.state_->reset_refusal;
  }
  return stats;
}

}  // namespace internal

absl::Duration PoolStats::AcquireLatencyPercentile(double fraction) const {
  uint64_t total = 0;
  for (uint64_t count : acquire_latency) total += count;
  if (total == 0) return absl::ZeroDuration();
  const double target = std::clamp(fraction, 0.0, 1.0) * total;
  uint64_t seen = 0;
  for (size_t i = 0; i < kLatencyBuckets; ++i) {
    seen += acquire_latency[i];
    if (seen >= target && seen > 0) return LatencyBucketBound(i);
  }
  return LatencyBucketBound(kLatencyBuckets - 1);
}

Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      slot_(other.slot_),
      instance_(std::move(other.instance_)) {}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = other.pool_;
    slot_ = other.slot_;
    instance_ = std::move(other.instance_);
  }
  return *this;
}

Lease::~Lease() { Release(); }

uint64_t Lease::version() const {
  return instance_ == nullptr ? 0 : instance_.get_deleter().version->number;
}

void* Lease::Handles(const void* type_key) const {
  return instance_ == nullptr
             ? nullptr
             : internal::PoolState::Handles(instance_, type_key);
}

void Lease::Release() {
  if (instance_ == nullptr) return;
  if (ABSL_PREDICT_FALSE(slot_->owner != std::this_thread::get_id())) {
    pool_->ReleaseOnOwnerThread(slot_, std::move(instance_));
    return;
  }
  internal::PoolState::ReleaseOnThisThread(pool_, slot_, std::move(instance_));
}

absl::StatusOr<std::unique_ptr<InstancePool>> InstancePool::Create(
    const Module& module, const Linker& linker, const PoolOptions& options) {
  auto state = std::make_shared<internal::PoolState>(options);
  absl::Status primed = state->Install(state, module, linker, options);
  if (!primed.ok()) {
    state->Close();
    if (auto* slots = internal::ThreadSlots::Existing())
      slots->Drop(state->id());
    return internal::WithDefaultKind(primed, ErrorKind::kInternal);
  }
  return std::unique_ptr<InstancePool>(new InstancePool(std::move(state)));
}

InstancePool::~InstancePool() {
  // A lease of this thread's slot destroyed on another thread may be
  // queued for release here: released before the slot goes.
  v8backend::RunHandedBack();
  state_->Close();
  // Other threads drop their idle instances the next time they use a pool
  // or when they exit.
  if (auto* slots = internal::ThreadSlots::Existing())
    slots->Drop(state_->id());
}

absl::StatusOr<Lease> InstancePool::Acquire() {
  return state_->Acquire(state_);
}

absl::Status InstancePool::Reload(const Module& module) {
  std::shared_ptr<const internal::PoolVersion> current =
      state_->CurrentVersion();
  return Reload(module, current->linker, current->options);
}

absl::Status InstancePool::Reload(const Module& module, const Linker& linker,
                                  const PoolOptions& options) {
  absl::Status installed = state_->Install(state_, module, linker, options);
  if (installed.ok()) return installed;
  return internal::WithPrefix(
      absl::StrCat("reload refused, the pool keeps version ",
                   state_->CurrentNumber(), ": "),
      internal::WithDefaultKind(installed, ErrorKind::kInternal));
}

PoolStats InstancePool::stats() const { return state_->Stats(); }

PoolOptions InstancePool::options() const {
  return state_->CurrentVersion()->options;
}

}  // namespace wasmhost
