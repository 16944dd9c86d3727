// InstancePool: per-thread free lists of warm instances (no global lock on
// the hot path), atomic caps and counters, fresh-state resets from a
// copy-on-write image of the first instance's state, and versions of the
// guest switched by Reload.

#include "wasmhost/pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "lib/runtime/instance_state.h"
#include "lib/runtime/module_state.h"
#include "lib/runtime/pool_guest.h"
#include "lib/util/api_access.h"
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
      failed_instantiations{0}, replacements{0}, warmed{0}, idle{0}, in_use{0};
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
  stats.warmed += warmed.load(std::memory_order_relaxed);
  stats.idle += idle.load(std::memory_order_relaxed);
  stats.in_use += in_use.load(std::memory_order_relaxed);
  for (size_t i = 0; i < PoolStats::kLatencyBuckets; ++i) {
    stats.acquire_latency[i] += latency[i].load(std::memory_order_relaxed);
  }
}

size_t PoolGuest::KeepResidentPages() const {
  return settings_.keep_resident_bytes / MemoryImage::kPageSize;
}

// One version of a pool's guest: what its instances are made from, and
// (kFreshState) the image they reset to, both in `guest`. Immutable once
// published. Shared by the pool while it is current, by the thread slots
// serving it, and by every instance made from it (PooledInstanceDeleter),
// so the last of those frees it.
struct PoolVersion {
  PoolVersion(uint64_t version_number, std::unique_ptr<PoolGuest> made_of)
      : number(version_number), guest(std::move(made_of)) {}

  const PoolSettings& settings() const { return guest->settings(); }

  const uint64_t number;
  // Its image is taken by Install before the version is published.
  const std::unique_ptr<PoolGuest> guest;
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
  // `settings` gives the caps, which hold for every version.
  explicit PoolState(const PoolSettings& settings)
      : max_instances_(settings.max_instances),
        max_instances_per_thread_(settings.max_instances_per_thread),
        acquire_timeout_(settings.acquire_timeout),
        id_(next_pool_id.fetch_add(1)) {}

  // Makes a version (the first at Create, a new one at Reload): its first
  // instance, kept idle on the calling thread, and for kFreshState its
  // state image; then publishes it. On error the current version stays.
  absl::Status Install(const std::shared_ptr<PoolState>& self,
                       std::unique_ptr<PoolGuest> guest)
      ABSL_LOCKS_EXCLUDED(install_mu_, version_mu_);
  absl::StatusOr<LeaseBase> Acquire(const std::shared_ptr<PoolState>& self);
  absl::Status Warm(const std::shared_ptr<PoolState>& self, size_t count);
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
  absl::Status CheckCaps(const PoolSettings& settings) const;
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

void PooledInstanceDeleter::operator()(void* instance) const {
  version->guest->Destroy(instance);
  version->instances.fetch_sub(1, std::memory_order_relaxed);
}

absl::StatusOr<PooledInstance> PoolState::NewInstance(
    const std::shared_ptr<const PoolVersion>& version) {
  WASMHOST_ASSIGN_OR_RETURN(void* instance, version->guest->NewInstance());
  version->instances.fetch_add(1, std::memory_order_relaxed);
  return PooledInstance(instance, PooledInstanceDeleter{version});
}

void* PoolState::Handles(const PooledInstance& instance, const void* type_key) {
  return instance.get_deleter().version->guest->Handles(instance.get(),
                                                        type_key);
}

namespace {

// A module's instances, for InstancePool.
class ModuleGuest final : public PoolGuest {
 public:
  ModuleGuest(Module module, Linker linker, PoolOptions options)
      : PoolGuest(PoolOptionsAccess::Settings(options)),
        module_(std::move(module)),
        linker_(std::move(linker)),
        options_(std::move(options)) {}

  const Module& module() const { return module_; }
  const Linker& linker() const { return linker_; }
  const PoolOptions& options() const { return options_; }

  absl::Status CheckOwnsItsState() const override;
  absl::StatusOr<void*> NewInstance() const override;
  void Destroy(void* instance) const override {
    delete static_cast<Instance*>(instance);
  }
  absl::Status TakeImage(void* first) override;
  bool has_image() const override { return image_ != nullptr; }
  std::string fresh_state_refusal() const override {
    return image_ == nullptr ? ApiAccess::StateOf(module_)->reset_refusal : "";
  }
  bool poisoned(void* instance) const override {
    return Of(instance).poisoned();
  }
  bool ClearNormalExit(void* instance) const override {
    absl::Status& poison = ApiAccess::StateOf(Of(instance)).poison;
    if (image_ == nullptr || !options_.is_normal_exit ||
        !options_.is_normal_exit(poison)) {
      return false;
    }
    poison = absl::OkStatus();
    return true;
  }
  absl::Status ResetToImage(void* instance) const override {
    return Backend(Of(instance)).ResetToImage(*image_, KeepResidentPages());
  }
  absl::Status ResetHost(void* instance) const override {
    if (!options_.reset_instance) return absl::OkStatus();
    return options_.reset_instance(Of(instance));
  }
  void HandBackToOwnerThread(void* instance,
                             std::function<void()> release) const override {
    internal::HandBackToOwnerThread(Of(instance), std::move(release));
  }
  void* Handles(void* instance, const void* type_key) const override {
    if (type_key != PoolOptionsAccess::HandlesKey(options_)) return nullptr;
    return ApiAccess::StateOf(Of(instance)).pool_handles.get();
  }

 private:
  static Instance& Of(void* instance) {
    return *static_cast<Instance*>(instance);
  }
  static v8backend::BackendInstance& Backend(Instance& instance) {
    return *ApiAccess::StateOf(instance).backend;
  }

  const Module module_;
  const Linker linker_;
  const PoolOptions options_;
  // Set by TakeImage, when the module's state can be reset.
  std::shared_ptr<const v8backend::StateImage> image_;
};

}  // namespace

absl::StatusOr<void*> ModuleGuest::NewInstance() const {
  const PoolOptions& options = options_;
  InstanceOptions instance_options = options.instance_options;
  if (options.setup_instance) {
    WASMHOST_RETURN_IF_ERROR(WithDefaultKind(
        options.setup_instance(instance_options), ErrorKind::kHostError));
  }
  // A replacement skips the data segments and start function whose work
  // the image holds.
  WASMHOST_ASSIGN_OR_RETURN(
      Instance instance,
      image_ != nullptr
          ? ApiAccess::InstantiateForRestore(module_, linker_, instance_options)
          : Instance::Create(module_, linker_, instance_options));
  auto owned = std::make_unique<Instance>(std::move(instance));
  if (image_ != nullptr) {
    // Starts from the image: initialised already.
    WASMHOST_RETURN_IF_ERROR(ResetToImage(owned.get()));
  } else if (options.initialize_instance) {
    WASMHOST_RETURN_IF_ERROR(WithDefaultKind(
        options.initialize_instance(*owned), ErrorKind::kHostError));
  }
  absl::StatusOr<std::shared_ptr<void>> handles =
      PoolOptionsAccess::MakeHandles(options, *owned);
  if (!handles.ok()) {
    return WithDefaultKind(handles.status(), ErrorKind::kHostError);
  }
  ApiAccess::StateOf(*owned).pool_handles = *std::move(handles);
  return owned.release();
}

absl::Status ModuleGuest::TakeImage(void* first) {
  if (!ApiAccess::StateOf(module_)->resettable) return absl::OkStatus();
  WASMHOST_ASSIGN_OR_RETURN(image_, Backend(Of(first)).CaptureState());
  WASMHOST_RETURN_IF_ERROR(ResetToImage(first));
  // Undoes what initialize_instance did to host state, so the first
  // instance's first lease starts where every later one does.
  return WithDefaultKind(ResetHost(first), ErrorKind::kHostError);
}

// kFreshState restores only what an instance owns: a memory, table or
// mutable global it imports is shared with others and keeps their writes.
absl::Status ModuleGuest::CheckOwnsItsState() const {
  for (const ImportType& import : module_.imports()) {
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

absl::Status PoolState::CheckCaps(const PoolSettings& options) const {
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
                                std::unique_ptr<PoolGuest> guest) {
  MutexLock install_lock(&install_mu_);
  const uint64_t number = current_number_.load(std::memory_order_relaxed) + 1;
  if (number == 1 && max_instances_ != 0 &&
      max_instances_per_thread_ > max_instances_) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("max_instances_per_thread (", max_instances_per_thread_,
                     ") exceeds max_instances (", max_instances_, ")"));
  }
  WASMHOST_RETURN_IF_ERROR(CheckCaps(guest->settings()));
  if (guest->settings().policy == ReusePolicy::kFreshState) {
    WASMHOST_RETURN_IF_ERROR(guest->CheckOwnsItsState());
  }
  auto version = std::make_shared<PoolVersion>(number, std::move(guest));
  WASMHOST_ASSIGN_OR_RETURN(PooledInstance first, NewInstance(version));
  if (version->settings().policy == ReusePolicy::kFreshState) {
    WASMHOST_RETURN_IF_ERROR(version->guest->TakeImage(first.get()));
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
  if (version->settings().policy != ReusePolicy::kNewInstance &&
      slot.idle.size() < version->settings().max_idle_per_thread) {
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

absl::StatusOr<LeaseBase> PoolState::Acquire(
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
    if (slot.version->guest->has_image()) {
      PoolCounters::Add(slot.counters.replacements);
    }
  }
  PoolCounters::Add(slot.counters.in_use);
  PoolCounters::Add(slot.counters.leases);
  PoolCounters::Add(slot.counters.latency[LatencyBucket(NowNanos() - start)]);
  return LeaseBase(this, &slot, std::move(instance));
}

absl::Status PoolState::Warm(const std::shared_ptr<PoolState>& self,
                             size_t count) {
  PoolThreadSlot& slot = ThreadSlots::Get().For(self, id_);
  if (!IsCurrent(*slot.version)) UseCurrentVersion(slot);
  const PoolSettings& settings = slot.version->settings();
  if (settings.policy == ReusePolicy::kNewInstance) {
    return UsageError(absl::StatusCode::kFailedPrecondition,
                      "ReusePolicy::kNewInstance keeps no idle instances to "
                      "warm");
  }
  if (count > settings.max_idle_per_thread) {
    return UsageError(absl::StatusCode::kInvalidArgument,
                      absl::StrCat("cannot keep ", count,
                                   " idle instances warm: "
                                   "max_idle_per_thread is ",
                                   settings.max_idle_per_thread));
  }
  while (slot.idle.size() < count) {
    absl::StatusOr<PooledInstance> created = NewInstance(slot.version);
    if (!created.ok()) {
      PoolCounters::Add(slot.counters.failed_instantiations);
      return WithPrefix(
          "the pool cannot make a new instance: ",
          WithDefaultKind(created.status(), ErrorKind::kInternal));
    }
    slot.idle.push_back(*std::move(created));
    PoolCounters::Add(slot.counters.idle);
    PoolCounters::Add(slot.counters.warmed);
  }
  return absl::OkStatus();
}

void PoolState::ReleaseOnThisThread(PoolState* pool, PoolThreadSlot* slot,
                                    PooledInstance instance) {
  pool->Release(*slot, std::move(instance));
  if (ABSL_PREDICT_FALSE(slot->orphaned) && slot->leased() == 0) delete slot;
}

void PoolState::ReleaseOnOwnerThread(PoolThreadSlot* slot,
                                     PooledInstance instance) {
  const PoolGuest& guest = *instance.get_deleter().version->guest;
  void* raw = instance.get();
  // std::function needs a copyable callable.
  auto owned = std::make_shared<PooledInstance>(std::move(instance));
  guest.HandBackToOwnerThread(raw, [this, slot, owned] {
    ReleaseOnThisThread(this, slot, std::move(*owned));
  });
}

void PoolState::Release(PoolThreadSlot& slot, PooledInstance instance) {
  PoolCounters::Add(slot.counters.in_use, -1);
  ReturnLease(slot);
  const PoolVersion& version = *instance.get_deleter().version;
  const PoolGuest& guest = *version.guest;
  if (guest.poisoned(instance.get())) {
    // Whether the guest only ended its program, in a pool that resets it
    // anyway: the reset below undoes whatever the program left.
    if (!guest.ClearNormalExit(instance.get())) {
      PoolCounters::Add(slot.counters.traps);
      Discard(slot, std::move(instance));
      return;
    }
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
  switch (version.settings().policy) {
    case ReusePolicy::kNewInstance:
      return;  // destroyed by design, not a discard
    case ReusePolicy::kFreshState:
      if (!guest.has_image() || !guest.ResetToImage(instance.get()).ok()) {
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
      slot.idle.size() >= version.settings().max_idle_per_thread) {
    Discard(slot, std::move(instance));
    return;
  }
  // Only for an instance that is kept, and even when ResetToImage had
  // nothing to undo: the host may have changed the instance's contexts
  // (e.g. its stdout) without calling the guest.
  if (fresh && !guest.ResetHost(instance.get()).ok()) {
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
  if (current->settings().policy == ReusePolicy::kFreshState) {
    stats.fresh_state_refusal = current->guest->fresh_state_refusal();
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

namespace {

// A latency bucket's bound with three significant digits in the largest
// unit it reaches: "512ns", "1.02us", "131us", "1.05ms", "2.15s".
std::string ReadableDuration(absl::Duration duration) {
  const double nanos = absl::ToDoubleNanoseconds(duration);
  if (nanos < 1e3) return absl::StrFormat("%.3gns", nanos);
  if (nanos < 1e6) return absl::StrFormat("%.3gus", nanos / 1e3);
  if (nanos < 1e9) return absl::StrFormat("%.3gms", nanos / 1e6);
  return absl::StrFormat("%.3gs", nanos / 1e9);
}

}  // namespace

std::string PoolStats::ToString() const {
  std::string text = absl::StrCat(
      "leases=", leases, " warm_hits=", warm_hits, " misses=", misses,
      " resets=", resets, " discards=", discards, " traps=", traps,
      " exits=", exits, " timeouts=", timeouts,
      " thread_cap_refusals=", thread_cap_refusals,
      " failed_instantiations=", failed_instantiations,
      " replacements=", replacements, " warmed=", warmed, " idle=", idle,
      " in_use=", in_use, " version=", version,
      " old_instances=", old_instances, " acquire_latency");
  if (AcquireLatencyPercentile(1.0) == absl::ZeroDuration()) {
    absl::StrAppend(&text, " none");
  } else {
    for (const auto& [label, fraction] :
         {std::pair{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"max", 1.0}}) {
      absl::StrAppend(&text, " ", label, "<",
                      ReadableDuration(AcquireLatencyPercentile(fraction)));
    }
  }
  if (!fresh_state_refusal.empty()) {
    absl::StrAppend(&text, " fresh_state_refusal=\"", fresh_state_refusal,
                    "\"");
  }
  return text;
}

std::ostream& operator<<(std::ostream& out, const PoolStats& stats) {
  return out << stats.ToString();
}

namespace internal {

absl::StatusOr<CoreStateImage> CoreStateImage::Capture(Instance& instance,
                                                       bool owns_memory) {
  const ModuleState& module =
      *ApiAccess::StateOf(ApiAccess::StateOf(instance).module);
  if (!module.resettable) {
    return UsageError(absl::StatusCode::kFailedPrecondition,
                      module.reset_refusal);
  }
  v8backend::BackendInstance& backend = *ApiAccess::StateOf(instance).backend;
  CoreStateImage image;
  image.owns_memory_ = owns_memory;
  if (owns_memory) {
    WASMHOST_ASSIGN_OR_RETURN(image.image_, backend.CaptureState());
    return image;
  }
  std::vector<RawVal> globals;
  if (!module.state_global_types.empty()) {
    WASMHOST_ASSIGN_OR_RETURN(globals, backend.ReadStateGlobals());
  }
  image.image_ = std::make_shared<const v8backend::StateImage>(
      nullptr, std::move(globals));
  return image;
}

absl::Status CoreStateImage::Restore(Instance& instance,
                                     size_t keep_resident_pages) const {
  v8backend::BackendInstance& backend = *ApiAccess::StateOf(instance).backend;
  if (owns_memory_) {
    // Other instances importing the memory write it without calling this
    // one, which would let the reset skip it as untouched: handing the
    // memory out marks it touched.
    (void)backend.MemoryBytes();
    return backend.ResetToImage(*image_, keep_resident_pages);
  }
  if (image_->globals().empty()) return absl::OkStatus();
  return backend.WriteStateGlobals(image_->globals());
}

void HandBackToOwnerThread(Instance& instance, std::function<void()> release) {
  ApiAccess::StateOf(instance).backend->HandBackToOwnerThread(
      std::move(release));
}

absl::StatusOr<std::shared_ptr<PoolState>> CreatePool(
    std::unique_ptr<PoolGuest> guest) {
  auto state = std::make_shared<PoolState>(guest->settings());
  absl::Status primed = state->Install(state, std::move(guest));
  if (!primed.ok()) {
    state->Close();
    if (auto* slots = ThreadSlots::Existing()) slots->Drop(state->id());
    return WithDefaultKind(primed, ErrorKind::kInternal);
  }
  return state;
}

absl::Status ReloadPool(const std::shared_ptr<PoolState>& self,
                        std::unique_ptr<PoolGuest> guest) {
  absl::Status installed = self->Install(self, std::move(guest));
  if (installed.ok()) return installed;
  return WithPrefix(absl::StrCat("reload refused, the pool keeps version ",
                                 self->CurrentNumber(), ": "),
                    WithDefaultKind(installed, ErrorKind::kInternal));
}

void ClosePool(const std::shared_ptr<PoolState>& self) {
  // A lease of this thread's slot destroyed on another thread may be
  // queued for release here: released before the slot goes.
  v8backend::RunHandedBack();
  self->Close();
  // Other threads drop their idle instances the next time they use a pool
  // or when they exit.
  if (auto* slots = ThreadSlots::Existing()) slots->Drop(self->id());
}

absl::StatusOr<LeaseBase> AcquireFrom(const std::shared_ptr<PoolState>& self) {
  return self->Acquire(self);
}

absl::Status WarmPool(const std::shared_ptr<PoolState>& self, size_t count) {
  return self->Warm(self, count);
}

PoolStats StatsOf(const PoolState& pool) { return pool.Stats(); }

std::shared_ptr<const PoolGuest> CurrentGuest(const PoolState& pool) {
  std::shared_ptr<const PoolVersion> version = pool.CurrentVersion();
  const PoolGuest* guest = version->guest.get();
  return std::shared_ptr<const PoolGuest>(std::move(version), guest);
}

LeaseBase::LeaseBase(LeaseBase&& other) noexcept
    : pool_(other.pool_),
      slot_(other.slot_),
      instance_(std::move(other.instance_)) {}

LeaseBase& LeaseBase::operator=(LeaseBase&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = other.pool_;
    slot_ = other.slot_;
    instance_ = std::move(other.instance_);
  }
  return *this;
}

LeaseBase::~LeaseBase() { Release(); }

uint64_t LeaseBase::version() const {
  return instance_ == nullptr ? 0 : instance_.get_deleter().version->number;
}

void* LeaseBase::Handles(const void* type_key) const {
  return instance_ == nullptr ? nullptr
                              : PoolState::Handles(instance_, type_key);
}

void LeaseBase::Release() {
  if (instance_ == nullptr) return;
  if (ABSL_PREDICT_FALSE(slot_->owner != std::this_thread::get_id())) {
    pool_->ReleaseOnOwnerThread(slot_, std::move(instance_));
    return;
  }
  PoolState::ReleaseOnThisThread(pool_, slot_, std::move(instance_));
}

}  // namespace internal

namespace {

std::shared_ptr<const internal::ModuleGuest> CurrentModuleGuest(
    const internal::PoolState& pool) {
  // A module pool installs only ModuleGuests.
  return std::static_pointer_cast<const internal::ModuleGuest>(
      internal::CurrentGuest(pool));
}

}  // namespace

absl::StatusOr<std::unique_ptr<InstancePool>> InstancePool::Create(
    const Module& module, const Linker& linker, const PoolOptions& options) {
  WASMHOST_ASSIGN_OR_RETURN(
      std::shared_ptr<internal::PoolState> state,
      internal::CreatePool(
          std::make_unique<internal::ModuleGuest>(module, linker, options)));
  return std::unique_ptr<InstancePool>(new InstancePool(std::move(state)));
}

InstancePool::~InstancePool() { internal::ClosePool(state_); }

absl::StatusOr<Lease> InstancePool::Acquire() {
  WASMHOST_ASSIGN_OR_RETURN(internal::LeaseBase lease,
                            internal::AcquireFrom(state_));
  return Lease(std::move(lease));
}

absl::Status InstancePool::Warm(size_t count) {
  return internal::WarmPool(state_, count);
}

absl::Status InstancePool::Reload(const Module& module) {
  std::shared_ptr<const internal::ModuleGuest> current =
      CurrentModuleGuest(*state_);
  return Reload(module, current->linker(), current->options());
}

absl::Status InstancePool::Reload(const Module& module, const Linker& linker,
                                  const PoolOptions& options) {
  return internal::ReloadPool(
      state_, std::make_unique<internal::ModuleGuest>(module, linker, options));
}

PoolStats InstancePool::stats() const { return internal::StatsOf(*state_); }

PoolOptions InstancePool::options() const {
  return CurrentModuleGuest(*state_)->options();
}

}  // namespace wasmhost
