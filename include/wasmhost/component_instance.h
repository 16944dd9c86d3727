// wasmhost/component_instance.h: a running component.
//
//   component::Func      an exported function called with component::Vals
//   component::Instance  a Component instantiated through a
//                        component::Linker
//
// Limits for the component as a whole (InstanceOptions, instance.h):
// - limits.max_memory_bytes bounds every memory the component's core
//   instances define, together: each defined memory may grow to its
//   initial size plus an equal share of what the limit leaves above all
//   initial sizes (a component with one memory, as wit-component makes
//   them, gets the whole limit). Initial sizes over the limit are
//   ResourceExhausted at Create.
// - limits.max_table_elements and max_stack_bytes apply to each core
//   instance.
// - A call's deadline (CallOptions) stops the guest in whichever core
//   instance it runs, host functions' nested calls included.
// - A call's fuel (CallOptions::fuel, with EngineOptions::consume_fuel) is
//   one budget for the guest code the lifted function runs in every core
//   instance (the author's module, wit-component's shims, the WASI
//   adapter, nested components). Each core instance counts its own
//   instructions against the whole budget while the call runs and the sum
//   is checked when it returns: running out in any core instance, or
//   together using more than the budget, is ResourceExhausted ("out of
//   fuel"), so a call may do up to (number of core instances) x fuel of
//   work before it fails but never succeeds having used more than its
//   fuel. cabi_realloc and post-return run outside the budget (a
//   deadline bounds them). remaining_fuel() is what all of them left.
// - The embedder contexts (SetContext) are shared by every core instance
//   and reach host functions as component::Caller::context<T>().

#ifndef WASMHOST_COMPONENT_INSTANCE_H_
#define WASMHOST_COMPONENT_INSTANCE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "wasmhost/component.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_type.h"
#include "wasmhost/component_val.h"
#include "wasmhost/export.h"
#include "wasmhost/instance.h"
#include "wasmhost/internal/func_traits.h"
#include "wasmhost/limits.h"

namespace wasmhost::component {
namespace internal {
struct InstanceState;
struct ExportState;
}  // namespace internal

inline namespace api {

template <typename Sig>
class TypedFunc;  // component_typed.h

// An exported function: `canon lift` of a core function. Cheap to copy;
// must not outlive its Instance. Thread-affine, like its Instance.
class WASMHOST_EXPORT Func {
 public:
  [[nodiscard]] const FuncType& type() const ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // Calls the function with `args` of type().params: lowers them into the
  // guest, calls the core function, lifts the results (none or one) and
  // runs the export's post-return function. Returns the results, or:
  //   InvalidArgument    `args` do not fit type().params (count, kinds,
  //                      ill-formed UTF-8, a surrogate char, a bad case
  //                      index, a rep or a handle of another resource
  //                      type where a guest resource's GuestHandle is
  //                      expected, a borrow as an own); nothing ran. Or
  //                      options.fuel without
  //                      EngineOptions::consume_fuel, or on a call a
  //                      host function makes inside a call of this
  //                      instance (it runs on the enclosing call's)
  //   Aborted            the guest trapped, or broke the canonical ABI
  //                      (invalid UTF-8, a discriminant out of range, an
  //                      unknown handle, an unaligned or out-of-bounds
  //                      pointer: the spec's traps, with the reason)
  //   DeadlineExceeded   options' deadline passed
  //   ResourceExhausted  the call ran out of options.fuel (in any core
  //                      instance, or all of them together)
  //   FailedPrecondition the instance is poisoned, or this is not its
  //                      thread; or a GuestHandle in `args` belongs to
  //                      another component instance or ended (dropped,
  //                      moved into the guest by an earlier call, a borrow
  //                      whose call returned, of an earlier pool lease),
  //                      named with its resource; nothing ran
  //   a host function's own error status, unchanged
  // Every failure but InvalidArgument before the call and
  // FailedPrecondition poisons the instance. Guest resources in the
  // results come as GuestHandles (component_val.h) of this instance.
  absl::StatusOr<std::vector<Val>> Call(const CallOptions& options,
                                        absl::Span<const Val> args) const;
  absl::StatusOr<std::vector<Val>> Call(absl::Span<const Val> args) const {
    return Call(CallOptions(), args);
  }

 private:
  friend class Instance;
  friend struct FuncAccess;
  Func(internal::InstanceState* instance, const internal::ExportState* func)
      : instance_(instance), func_(func) {}
  internal::InstanceState* instance_;
  const internal::ExportState* func_;
};

// An instance of a Component: its core instances, linked as the component
// says, its resource handles, and the host functions it imported.
//
// After a call fails in any of its core instances (a trap, a deadline,
// fuel, a host function's error, a canonical-ABI trap), the whole
// component instance is poisoned: later calls return FailedPrecondition.
//
// Move-only. Thread-affine: its core instances live in the creating
// thread's isolate (see wasmhost::Instance for what that means when it is
// called or destroyed elsewhere).
class WASMHOST_EXPORT Instance {
 public:
  // Instantiates `component` on the calling thread: creates its core
  // instances in order, runs their start functions (wit-component's
  // `_initialize`), and binds every import to `linker`'s definition.
  // Returns:
  //   NotFound           an imported function or resource is not defined
  //                      by `linker`; the message names the interface and
  //                      the function or resource
  //   InvalidArgument    a definition was given an expected type that is
  //                      not the import's; the message gives both
  //   ResourceExhausted  the component's memories' initial sizes exceed
  //                      options.limits.max_memory_bytes, or a core
  //                      instance's tables exceed max_table_elements
  //   DeadlineExceeded, Aborted  a start function ran past
  //                      options.start_call's deadline or trapped
  //   a host function's error status, if one failed during a start
  [[nodiscard]] static absl::StatusOr<Instance> Create(
      const Component& component, const Linker& linker,
      const InstanceOptions& options = {});

  Instance(Instance&& other) noexcept;
  Instance& operator=(Instance&& other) noexcept;
  ~Instance();

  // The exported function `name` of the world ("greet"), or function
  // `name` of exported interface `interface` ("demo:strings/text",
  // "upper"; resource functions as "[method]counter.inc").
  // Returns NotFound when there is none.
  [[nodiscard]] absl::StatusOr<Func> GetFunc(absl::string_view name) const;
  [[nodiscard]] absl::StatusOr<Func> GetFunc(absl::string_view interface,
                                             absl::string_view name) const;
  // The same as a TypedFunc checked against the C++ signature `Sig`
  // (include component_typed.h to use these): see TypedFunc::Get.
  template <typename Sig>
  [[nodiscard]] absl::StatusOr<TypedFunc<Sig>> GetFunc(
      absl::string_view name) const {
    return TypedFunc<Sig>::Get(*this, "", name);
  }
  template <typename Sig>
  [[nodiscard]] absl::StatusOr<TypedFunc<Sig>> GetFunc(
      absl::string_view interface, absl::string_view name) const {
    return TypedFunc<Sig>::Get(*this, interface, name);
  }

  // Drops the host's own handle `handle` to a guest resource (what a
  // call's Val::Own, or a typed Own<T>, gave the host): the handle ends
  // and the resource's destructor runs in the guest, if it has one.
  // Returns InvalidArgument for no handle or a borrow; FailedPrecondition
  // for a handle of another component instance, one already dropped or
  // passed to the guest, of an earlier pool lease, and as a call; else as
  // Func::Call.
  absl::Status DropResource(const GuestHandle& handle);

  // True once a call failed in the guest or a host function.
  [[nodiscard]] bool poisoned() const;
  // The fuel the component's core instances together left of the last
  // call made with CallOptions::fuel (0 when it ran out).
  // FailedPrecondition as wasmhost::Instance::remaining_fuel.
  [[nodiscard]] absl::StatusOr<uint64_t> remaining_fuel() const;
  [[nodiscard]] const Component& component() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // The context given to InstanceOptions::SetContext<T>(); nullptr when
  // none of type T was set.
  template <typename T>
  [[nodiscard]] T* context() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return static_cast<T*>(Context(wasmhost::internal::TypeKey<T>()));
  }

 private:
  friend struct InstanceAccess;
  explicit Instance(std::unique_ptr<internal::InstanceState> state);
  void* Context(const void* type_key) const;
  std::unique_ptr<internal::InstanceState> state_;
};

}  // namespace api
}  // namespace wasmhost::component

#endif  // WASMHOST_COMPONENT_INSTANCE_H_
