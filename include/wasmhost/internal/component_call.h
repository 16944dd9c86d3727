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

}  // namespace wasmhost::component::internal

#endif  // WASMHOST_INTERNAL_COMPONENT_CALL_H_
