// wasmhost/internal/component_call.h: the seam typed component calls are
// built on (not user API). A typed call lowers C++ values straight into
// the flat core values of the lifted core function, calls it through a
// core TypedFunc, lifts the results from core values and guest memory, and
// runs post-return; these functions give it what component::Func::Call
// uses for the same steps, so both paths check, trap and poison alike.
//
// Sequence of one typed call of `func` (a component::Func):
//   ExportState* e = FuncExport(func);  InstanceState* i = FuncInstance(func);
//   BeginCall(*i)                        thread and poison checks
//   ... lower args with MemoryBytes/Realloc (Realloc may move the memory)
//   core.GetFunc<Sig>(CoreExportName(*e)) on CoreInstance(*e), once, then
//     BeginFuel(*e, options); .Call(options, flat args...);
//     EndFuel(*e, options, status)
//   ... lift results with MemoryBytes
//   PostReturn(*e, flat results)         when HasPostReturn(*e)
//   EndCall(*i, status)                  every path, with the call's status
//
// Every function is thread-affine (the instance's thread).

#ifndef WASMHOST_INTERNAL_COMPONENT_CALL_H_
#define WASMHOST_INTERNAL_COMPONENT_CALL_H_

#include <cstdint>
#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/export.h"
#include "wasmhost/instance.h"
#include "wasmhost/limits.h"
#include "wasmhost/value.h"

namespace wasmhost::component::internal {

// The canonical option string-encoding of a lifted export.
enum class CallStringEncoding : uint8_t { kUtf8, kUtf16, kLatin1Utf16 };

WASMHOST_EXPORT const ExportState& FuncExport(const Func& func);
WASMHOST_EXPORT InstanceState& FuncInstance(const Func& func);

// The core instance exporting the lifted core function and that export's
// name (so a typed handle to it can be made once).
WASMHOST_EXPORT const wasmhost::Instance& CoreInstance(const ExportState& e);
WASMHOST_EXPORT absl::string_view CoreExportName(const ExportState& e);
WASMHOST_EXPORT CallStringEncoding StringEncodingOf(const ExportState& e);
WASMHOST_EXPORT bool HasPostReturn(const ExportState& e);

// FailedPrecondition when the instance is poisoned or this is not its
// thread; otherwise the call may start.
WASMHOST_EXPORT absl::Status BeginCall(InstanceState& instance);
// Ends a call begun with BeginCall: a failed `status` poisons the instance
// when `guest_ran` (the failure is the guest's, e.g. a canonical-ABI trap
// lifting its results) or when it poisoned one of the core instances (a
// trap, deadline, fuel or host error, wherever it surfaced); a host value
// refused before the guest ran does not. Returns `status`.
WASMHOST_EXPORT absl::Status EndCall(InstanceState& instance,
                                     absl::Status status, bool guest_ran);

// Fuel for the component as a whole, around the core call (a typed call's
// or Func::Call's): with CallOptions::fuel, BeginFuel gives every other
// metered core instance the call's budget (the core call sets its own
// instance's), and EndFuel sums what all of them used, records what is
// left for Instance::remaining_fuel, lifts the others' limits again and
// turns a total above the budget into ResourceExhausted ("out of fuel").
// Otherwise EndFuel returns `status`. BeginFuel returns InvalidArgument
// for options.fuel on a call made inside another call of the instance
// (it runs on the enclosing call's budget), Internal when a fuel accessor
// fails; call EndFuel exactly when BeginFuel succeeded.
WASMHOST_EXPORT absl::Status BeginFuel(const ExportState& e,
                                       const CallOptions& options);
WASMHOST_EXPORT absl::Status EndFuel(const ExportState& e,
                                     const CallOptions& options,
                                     absl::Status status);

// The bytes of the export's memory option (empty without one). Invalid
// after Realloc or any call into the guest.
WASMHOST_EXPORT absl::Span<uint8_t> MemoryBytes(const ExportState& e);
// Calls the export's realloc option, cabi_realloc(old_ptr, old_size,
// align, new_size). FailedPrecondition without one; a trap is Aborted.
WASMHOST_EXPORT absl::StatusOr<uint32_t> Realloc(const ExportState& e,
                                                 uint32_t old_ptr,
                                                 uint32_t old_size,
                                                 uint32_t align,
                                                 uint32_t new_size);
// The core instance exporting the export's realloc (or post-return)
// option and that export's name in `*name`, when the option is a core
// instance's export (wit-component's always are), so a typed handle to it
// can be made once; null otherwise.
WASMHOST_EXPORT const wasmhost::Instance* ReallocExport(
    const ExportState& e, absl::string_view* name);
WASMHOST_EXPORT const wasmhost::Instance* PostReturnExport(
    const ExportState& e, absl::string_view* name);
// Runs the export's post-return function with the core results.
WASMHOST_EXPORT absl::Status PostReturn(const ExportState& e,
                                        absl::Span<const wasmhost::Val> flat);

// A typed call's component driver (lib/wasm/component_driver.h): one
// engine entry makes the reallocs (each followed by the host's copy), the
// call, the lift and post-return, where the steps above take one entry
// each. Immutable once made; thread-affine like its instance.
struct DriverState;

// A string or list argument of a driver call: the flat pointer parameter
// its (ptr, len) starts at, and the alignment of its elements.
struct DriverAllocation {
  uint32_t param;
  uint32_t align;
};

// The driver for typed calls of `e` allocating `allocations`, in order;
// null when a call cannot take one or gains nothing from it: the lifted
// function returns more than one i32, or its realloc or post-return is not
// a core instance's export, or there is no allocation and no post-return.
WASMHOST_EXPORT std::shared_ptr<const DriverState> MakeDriver(
    const ExportState& e, absl::Span<const DriverAllocation> allocations);

// Allocation k's bytes: `byte_length` bytes at `data`.
struct DriverBytes {
  const void* data;
  uint32_t byte_length;
};

// Calls `e` through `driver` under `options` in one engine entry. `args`
// are the flat core values in the boundary ABI (wasmhost::internal::ToRaw),
// with each allocation's pointer parameter holding its byte length (its
// length parameter holds the element count, as the call passes it). For
// allocation k the guest's realloc(0, 0, align, byte_length) runs, its
// result is checked as the canonical ABI checks it (Aborted "unaligned
// pointer ..." / "pointer out of bounds ...") and bytes[k] copied there;
// `lift` gets the callee's result, if any, before post-return runs.
// Begins and ends the component's fuel as BeginFuel and EndFuel. Returns
// the status of the first failure: the guest's trap, the deadline, fuel, a
// host function's error, or `lift`'s own status, each as the separate
// steps return it.
WASMHOST_EXPORT absl::Status CallDriven(
    const ExportState& e, const DriverState& driver, const CallOptions& options,
    const wasmhost::internal::RawVal* args, absl::Span<const DriverBytes> bytes,
    absl::FunctionRef<absl::Status(uint32_t result)> lift);

}  // namespace wasmhost::component::internal

#endif  // WASMHOST_INTERNAL_COMPONENT_CALL_H_
