// wasmhost/pool.h: warm instances handed out per request.
//
//   ReusePolicy       what state a lease starts from
//   BasicPoolOptions  policy, caps, acquire timeout, per-instance options,
//                     hooks typed on what is pooled; PoolOptions for
//                     modules (component::PoolOptions for components)
//   PoolStats         counters and the acquire-latency histogram
//   InstancePool      instances of one module, kept warm on every thread,
//                     and switched to a new version of it by Reload
//   Lease             one instance on loan; returns it when destroyed

#ifndef WASMHOST_POOL_H_
#define WASMHOST_POOL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wasmhost/export.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"

namespace wasmhost {

namespace internal {
class PoolState;
struct PoolThreadSlot;
struct PoolVersion;
struct PoolOptionsAccess;

// Destroys an instance a pool made (a core Instance, or what another kind
// of pool pools: see lib/runtime/pool_guest.h) and counts it out of the
// version it was made from (PoolStats::old_instances).
struct WASMHOST_EXPORT PooledInstanceDeleter {
  std::shared_ptr<const PoolVersion> version;
  void operator()(void* instance) const;
};
using PooledInstance = std::unique_ptr<void, PooledInstanceDeleter>;
}  // namespace internal

enum class ReusePolicy : uint8_t {
  // Every lease starts from the module's state right after instantiation
  // and PoolOptions::initialize_instance: linear memory is reset from a
  // copy-on-write image and mutable globals are restored; host state kept
  // per instance (e.g. a wasi::WasiContext) is restored by
  // PoolOptions::reset_instance. An instance that grew its memory, trapped
  // or missed a deadline is discarded, and the next Acquire replaces it
  // with a new instance started from the image at the image's memory size
  // (initialize_instance is not run again, nor the module's start function,
  // and its data segments are not copied into memory first: the image holds
  // their work, so a replacement costs an instantiation without them). A module
  // whose state cannot be
  // restored (e.g. a mutable v128 or reference global, or a table the code
  // changes) gets a new instance for every lease.
  kFreshState,
  // State persists from one lease of an instance to the next (long-lived
  // plugins, caches).
  kReuse,
  // Every lease is a new instantiation; the baseline the others beat.
  kNewInstance,
};

// `InstanceT` is what the pool leases: Instance (PoolOptions, below) or
// component::Instance (component::PoolOptions, component_pool.h).
template <typename InstanceT>
struct BasicPoolOptions {
  // Default kFreshState.
  ReusePolicy policy = ReusePolicy::kFreshState;

  // Most instances leased at once across all threads; Acquire waits
  // (up to acquire_timeout) for a release beyond it. Default 64; 0 means no
  // limit. Idle instances are bounded by max_idle_per_thread instead, so a
  // thread's idle instances never block another thread.
  size_t max_instances = 64;

  // Most instances leased at once by one thread; Acquire fails at once
  // beyond it (only the thread itself could release one). Default 16; 0
  // means no limit.
  size_t max_instances_per_thread = 16;

  // Idle instances kept warm per thread; more are destroyed on release.
  // Default 4.
  size_t max_idle_per_thread = 4;

  // kFreshState: how much of the memory a lease wrote a reset copies back
  // from the image, keeping those pages resident for the next lease (no
  // page faults, no kernel work besides finding them). A lease that wrote
  // more has all its written pages dropped instead: they return to the
  // shared image and the next lease faults in what it writes, which costs
  // ~10x more per page, and far more with several threads: each fault on a
  // copy-on-write page flushes the TLB of every CPU running the process
  // (benchmarks/README.md: two threads writing 1 MiB per lease went from
  // 1.9x one thread's throughput to 0.34x). Set it to at least what a
  // request writes; the price is that much resident memory per idle
  // instance. Rounded down to 4 KiB pages. Default 4 MiB; 0 always drops.
  size_t keep_resident_bytes = 4 << 20;

  // How long Acquire waits when max_instances are leased before returning
  // ResourceExhausted. Default 1 s; zero fails at once.
  absl::Duration acquire_timeout = absl::Seconds(1);

  // Applied to every instance (limits, embedder context, start deadline).
  InstanceOptions instance_options;

  // Called for each new instance, on the thread that will run it, with a
  // copy of instance_options to adjust: e.g. a WasiContext per instance
  // (contexts are thread-affine), given with
  // SetContext(std::shared_ptr<T>), which the instance then owns. A non-OK
  // status fails the Acquire (or Create) with that status. Default: none.
  std::function<absl::Status(InstanceOptions&)> setup_instance;

  // Runs on each new instance before its first lease, e.g.
  // wasi::InitializeReactor. With kFreshState it runs once, on the first
  // instance, before the state image is taken: later instances start from
  // that image, initialised, without running it again. A non-OK status
  // fails the Acquire (or Create). Default: none.
  std::function<absl::Status(InstanceT&)> initialize_instance;

  // Runs with kFreshState on every release of a lease whose instance is
  // kept for another lease (not poisoned, reset, not beyond
  // max_idle_per_thread, pool not destroyed), on the releasing thread,
  // after memory and globals are restored: it puts back the per-instance
  // state the pool cannot see, e.g. wasi::WasiContext::Reset. It runs even
  // when the lease never called the guest (the host may have changed the
  // instance's contexts, e.g. its stdout), and once on the first instance
  // after the state image is taken, so every lease starts from the same
  // state. A non-OK status discards the instance (PoolStats::discards);
  // at pool creation it fails Create. Not run with kReuse or
  // kNewInstance. wasi::ConfigurePool sets it. Default: none.
  std::function<absl::Status(InstanceT&)> reset_instance;

  // kFreshState: whether the status that poisoned an instance is the
  // guest's program ending as it meant to (e.g. WASI's proc_exit, which
  // exit() calls) rather than a fault. Such an instance is reset and kept
  // like one whose calls returned (PoolStats::exits), so command pools stay
  // warm; others are discarded. wasi::ConfigurePool sets it. Default: none.
  std::function<bool(const absl::Status&)> is_normal_exit;

  // Makes a T once per instance with `make`, before the instance's first
  // lease (after initialize_instance or the reset to the state image), on
  // the thread that will run it; Lease::handles<T>() returns it for every
  // lease of that instance. For handles that stay valid across leases,
  // e.g. a struct of TypedFuncs, so a request does not look its exports up
  // again. A non-OK status fails the Acquire (or Create). Replaces an
  // earlier SetHandles. Default: none.
  template <typename T>
  void SetHandles(std::function<absl::StatusOr<T>(InstanceT&)> make) {
    handles_key_ = internal::TypeKey<T>();
    make_handles_ =
        [make = std::move(make)](
            InstanceT& instance) -> absl::StatusOr<std::shared_ptr<void>> {
      absl::StatusOr<T> made = make(instance);
      if (!made.ok()) return made.status();
      return std::make_shared<T>(*std::move(made));
    };
  }

 private:
  friend struct internal::PoolOptionsAccess;
  // SetHandles's type and maker.
  const void* handles_key_ = nullptr;
  std::function<absl::StatusOr<std::shared_ptr<void>>(InstanceT&)>
      make_handles_;
};

using PoolOptions = BasicPoolOptions<Instance>;

// A snapshot of a pool's counters. Plain value.
struct WASMHOST_EXPORT PoolStats {
  static constexpr size_t kLatencyBuckets = 32;

  uint64_t leases = 0;     // successful Acquire calls
  uint64_t warm_hits = 0;  // leases served by an idle instance
  uint64_t misses = 0;     // leases that had to instantiate
  uint64_t resets = 0;     // fresh-state resets done on release
  uint64_t discards = 0;   // instances destroyed instead of reused
  uint64_t traps = 0;      // instances returned poisoned (trap, deadline,
                           // host error)
  // Instances returned after the guest ended its program normally
  // (PoolOptions::is_normal_exit), reset and kept.
  uint64_t exits = 0;
  uint64_t timeouts = 0;  // Acquire calls that hit acquire_timeout
  // Acquire calls refused at once: max_instances_per_thread were leased on
  // the calling thread.
  uint64_t thread_cap_refusals = 0;
  // Acquire calls that failed making a new instance (setup_instance,
  // Instance::Create, growing it to the image's memory size, or
  // initialize_instance failed); each error says why.
  uint64_t failed_instantiations = 0;
  // kFreshState: new instances started from the state image (for another
  // thread, or replacing a discarded one) rather than initialised again.
  uint64_t replacements = 0;
  // Instances made by InstancePool::Warm (counted in neither leases nor
  // misses).
  uint64_t warmed = 0;
  // kFreshState with a module whose state cannot be restored (then every
  // lease gets a new instance): why, e.g. "the code drops data segments
  // (data.drop), which a reset cannot restore"; empty otherwise.
  std::string fresh_state_refusal;
  uint64_t idle = 0;    // idle instances now, all threads
  uint64_t in_use = 0;  // leased instances now
  // The version new leases get: 1 for the module given to Create, one more
  // for each Reload that succeeded.
  uint64_t version = 0;
  // Instances of earlier versions not freed yet: leased ones (freed when
  // their lease returns), and idle ones of a thread that has not acquired
  // or released from any pool since the Reload (freed when it next does,
  // or when it exits). Counted in neither idle nor discards.
  uint64_t old_instances = 0;

  // acquire_latency[i] counts acquires that took less than
  // LatencyBucketBound(i) and at least LatencyBucketBound(i - 1).
  std::array<uint64_t, kLatencyBuckets> acquire_latency{};
  // 2^i nanoseconds; the last bucket also takes everything slower.
  static absl::Duration LatencyBucketBound(size_t i) {
    return absl::Nanoseconds(int64_t{1} << i);
  }
  // The latency below which `fraction` (0..1) of acquires fell, to the
  // bucket's precision; zero when there were none.
  [[nodiscard]] absl::Duration AcquireLatencyPercentile(double fraction) const;

  // One line for logs: every counter as `name=value` (the field names
  // above), then the acquire latency's p50, p90, p99 and max as bucket
  // bounds in ns, us, ms or s with three significant digits ("p50<1.02us":
  // half the acquires took less than 1.02 us), then fresh_state_refusal
  // when set. E.g. "leases=3 warm_hits=2 misses=1 ... acquire_latency
  // p50<1.02us p90<4.1us p99<4.1us max<4.1us".
  [[nodiscard]] std::string ToString() const;
};

// Writes stats.ToString().
WASMHOST_EXPORT std::ostream& operator<<(std::ostream& out,
                                         const PoolStats& stats);

namespace internal {

// What every kind of lease is: the pool, the acquiring thread's slot in it
// and the instance, returned to the pool on destruction. Lease and
// component::Lease add the instance's type. Move-only. Thread-affine, as
// the leases.
class WASMHOST_EXPORT LeaseBase {
 public:
  LeaseBase(LeaseBase&& other) noexcept;
  LeaseBase& operator=(LeaseBase&& other) noexcept;
  ~LeaseBase();

  // The pool version this lease's instance was made from (see
  // PoolStats::version), current at some point during its Acquire: a
  // Reload never changes a lease's guest. 0 for a moved-from lease.
  [[nodiscard]] uint64_t version() const;

 protected:
  void* get() const { return instance_.get(); }
  // The handles PoolOptions::SetHandles made for the instance, when they
  // are of `type_key`'s type; nullptr otherwise.
  void* Handles(const void* type_key) const;

 private:
  friend class PoolState;
  LeaseBase(PoolState* pool, PoolThreadSlot* slot, PooledInstance instance)
      : pool_(pool), slot_(slot), instance_(std::move(instance)) {}
  void Release();

  PoolState* pool_;
  PoolThreadSlot* slot_;
  PooledInstance instance_;
};

}  // namespace internal

// One instance on loan from an InstancePool. Destroying the lease returns
// the instance: reset, kept warm, or discarded, by the pool's policy; a
// poisoned instance is always discarded. version() (see
// internal::LeaseBase) is the pool version the instance was made from.
// Move-only. Thread-affine: use and
// destroy it on the thread that acquired it (destroyed on another thread,
// it is handed back and released on its own: see wasmhost.h). The pool
// must outlive it. It
// may outlive its thread's isolate (e.g. kept in a thread_local made before
// it): its instance is then detached (see Instance), and destroying the
// lease discards the instance and gives back its share of max_instances.
class WASMHOST_EXPORT Lease : public internal::LeaseBase {
 public:
  [[nodiscard]] Instance& instance() ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return *static_cast<Instance*>(get());
  }
  Instance* operator->() ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return static_cast<Instance*>(get());
  }

  // The T that PoolOptions::SetHandles<T> made for this lease's instance
  // (with the options of its version); nullptr when those handles are not
  // a T (or there are none).
  template <typename T>
  [[nodiscard]] T* handles() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return static_cast<T*>(Handles(internal::TypeKey<T>()));
  }

 private:
  friend class InstancePool;
  explicit Lease(internal::LeaseBase base) : LeaseBase(std::move(base)) {}
};

// Instances of one module for any number of server threads. Each thread
// runs guests on its own V8 isolate with no hop to another thread; the
// compiled code is shared; the hot path takes no global lock. Reload
// switches a running pool to a new version of its guest without failing a
// request. Thread-safe.
class WASMHOST_EXPORT InstancePool {
 public:
  // Makes a pool and one instance on the calling thread, so a module that
  // cannot be instantiated fails here rather than on the first request.
  // Returns what Instance::Create returns, InvalidArgument for
  // inconsistent options (e.g. max_instances_per_thread > max_instances),
  // or FailedPrecondition with ReusePolicy::kFreshState for a module that
  // imports a memory, a table or a mutable global (the reset cannot restore
  // state its instances share with others; the message names the import).
  // A linker holding another instance's exports or host-made objects can
  // only instantiate on their thread, so such a pool serves that thread.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<InstancePool>> Create(
      const Module& module, const Linker& linker,
      const PoolOptions& options = {});

  ~InstancePool();

  // An instance for the calling thread.
  // Returns:
  //   ResourceExhausted  max_instances_per_thread are leased on this thread,
  //                      or max_instances are leased and none was released
  //                      within acquire_timeout
  //   what setup_instance, Instance::Create, initialize_instance or
  //                      the reset to the state image returns, with its
  //                      message prefixed by "the pool cannot make a new
  //                      instance: ", when a new instance fails
  [[nodiscard]] absl::StatusOr<Lease> Acquire();

  // Makes instances on the calling thread until it keeps `count` idle ones,
  // so its next `count` Acquires are warm hits rather than instantiations:
  // e.g. on a worker thread before its first request (Create warms only
  // the thread that calls it, with one instance). With kFreshState new
  // instances start from the state image. They count in
  // PoolStats::warmed. Returns:
  //   InvalidArgument    count > PoolOptions::max_idle_per_thread (a
  //                      release would discard the surplus)
  //   FailedPrecondition the policy is kNewInstance, which keeps no idle
  //                      instances
  //   what Acquire returns when a new instance fails (same prefix; counted
  //                      in PoolStats::failed_instantiations); the
  //                      instances made before it stay idle
  absl::Status Warm(size_t count);

  // Acquires, calls export `name` with `args` under `options` (deadline,
  // timeout, fuel, as TypedFunc::Call), and releases.
  template <typename Sig, typename... Args>
  auto Invoke(const CallOptions& options, absl::string_view name, Args... args)
      -> typename TypedFunc<Sig>::Result {
    absl::StatusOr<Lease> lease = Acquire();
    if (!lease.ok()) return lease.status();
    absl::StatusOr<TypedFunc<Sig>> func = lease->instance().GetFunc<Sig>(name);
    if (!func.ok()) return func.status();
    return func->Call(options, args...);
  }
  template <typename Sig, typename... Args>
  auto Invoke(absl::string_view name, Args... args) ->
      typename TypedFunc<Sig>::Result {
    return Invoke<Sig>(CallOptions(), name, args...);
  }

  // Switches the pool to a new version of its guest: `module`, with the
  // linker and options the current version has. Leases acquired before it
  // returns may get either version; each lease keeps the instance it got,
  // so leases in flight finish on the old version. Every lease acquired
  // after it returns gets the new one (Lease::version, PoolStats::version).
  // The old version's instances are never leased again: its leased ones are
  // freed when their lease returns and its idle ones when their thread next
  // acquires or releases from any pool (or exits), each on its own thread
  // (PoolStats::old_instances counts those not freed yet).
  //
  // The new version is instantiated once on the calling thread before the
  // switch (its start function, initialize_instance and, with kFreshState,
  // its state image), and that instance is kept idle for this thread. A
  // version that fails is refused and the pool keeps serving the current
  // one. Reloads are serialised; Acquire never waits for one. Must not be
  // called from the pool's own hooks.
  // Returns, with the message prefixed by "reload refused, the pool keeps
  // version N: ":
  //   what Create returns for `module` (e.g. NotFound for an import the
  //                      linker does not grant, Aborted for a start
  //                      function that traps, FailedPrecondition for
  //                      kFreshState with an imported memory)
  [[nodiscard]] absl::Status Reload(const Module& module);
  // As Reload(module), with a new linker and options, e.g. new
  // PoolOptions::SetHandles for the new module's exports. A reload may
  // change every option except the ones that bound the pool across
  // versions: max_instances, max_instances_per_thread and acquire_timeout
  // (leases of every version count against the caps).
  // Returns what Reload(module) returns, or InvalidArgument (with the same
  // prefix) when `options` changes one of those three.
  [[nodiscard]] absl::Status Reload(const Module& module, const Linker& linker,
                                    const PoolOptions& options);

  [[nodiscard]] PoolStats stats() const;
  // The current version's options: a copy, since a Reload may replace them.
  [[nodiscard]] PoolOptions options() const;

 private:
  explicit InstancePool(std::shared_ptr<internal::PoolState> state)
      : state_(std::move(state)) {}

  std::shared_ptr<internal::PoolState> state_;
};

}  // namespace wasmhost

#endif  // WASMHOST_POOL_H_
