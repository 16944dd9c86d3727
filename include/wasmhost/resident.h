// wasmhost/resident.h: long-lived instances that tick on a schedule,
// snapshot between ticks, and restore in another process with the grants,
// limits and lineage they carry.
//
//   TickBudget        what one tick may use: fuel and/or time
//   ResidentOptions   grants, limits, the tick export, a fuel account
//   RestoreOptions    whether a restore may widen the snapshot's grants
//   ResidentInstance  one resident of a module or a component: Tick,
//                     Snapshot, Restore
//
// A snapshot is a serialised wasmhost.v1.Snapshot
// (proto/wasmhost/v1/snapshot.proto): the SHA-256 of the module as the
// engine runs it, memory 0's non-zero pages (zero-run encoded), the mutable
// globals, WASI's virtual clock and seeded random position and the
// resident's pending stdio, the fuel account, the grants and limits, and a
// lineage of records hash-chained over (parent chain hash, record with the
// state's SHA-256). A restore checks all of it and continues byte-identically:
// the same ticks give the same output, memory and fuel as a resident that
// never stopped. The hashes detect corruption and edits that do not
// recompute them; they are not signatures (anyone holding a snapshot can
// recompute them), so a host that must trust a snapshot's origin keeps the
// chain hashes it issued and compares them (lineage_ids()).
//
// A component's resident ticks one of its exports and its snapshot holds
// every core instance's memories and globals, the hash of each core module
// and of the component's glue, its resource handle tables (handles of
// resources the component defines; a handle to a host resource is a live
// host object and refuses the snapshot), and the imported interfaces as
// its grants. WASI is the same WasiContext for both (wasi_component.h's
// WASI 0.2 runs on it), carried the same way.

#ifndef WASMHOST_RESIDENT_H_
#define WASMHOST_RESIDENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_val.h"
#include "wasmhost/export.h"
#include "wasmhost/instance.h"
#include "wasmhost/limits.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"
#include "wasmhost/wasi.h"

namespace wasmhost {

namespace internal {
struct ResidentState;
}  // namespace internal

// What one tick may use. Plain value.
struct WASMHOST_EXPORT TickBudget {
  // Fuel for the tick (EngineOptions::consume_fuel must be set); running
  // out stops the resident. nullopt: no per-tick fuel limit (a fuel account
  // still bounds it). Default nullopt.
  std::optional<uint64_t> fuel;
  // Wall time for the tick; past it the resident is stopped within a few
  // milliseconds. Default infinite.
  absl::Duration timeout = absl::InfiniteDuration();
};

struct WASMHOST_EXPORT ResidentOptions {
  // The instance's limits, carried in snapshots.
  Limits limits;

  // The export each tick calls. A module's must be () -> (); a
  // component's is ticked by Tick when it is func() and by TickWith for
  // any type. Default "tick".
  std::string tick_export = "tick";
  // A component's resident: the exported interface tick_export belongs to
  // ("demo:game/npc"); empty for a function of the world. Unused for a
  // module's. Default empty.
  std::string tick_interface;

  // WASI granted to the guest (a module's linker needs wasi::AddToLinker
  // too, a component's wasi::AddToComponentLinker); nullopt: none. Its stdio
  // sinks and source are ignored: a resident's stdio is its own buffers
  // (FeedStdin, TakeStdout, TakeStderr), which snapshots carry. For a snapshot
  // to continue deterministically give it a virtual clock and a random seed. A
  // module reactor's _initialize runs at Create (a component runs its own at
  // instantiation).
  std::optional<wasi::WasiOptions> wasi;

  // Fuel for all ticks together: each tick gets the smaller of its budget
  // and what is left; a resident with none left is stopped. Carried in
  // snapshots. nullopt: no account. Default nullopt.
  std::optional<uint64_t> fuel_account;

  // Bounds the start function and _initialize at Create. Default: none.
  CallOptions init_call;

  // Names this host in the lineage records of its snapshots. Default empty.
  std::string host_id;

  // Lineage records a snapshot carries, the newest; older ones are dropped
  // and the oldest kept chains to the last dropped one's hash (so a
  // resident snapshotted every minute for a month does not carry 43,200).
  // Default 64; 0 is taken as 1.
  size_t max_lineage_records = 64;
};

struct WASMHOST_EXPORT RestoreOptions {
  // Whether the ResidentOptions given to Restore may grant more than the
  // snapshot carries (WASI where it had none, other args, an env variable
  // or preopen it did not have, a writable preopen that was read-only, a
  // higher or no limit, a bigger fuel account). Each widening is recorded
  // in the lineage record of the next snapshot. Default false: refused.
  bool allow_widening = false;
};

// A long-lived instance of a module or a component that owns its memory,
// runs an export once per Tick under a budget, and snapshots between ticks. A
// tick that traps, runs out of fuel or time, or fails in a host function stops
// the resident for good (stop_reason()); its last snapshot stays valid.
//
// Owned by the caller (unique_ptr). Thread-affine: it lives in the creating
// thread's V8 isolate, like its instance; ResidentScheduler pins each
// resident to one worker thread for that reason.
class WASMHOST_EXPORT ResidentInstance {
 public:
  // Instantiates `module` through `linker` (which must outlive the
  // resident), runs its start function and, with WASI, a reactor's
  // _initialize.
  // Returns what Instance::Create returns, what wasi::WasiContext::Create
  // returns for options.wasi, or:
  //   NotFound         the module has no export options.tick_export
  //   InvalidArgument  the tick export's type is not () -> ()
  //   the status of a failing _initialize
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ResidentInstance>> Create(
      const Module& module, const Linker& linker, ResidentOptions options = {});

  // Continues the resident `snapshot` was taken of, in this process, as
  // `module` instantiated through `linker` with `options` (whose host_id
  // names this host from now on; its limits, wasi and fuel_account are the
  // grants asked for, compared with the snapshot's). Neither the start
  // function nor _initialize runs: the snapshot holds their work.
  // Returns:
  //   InvalidArgument     `snapshot` is not a wasmhost.v1.Snapshot, has an
  //                       unknown format version or is a component's, or
  //                       options.wasi's clock or
  //                       randomness kind differs from the snapshot's, or
  //                       its virtual clock another tick
  //   FailedPrecondition  `module` is not the module the snapshot is of
  //                       (the message gives both SHA-256s)
  //   DataLoss            the state does not match its hash, the lineage
  //                       chain is broken, the recorded imports are not
  //                       the module's, or memory pages do not decode
  //   PermissionDenied    `options` grant more than the snapshot carries
  //                       and restore.allow_widening is false (the message
  //                       lists each widening)
  //   what Create returns for the instantiation, and ResourceExhausted when
  //   the snapshot's memory is over options.limits.max_memory_bytes
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ResidentInstance>>
  Restore(absl::string_view snapshot, const Module& module,
          const Linker& linker, ResidentOptions options,
          const RestoreOptions& restore = {});

  // The same for a component instantiated through `linker` (which must
  // outlive the resident); its core instances' start functions run (as
  // component::Instance::Create runs them).
  // Returns what component::Instance::Create returns, what
  // wasi::WasiContext::Create returns for options.wasi, or NotFound when
  // the component exports no function options.tick_export of
  // options.tick_interface.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ResidentInstance>> Create(
      const component::Component& component, const component::Linker& linker,
      ResidentOptions options = {});

  // Continues a component's resident, as Restore above, checking the hash
  // of the component's glue and of every core module
  // (FailedPrecondition), and the imported interfaces the snapshot records
  // (DataLoss). Returns what Restore above returns (InvalidArgument for a
  // module's snapshot), and DataLoss for handle tables that cannot be the
  // component's.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ResidentInstance>>
  Restore(absl::string_view snapshot, const component::Component& component,
          const component::Linker& linker, ResidentOptions options,
          const RestoreOptions& restore = {});

  // The options a snapshot was taken with, as far as it carries them:
  // limits, tick export, fuel account and WASI's args, env, preopens, clock
  // (its tick; the reading is the snapshot's) and a seed (any: the stream's
  // position is the snapshot's). Restore with them (and a host_id) grants
  // exactly what the snapshot carries. Returns InvalidArgument for bytes
  // that are not a wasmhost.v1.Snapshot.
  [[nodiscard]] static absl::StatusOr<ResidentOptions> OptionsOf(
      absl::string_view snapshot);

  ResidentInstance(const ResidentInstance&) = delete;
  ResidentInstance& operator=(const ResidentInstance&) = delete;
  ~ResidentInstance();

  // Calls the tick export once under `budget`. Returns OK, or (stopping the
  // resident):
  //   ResourceExhausted  out of the tick's fuel or the fuel account
  //   DeadlineExceeded   budget.timeout passed
  //   Aborted            the guest trapped
  //   a host function's error status, or WASI's proc_exit status
  // and without stopping it: FailedPrecondition when it is already stopped
  // or this is not its thread, InvalidArgument for fuel on an engine that
  // does not consume fuel, or for a component's tick export that is not
  // func() (TickWith calls it).
  absl::Status Tick(const TickBudget& budget = {});

  // A component's resident: calls the tick export with `args` under
  // `budget` and returns its results (component::Func::Call's dynamic
  // path). Returns what Tick returns, with InvalidArgument (not stopping
  // it) for a module's resident or `args` that do not fit the export.
  absl::StatusOr<std::vector<component::Val>> TickWith(
      const TickBudget& budget, absl::Span<const component::Val> args);

  // The resident's state now, as a serialised wasmhost.v1.Snapshot, with a
  // new lineage record chained to the last one. Call between ticks.
  // Returns FailedPrecondition when the resident is stopped, the module's
  // (a core module's) state cannot be captured (it changes tables, drops
  // data segments, has a mutable global of a reference or v128 type, or, a
  // module's resident, imports a memory, table or global; the message says
  // which), the guest holds a WASI descriptor a snapshot cannot carry (a
  // file it opened), or a component holds a handle of a host resource
  // (WASI 0.2 streams included) or a borrow (the message names it).
  [[nodiscard]] absl::StatusOr<std::string> Snapshot();

  // Bytes given to the guest's stdin, read by later ticks.
  void FeedStdin(absl::string_view bytes);
  // What the guest wrote to stdout (stderr) since the last call.
  [[nodiscard]] std::string TakeStdout();
  [[nodiscard]] std::string TakeStderr();

  [[nodiscard]] uint64_t ticks() const;
  // Fuel used by all ticks (counted when ticks had fuel).
  [[nodiscard]] uint64_t fuel_used() const;
  // What is left of options.fuel_account; nullopt without one.
  [[nodiscard]] std::optional<uint64_t> fuel_left() const;
  [[nodiscard]] bool stopped() const;
  // Why the resident stopped; OK while it runs.
  [[nodiscard]] const absl::Status& stop_reason() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;
  // The snapshot ids of its lineage, oldest first: those of the snapshot it
  // was restored from, then those it took since (the newest
  // max_lineage_records once it snapshotted).
  [[nodiscard]] std::vector<std::string> lineage_ids() const;
  // The widenings allowed at its restore, not yet in a snapshot's lineage.
  [[nodiscard]] const std::vector<std::string>& pending_widenings() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // The instance, e.g. to read its memory between ticks; for a component's
  // resident its first core instance (wit-component's main module, whose
  // memory its functions use). Calls into it outside Tick are not budgeted
  // or counted.
  [[nodiscard]] Instance& instance() ABSL_ATTRIBUTE_LIFETIME_BOUND;
  // A component's resident's instance; nullptr for a module's.
  [[nodiscard]] component::Instance* component_instance()
      ABSL_ATTRIBUTE_LIFETIME_BOUND;

 private:
  explicit ResidentInstance(std::unique_ptr<internal::ResidentState> state);
  std::unique_ptr<internal::ResidentState> state_;
};

}  // namespace wasmhost

#endif  // WASMHOST_RESIDENT_H_
