// lib/component/handle_table.h: a component instance's resource handles, as
// the canonical ABI's Table and ResourceHandle define them.
//
//   ResourceHandle  an own or borrow handle: resource type, rep, lends
//   ResourceImpl    what a resource type is at run time for this instance
//   HandleTable     one instance's handles, the canon resource.new/drop/rep
//                   built-ins and the borrow scopes of calls into it
//
// As in the current spec, one table per component instance holds the
// handles of every resource type; each handle names its type, so using a
// handle as the wrong type traps. A table's types are resource types at
// run time (the plan's resource_types indices: one per instantiation of a
// defining component, as the spec's ResourceType objects compare by
// identity), not the binary's TypeIds; types.h's ResourceIds maps the
// latter to the former for one component instance's view.

#ifndef WASMHOST_LIB_COMPONENT_HANDLE_TABLE_H_
#define WASMHOST_LIB_COMPONENT_HANDLE_TABLE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/component/types.h"

namespace wasmhost::component {

struct ResourceHandle {
  uint32_t type = 0;  // the resource type at run time
  uint32_t rep = 0;
  bool own = false;
  // A borrow lowered into a call of this instance: the call's scope (see
  // HandleTable::EnterCall); unset for own handles.
  std::optional<uint32_t> borrow_scope;
  // How many calls this handle is lent to as a borrow; an own handle cannot
  // be dropped or moved out while lent.
  uint32_t num_lends = 0;
};

struct ResourceImpl {
  // Whether this instance implements the resource: a borrow lowered into it
  // is then the rep itself, not a handle.
  bool local = false;
  // Runs when an own handle of the type is dropped (the spec's rt.dtor);
  // empty: nothing runs. Host resources give their destructor here.
  std::function<absl::Status(uint32_t rep)> dtor;
  // Whether the host implements the resource: Restore runs its destructor
  // for the own handles made since the snapshot (a guest's resource lives
  // in guest state, which the pool resets instead).
  bool host = false;
  // A host resource's object, copied by Save for each own handle and put
  // back by RestoreHostObjects (component::HostResourceImage); empty:
  // Save keeps only the rep.
  std::function<absl::StatusOr<std::shared_ptr<const void>>(uint32_t rep)>
      capture;
  std::function<absl::Status(uint32_t rep, const void* captured)> restore;
};

// One component instance's handles. Index 0 is never a handle; freed
// indices are reused last-freed first, as in the spec. The statuses are the
// spec's traps: kAborted with the reason.
// Thread-compatible (the instance owning it is thread-affine).
class HandleTable {
 public:
  // The spec's Table.MAX_LENGTH.
  static constexpr uint32_t kMaxLength = (1u << 28) - 1;

  // `max_length`: at most this many handles (the spec's limit; smaller only
  // in tests).
  explicit HandleTable(uint32_t max_length = kMaxLength)
      : slots_(1), max_length_(max_length) {}
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // Says how `type` behaves for this instance (local or not, destructor).
  // Types never defined are foreign and have no destructor.
  void DefineResource(TypeId type, ResourceImpl impl);
  [[nodiscard]] bool IsLocal(TypeId type) const;
  // Whether the host implements `type` (ResourceImpl::host).
  [[nodiscard]] bool IsHost(TypeId type) const;

  // Adds `handle`; kAborted when the table already has max_length entries.
  absl::StatusOr<uint32_t> Add(ResourceHandle handle);
  // The handle at `index`; kAborted "unknown handle N" when there is none.
  absl::StatusOr<ResourceHandle*> Get(uint32_t index);
  // Removes and returns the handle at `index`; kAborted as Get.
  absl::StatusOr<ResourceHandle> Remove(uint32_t index);
  // The number of live handles.
  [[nodiscard]] size_t size() const { return slots_.size() - 1 - free_.size(); }

  // canon resource.new: a new own handle of `type` for `rep`.
  absl::StatusOr<uint32_t> ResourceNew(TypeId type, uint32_t rep);
  // canon resource.drop: removes handle `index` of `type`; an own handle's
  // destructor runs (its status is returned), a borrow ends. kAborted for
  // an unknown handle, a handle of another type, or an own handle still
  // lent to a call.
  absl::Status ResourceDrop(TypeId type, uint32_t index);
  // canon resource.rep: the rep of handle `index` of `type`; kAborted for an
  // unknown handle or a handle of another type.
  absl::StatusOr<uint32_t> ResourceRep(TypeId type, uint32_t index);

  // Lifting an own<type> out of the table (the spec's lift_own): removes the
  // handle and returns its rep. kAborted for an unknown handle, another
  // type, a borrow, or a handle lent to a call.
  absl::StatusOr<uint32_t> LiftOwn(TypeId type, uint32_t index);
  // Lifting a borrow<type> for a call out of this instance (lift_borrow):
  // the handle is lent until ReleaseLends; its index is appended to
  // `lends`. kAborted for an unknown handle or another type.
  absl::StatusOr<uint32_t> LiftBorrow(TypeId type, uint32_t index,
                                      std::vector<uint32_t>& lends);
  // Ends the lends of one call out of this instance (the spec's
  // Subtask.deliver_resolve).
  void ReleaseLends(absl::Span<const uint32_t> lends);
  // Lowering an own<type> (lower_own): a new own handle for `rep`.
  absl::StatusOr<uint32_t> LowerOwn(TypeId type, uint32_t rep);
  // Lowering a borrow<type> into the call with scope `scope`
  // (lower_borrow): the rep itself when the type is local, else a borrow
  // handle the callee must drop before the call returns.
  absl::StatusOr<uint32_t> LowerBorrow(TypeId type, uint32_t rep,
                                       uint32_t scope);

  // The table's handles, to go back to (part of a fresh-state pool's
  // image, taken between calls), and the host objects behind them.
  struct Snapshot {
    std::vector<std::optional<ResourceHandle>> slots;
    std::vector<uint32_t> free;
    // By slot: what ResourceImpl::capture made of an own handle's host
    // object; null for the others.
    std::vector<std::shared_ptr<const void>> host_objects;
  };
  // The handles, each own handle of a host resource with a capture
  // function having its object captured. Returns the first capture's
  // error.
  [[nodiscard]] absl::StatusOr<Snapshot> Save() const;
  // Goes back to `snapshot` (a fresh-state pool's reset): the handles made
  // since go, each own handle of a host resource among them having its
  // destructor run, and every lend and borrow scope ends. Returns the
  // first destructor's error, after running the others.
  absl::Status Restore(const Snapshot& snapshot);
  // Puts the host objects `snapshot` captured back behind their reps
  // (ResourceImpl::restore), after the host reset its own state, or into a
  // new instance's host state, so the snapshot's handles work again.
  // Returns the first error, after trying the others.
  absl::Status RestoreHostObjects(const Snapshot& snapshot) const;

  // Begins a call into this instance (the spec's Task): borrows lowered
  // into it count against the returned scope.
  uint32_t EnterCall();
  // Ends the call: kAborted when the callee still holds borrow handles of
  // it (the spec's trap in Task.return_).
  absl::Status ExitCall(uint32_t scope);

 private:
  std::vector<std::optional<ResourceHandle>> slots_;
  std::vector<uint32_t> free_;
  uint32_t max_length_;

  absl::flat_hash_map<TypeId, ResourceImpl> impls_;
  // Live borrow scopes: scope id -> borrow handles not yet dropped.
  absl::flat_hash_map<uint32_t, uint32_t> num_borrows_;
  uint32_t next_scope_ = 1;
};

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_HANDLE_TABLE_H_
