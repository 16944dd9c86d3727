// lib/component/host_handles.h: the handles to guest resources a component
// instance's host side holds (component::GuestHandle's table).
//
//   HostHandles  one component instance's host-held handles: made when a
//                call lifts a guest resource's own or borrow out to the
//                host (or to another component instance through it),
//                checked and ended when one is lowered back or dropped
//
// The canonical ABI gives the caller of a component a guest resource's rep;
// a host holding bare reps could pass one to another instance, or use one
// it already dropped or moved into the guest, and the guest would see a
// handle it never made. Here the caller gets a slot instead, named by the
// instance's id and a generation, so only a live handle of this instance
// and of the expected resource type is lowered.

#ifndef WASMHOST_LIB_COMPONENT_HOST_HANDLES_H_
#define WASMHOST_LIB_COMPONENT_HOST_HANDLES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "wasmhost/component_val.h"

namespace wasmhost::component {
namespace internal {

// Makes and reads GuestHandles (their members are private to the public
// API).
struct GuestHandleAccess {
  static GuestHandle Make(uint64_t instance, uint32_t index,
                          uint32_t generation, uint32_t rep) {
    GuestHandle handle;
    handle.instance_ = instance;
    handle.index_ = index;
    handle.generation_ = generation;
    handle.rep_ = rep;
    return handle;
  }
  static uint64_t Instance(const GuestHandle& h) { return h.instance_; }
  static uint32_t Index(const GuestHandle& h) { return h.index_; }
  static uint32_t Generation(const GuestHandle& h) { return h.generation_; }
};

}  // namespace internal

// One component instance's host-held guest resource handles. Slots are
// reused; each end bumps the slot's generation, so a GuestHandle of an
// ended handle never names a later one. Thread-compatible (the instance
// owning it is thread-affine).
class HostHandles {
 public:
  // `names[t]`: what messages call run-time resource type t (the plan's
  // resource_types; "resource type t" beyond them).
  explicit HostHandles(std::vector<std::string> names);
  HostHandles(const HostHandles&) = delete;
  HostHandles& operator=(const HostHandles&) = delete;

  // A new handle to an own (`own`) or a borrow of run-time resource type
  // `type` with `rep`.
  GuestHandle Add(uint32_t type, uint32_t rep, bool own);

  // The rep of live handle `handle`, to lower as an own (`own`) or borrow
  // of `type`. InvalidArgument "own<r> of the component needs a handle a
  // call gave the host" when `handle` is none (a rep), "... is a handle of
  // resource q" for another type, "... cannot take a borrowed handle" for
  // a borrow lowered as an own; FailedPrecondition "... belongs to another
  // component instance" or "... was dropped or moved into the component,
  // its call returned, or the instance was reset" for a handle of another
  // instance or one that ended.
  absl::StatusOr<uint32_t> Check(const GuestHandle& handle, uint32_t type,
                                 bool own) const;
  // The type of live own handle `handle` (Instance::DropResource):
  // statuses as Check's.
  absl::StatusOr<uint32_t> OwnType(const GuestHandle& handle) const;

  // Ends `handle` (moved into the guest, dropped, or a borrow's call
  // returned); nothing when it already ended.
  void End(const GuestHandle& handle);
  // Ends every handle (a fresh-state pool's reset between leases).
  void EndAll();

  // The number of live handles.
  [[nodiscard]] size_t size() const { return live_; }

  // What messages call run-time resource type `type`.
  [[nodiscard]] std::string Name(uint32_t type) const;

 private:
  struct Slot {
    uint32_t type = 0;
    uint32_t rep = 0;
    bool own = false;
    bool live = false;
    uint32_t generation = 1;
  };
  absl::StatusOr<const Slot*> Live(const GuestHandle& handle,
                                   const std::string& what) const;

  uint64_t id_;  // This instance's, unique in the process.
  std::vector<std::string> names_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_HOST_HANDLES_H_
