// lib/runtime/pool_guest.h: the seam between a pool's machinery and what it
// pools, so module pools (InstancePool) and component pools
// (component::InstancePool) share one implementation of thread slots,
// caps, spare leases, versions and stats (pool.cc).
//
//   PoolSettings      the options every kind of pool has
//   PoolGuest         one version's guest: makes, resets and destroys its
//                     instances, which the machinery sees as void*
//   CoreStateImage    one core instance's state, captured and restored;
//                     a component resets each of its core instances to one
//   CreatePool ...    the machinery's entry points for a pool kind

#ifndef WASMHOST_LIB_RUNTIME_POOL_GUEST_H_
#define WASMHOST_LIB_RUNTIME_POOL_GUEST_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "wasmhost/instance.h"
#include "wasmhost/pool.h"

namespace wasmhost::v8backend {
class StateImage;
}  // namespace wasmhost::v8backend

namespace wasmhost::internal {

// BasicPoolOptions' fields that do not depend on what is pooled.
struct PoolSettings {
  ReusePolicy policy = ReusePolicy::kFreshState;
  size_t max_instances = 0;
  size_t max_instances_per_thread = 0;
  size_t max_idle_per_thread = 0;
  size_t keep_resident_bytes = 0;
  absl::Duration acquire_timeout;
};

// Reads BasicPoolOptions' private handle maker.
struct PoolOptionsAccess {
  template <typename InstanceT>
  static PoolSettings Settings(const BasicPoolOptions<InstanceT>& options) {
    return {options.policy,
            options.max_instances,
            options.max_instances_per_thread,
            options.max_idle_per_thread,
            options.keep_resident_bytes,
            options.acquire_timeout};
  }
  template <typename InstanceT>
  static const void* HandlesKey(const BasicPoolOptions<InstanceT>& options) {
    return options.handles_key_;
  }
  // The handles for `instance`; null when no SetHandles was given.
  template <typename InstanceT>
  static absl::StatusOr<std::shared_ptr<void>> MakeHandles(
      const BasicPoolOptions<InstanceT>& options, InstanceT& instance) {
    if (!options.make_handles_) return std::shared_ptr<void>();
    return options.make_handles_(instance);
  }
};

// What one version of a pool is made of. The pool's thread (Install) calls
// TakeImage once before the version is published; after that it is
// immutable, and each method acts on an instance on that instance's own
// thread. Thread-safe once published.
class PoolGuest {
 public:
  explicit PoolGuest(const PoolSettings& settings) : settings_(settings) {}
  virtual ~PoolGuest() = default;

  const PoolSettings& settings() const { return settings_; }
  size_t KeepResidentPages() const;

  // kFreshState: FailedPrecondition when a reset could not restore the
  // guest's state (e.g. a module importing a memory); checked before the
  // first instance is made.
  virtual absl::Status CheckOwnsItsState() const = 0;
  // A new instance on the calling thread: started from the image when
  // there is one, else initialised (PoolOptions::initialize_instance);
  // with its SetHandles handles made. Statuses as InstancePool::Acquire's.
  virtual absl::StatusOr<void*> NewInstance() const = 0;
  virtual void Destroy(void* instance) const = 0;
  // kFreshState, on the version's first instance: captures the image and
  // resets the instance to it (reset_instance included), so its first
  // lease starts where every later one does. Takes no image, and returns
  // OK, when the guest's state cannot be restored (see
  // fresh_state_refusal).
  virtual absl::Status TakeImage(void* first) = 0;
  virtual bool has_image() const = 0;
  // Why a kFreshState version has no image; empty otherwise.
  virtual std::string fresh_state_refusal() const = 0;

  virtual bool poisoned(void* instance) const = 0;
  // For a poisoned instance: whether its poison is the guest ending its
  // program normally (PoolOptions::is_normal_exit) in a version with an
  // image; then it is no longer poisoned.
  virtual bool ClearNormalExit(void* instance) const = 0;
  // Restores the instance's state to the image (memory, globals). Not OK:
  // the instance must be discarded.
  virtual absl::Status ResetToImage(void* instance) const = 0;
  // Restores what the pool cannot see (PoolOptions::reset_instance).
  virtual absl::Status ResetHost(void* instance) const = 0;
  // Runs `release` on the instance's thread (see
  // v8backend::BackendInstance::HandBackToOwnerThread).
  virtual void HandBackToOwnerThread(void* instance,
                                     std::function<void()> release) const = 0;
  // The instance's SetHandles handles when they are of `type_key`'s type.
  virtual void* Handles(void* instance, const void* type_key) const = 0;

 private:
  const PoolSettings settings_;
};

// One core instance's state, to restore it: memory (when the instance
// defines it; an imported memory is its owner's to restore) and mutable
// globals. Immutable; thread-safe.
class CoreStateImage {
 public:
  // Captures `instance`'s state. Returns as
  // BackendInstance::CaptureState; FailedPrecondition when the module's
  // state cannot be restored (ModuleState::reset_refusal).
  static absl::StatusOr<CoreStateImage> Capture(Instance& instance,
                                                bool owns_memory);
  // Restores it, as BackendInstance::ResetToImage (FailedPrecondition when
  // the memory grew).
  absl::Status Restore(Instance& instance, size_t keep_resident_pages) const;

 private:
  std::shared_ptr<const v8backend::StateImage> image_;
  bool owns_memory_ = false;
};

// Runs `release` on the thread of `instance`'s isolate, as
// v8backend::BackendInstance::HandBackToOwnerThread.
void HandBackToOwnerThread(Instance& instance, std::function<void()> release);

// The machinery behind every kind of pool (pool.cc). `self` is the pool
// the call is about; a pool closes when its handle goes.
// Create and Reload: as InstancePool's, for a guest's first version.
absl::StatusOr<std::shared_ptr<PoolState>> CreatePool(
    std::unique_ptr<PoolGuest> guest);
absl::Status ReloadPool(const std::shared_ptr<PoolState>& self,
                        std::unique_ptr<PoolGuest> guest);
void ClosePool(const std::shared_ptr<PoolState>& self);
absl::StatusOr<LeaseBase> AcquireFrom(const std::shared_ptr<PoolState>& self);
// InstancePool::Warm: the calling thread's idle instances up to `count`.
absl::Status WarmPool(const std::shared_ptr<PoolState>& self, size_t count);
PoolStats StatsOf(const PoolState& pool);
// The current version's guest.
std::shared_ptr<const PoolGuest> CurrentGuest(const PoolState& pool);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RUNTIME_POOL_GUEST_H_
