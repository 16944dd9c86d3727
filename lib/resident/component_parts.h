// lib/resident/component_parts.h: what a component's resident reads and
// writes beneath the public component API: the module of each core
// instance, the hash of the component's glue, its handle tables, and an
// instantiation for a restore.
//
// Only public types appear here: lib/component's own headers must be read
// before any public component header (see component_state.h), so they stay
// in component_parts.cc, and the public component types are spelled with
// their inline namespace (component::api::), which stays unambiguous next
// to lib/component's own.

#ifndef WASMHOST_LIB_RESIDENT_COMPONENT_PARTS_H_
#define WASMHOST_LIB_RESIDENT_COMPONENT_PARTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/wasmhost/v1/snapshot.pb.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/instance.h"
#include "wasmhost/module.h"
#include "wasmhost/wasi.h"

namespace wasmhost::internal {

// A core instance of a component as its plan makes it: its module and
// whether it defines its memory (else it imports another's, which that
// one carries).
struct ComponentCore {
  Module module;
  bool owns_memory = false;
};

// The component's core instances, in instantiation order.
std::vector<ComponentCore> CoresOf(const component::api::Component& component);

// The component's instantiated core instances, in the same order.
std::vector<Instance*> CoreInstancesOf(component::api::Instance& instance);

// SHA-256 of the component's bytes outside its core modules.
const std::string& GlueSha256(const component::api::Component& component);

// Adds the instance's handle tables to `out`; `wasi` is its WASI context
// (nullptr: none), whose stdio streams are carried. Returns
// FailedPrecondition naming the first handle a snapshot cannot carry: one
// of another host resource (a live host object; the message names its
// interface and resource), a borrow, or a handle lent to a call.
absl::Status CaptureHandles(component::api::Instance& instance,
                            const wasi::WasiContext* wasi,
                            v1::ResidentState& out);

// Puts `saved`'s handle tables into `instance`, a fresh one of the same
// component, remaking its WASI stdio streams in `wasi` (nullptr: none).
// Returns DataLoss when they cannot be its: another number of tables, an
// index out of its table or given twice, a free index that holds a handle,
// a type that is not a resource the component defines (or, for a stream,
// a WASI stream's), or a stream without a WASI context.
absl::Status RestoreHandles(component::api::Instance& instance,
                            wasi::WasiContext* wasi,
                            const v1::ResidentState& saved);

// component::api::Instance::Create, except that the core instances skip their
// data segments and start functions: a snapshot's state replaces theirs.
absl::StatusOr<component::api::Instance> InstantiateComponentForRestore(
    const component::api::Component& component,
    const component::api::Linker& linker, const InstanceOptions& options);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RESIDENT_COMPONENT_PARTS_H_
