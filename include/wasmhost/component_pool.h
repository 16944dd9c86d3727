// wasmhost/component_pool.h: warm component instances handed out per
// request, with the module pool's contract (pool.h).
//
//   component::PoolOptions   BasicPoolOptions over component::Instance:
//                            policy, caps, acquire timeout, hooks
//   component::Lease         one component instance on loan
//   component::InstancePool  instances of one component, kept warm on every
//                            thread, switched to a new version by Reload
//
// The pool is InstancePool's machinery (per-thread idle lists, caps,
// spare leases, versions, PoolStats) over component instances. With
// ReusePolicy::kFreshState (the default) every lease starts from the state
// of the component instance right after Create and initialize_instance:
// - every core instance of the component is restored from an image taken
//   once: the memories it defines (copy-on-write, as a module pool's) and
//   its mutable globals; tables are not captured, and a component whose
//   core code changes tables (or drops data segments, or has a v128 or
//   reference mutable global) gets a new instance for every lease
//   (PoolStats::fresh_state_refusal says why);
// - its resource handle tables go back to what they held when the image
//   was taken: handles made by the lease vanish (a guest resource's with
//   the guest state it points into), and for each own handle of a host
//   resource among them the host's destructor runs (as if the guest had
//   dropped it), so host-side objects do not leak;
// - reset_instance then restores what the pool cannot see, e.g.
//   wasi::WasiContext::Reset (a WASI 0.2 context's streams, descriptors
//   and pollables, and the stdout a lease set);
// - last, the host objects behind the image's own handles are put back as
//   they were when it was taken, for resources defined with a
//   HostResourceImage (component_linker.h; WASI 0.2's are), so those
//   handles keep working with the same numbers and the same host state.
// A poisoned instance (a trap, deadline, fuel, host error or canonical-ABI
// trap in any of its core instances) is discarded and replaced on that
// thread's next Acquire, as is one whose memory grew. A replacement is a
// full instantiation (core start functions and data segments run again)
// reset to the image, so initialize_instance does not run again.
//
// Handles the guest keeps after initialize_instance are part of the image.
// A host resource defined with a HostResourceImage has its objects copied
// into the image and put back into every instance made from it (which has
// host state of its own, from setup_instance), so a WASI guest may be
// warmed in initialize_instance (wasi::ConfigurePool in wasi_component.h):
// the preview-1 adapter's state, its stdout stream and preopens, and
// malloc's first growth of memory are then in the image, and its instances
// are reset, not replaced. For other host resources the rep must stay
// valid for every lease and every instance. A guest whose every lease
// grows its memory beyond the image is discarded and replaced per lease.

#ifndef WASMHOST_COMPONENT_POOL_H_
#define WASMHOST_COMPONENT_POOL_H_

#include <memory>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/export.h"
#include "wasmhost/pool.h"

namespace wasmhost::component {
inline namespace api {

// The module pool's options with hooks given the component::Instance:
// initialize_instance, reset_instance and SetHandles<T> take it;
// setup_instance adjusts the InstanceOptions every core instance is made
// with (its contexts are the component instance's). Fields, defaults and
// units as wasmhost::PoolOptions.
using PoolOptions = wasmhost::BasicPoolOptions<Instance>;

// One component instance on loan from a component::InstancePool. Destroying
// the lease returns it: reset, kept warm, or discarded by the pool's policy
// (always discarded when poisoned). version() is the pool version it was
// made from. Move-only. Thread-affine: use and destroy it on the thread
// that acquired it (destroyed on another thread, it is handed back to its
// own). The pool must outlive it.
class WASMHOST_EXPORT Lease : public wasmhost::internal::LeaseBase {
 public:
  [[nodiscard]] Instance& instance() ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return *static_cast<Instance*>(get());
  }
  Instance* operator->() ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return static_cast<Instance*>(get());
  }

  // The T that PoolOptions::SetHandles<T> made for this lease's instance
  // (e.g. a struct of TypedFuncs, valid across leases); nullptr when those
  // handles are not a T (or there are none).
  template <typename T>
  [[nodiscard]] T* handles() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return static_cast<T*>(Handles(wasmhost::internal::TypeKey<T>()));
  }

 private:
  friend class InstancePool;
  explicit Lease(wasmhost::internal::LeaseBase base)
      : LeaseBase(std::move(base)) {}
};

// Instances of one component for any number of server threads: each
// thread runs its instances on its own isolate, the compiled core modules
// are shared, and the hot path takes no global lock. Thread-safe.
class WASMHOST_EXPORT InstancePool {
 public:
  // Makes a pool and one instance on the calling thread (so a component
  // whose imports the linker does not grant fails here), and for
  // kFreshState its state image.
  // Returns what component::Instance::Create returns (e.g. NotFound for an
  // import not granted), InvalidArgument for inconsistent options (as
  // wasmhost::InstancePool::Create), or what initialize_instance or
  // reset_instance returns.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<InstancePool>> Create(
      const Component& component, const Linker& linker,
      const PoolOptions& options = {});

  ~InstancePool();

  // An instance for the calling thread.
  // Returns:
  //   ResourceExhausted  max_instances_per_thread are leased on this thread,
  //                      or max_instances are leased and none was released
  //                      within acquire_timeout
  //   what setup_instance, component::Instance::Create, initialize_instance
  //                      or the reset to the state image returns, with its
  //                      message prefixed by "the pool cannot make a new
  //                      instance: ", when a new instance fails
  [[nodiscard]] absl::StatusOr<Lease> Acquire();

  // Makes instances on the calling thread until it keeps `count` idle ones,
  // as wasmhost::InstancePool::Warm (same statuses, PoolStats::warmed).
  absl::Status Warm(size_t count);

  // Switches the pool to `component` with the current linker and options
  // (or new ones), as wasmhost::InstancePool::Reload: leases in flight keep
  // their version, later ones get the new one, and a version that cannot
  // be instantiated is refused with the message prefixed by "reload
  // refused, the pool keeps version N: ". InvalidArgument (same prefix)
  // when `options` changes max_instances, max_instances_per_thread or
  // acquire_timeout. Must not be called from the pool's own hooks.
  [[nodiscard]] absl::Status Reload(const Component& component);
  [[nodiscard]] absl::Status Reload(const Component& component,
                                    const Linker& linker,
                                    const PoolOptions& options);

  [[nodiscard]] PoolStats stats() const;
  // The current version's options: a copy, since a Reload may replace them.
  [[nodiscard]] PoolOptions options() const;

 private:
  explicit InstancePool(std::shared_ptr<wasmhost::internal::PoolState> state)
      : state_(std::move(state)) {}

  std::shared_ptr<wasmhost::internal::PoolState> state_;
};

}  // namespace api
}  // namespace wasmhost::component

#endif  // WASMHOST_COMPONENT_POOL_H_
